"""Granting and withdrawing roles."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..access import forget_held_roles
from ..enums import ROLE_LEVEL, Role, UnitLevel
from ..models import AdministrativeUnit, Organization, OrganizationAccount, UnitRole


@transaction.atomic
def assign_unit_role(*, user, role: str, unit: AdministrativeUnit) -> UnitRole:
    """Give `user` a supervision role on `unit`; the unit's level must suit the role."""
    expected = ROLE_LEVEL.get(Role(role))
    if expected is None:
        raise ValidationError({"role": _("该角色不在行政单位上授予。")})
    if unit.level != expected:
        raise ValidationError(
            {
                "unit": _("%(role)s须授予在%(level)s级单位上。")
                % {"role": Role(role).label, "level": UnitLevel(expected).label}
            }
        )
    assignment, _created = UnitRole.objects.get_or_create(user=user, role=role, unit=unit)
    forget_held_roles(user)
    return assignment


@transaction.atomic
def link_organization_account(*, user, organization: Organization) -> OrganizationAccount:
    """Let `user` act for `organization` (one organization per user)."""
    account, _created = OrganizationAccount.objects.update_or_create(user=user, defaults={"organization": organization})
    forget_held_roles(user)
    return account
