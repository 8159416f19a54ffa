"""Reads of federations, scoped like the registry's."""

from django.db.models import Q, QuerySet

from registry.access import NOTHING, HeldRole, held_roles
from registry.enums import OrganizationKind, Role
from registry.selectors.roles import in_subtree
from registry.selectors.units import streets_for_user

from .models import Federation, FederationStaff


def federation_roles(user) -> list[HeldRole]:
    """Role provider for `registry.access`: federation staff see their street's community groups."""
    return [
        HeldRole(
            role=Role.FEDERATION_STAFF,
            where=staff.federation.name,
            sees=in_subtree(staff.federation.street) & Q(kind=OrganizationKind.COMMUNITY_GROUP),
            manages=NOTHING,
            unit=staff.federation.street,
        )
        for staff in FederationStaff.objects.filter(user=user).select_related("federation__street")
    ]


def federations_for_user(user) -> QuerySet[Federation]:
    """Officers see the federations of the streets in their area; staff see their own."""
    federations = Federation.objects.select_related("street")
    if getattr(user, "is_superuser", False) and user.is_active:
        return federations
    roles = held_roles(user)
    if not roles:
        return federations.none()
    return federations.filter(Q(staff__user=user) | Q(street__in=streets_for_user(user))).distinct()


def public_federations() -> QuerySet[Federation]:
    return Federation.objects.select_related("street")


def federation_of_street(street) -> Federation | None:
    """The street's federation, the hub of its community organizations, if it has one."""
    return Federation.objects.filter(street=street).first()
