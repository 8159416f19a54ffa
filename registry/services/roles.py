"""Granting roles."""

from django.db import transaction

from ..access import forget_held_roles
from ..models import AdministrativeUnit, Organization, OrganizationAccount, UnitRole


@transaction.atomic
def assign_unit_role(*, user, role: str, unit: AdministrativeUnit) -> UnitRole:
    """Give `user` a supervision role on `unit` (once); the unit's level must suit the role."""
    assignment = UnitRole.objects.filter(user=user, role=role, unit=unit).first()
    if assignment is None:
        assignment = UnitRole(user=user, role=role, unit=unit)
        assignment.full_clean()
        assignment.save()
    forget_held_roles(user)
    return assignment


@transaction.atomic
def link_organization_account(*, user, organization: Organization) -> OrganizationAccount:
    """Let `user` act for `organization` (one organization per user)."""
    account, _created = OrganizationAccount.objects.update_or_create(user=user, defaults={"organization": organization})
    forget_held_roles(user)
    return account
