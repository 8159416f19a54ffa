"""The registry's own roles: unit roles of the four supervision tiers, and organization accounts."""

from django.db.models import Q

from ..access import NOTHING, HeldRole
from ..enums import OrganizationKind, Role
from ..models import OrganizationAccount, UnitRole


def in_subtree(unit) -> Q:
    """Organizations located in the unit's subtree (every organization has a street)."""
    return Q(street__path__startswith=unit.path) | Q(community__path__startswith=unit.path)


def _held_unit_role(assignment: UnitRole) -> HeldRole:
    unit = assignment.unit
    role = Role(assignment.role)
    located = in_subtree(unit)
    registered_here = Q(registration_authority=unit)
    if role == Role.CITY_OFFICER:
        # Reads the whole city; acts on what the city bureau itself registered.
        sees, manages = located | registered_here, registered_here
    elif role == Role.DISTRICT_OFFICER:
        sees = manages = located | registered_here
    elif role == Role.STREET_OFFICER:
        # The street office decides community-group filings; registrations are the district's.
        sees, manages = located, located & Q(kind=OrganizationKind.COMMUNITY_GROUP)
    else:  # community supervisor: observes and reports, changes nothing
        sees, manages = located, NOTHING
    return HeldRole(role=role, where=unit.name, sees=sees, manages=manages, unit=unit)


def registry_roles(user) -> list[HeldRole]:
    """Role provider for `registry.access`: unit roles and the organization account."""
    held = [_held_unit_role(a) for a in UnitRole.objects.filter(user=user).select_related("unit")]
    account = OrganizationAccount.objects.filter(user=user).select_related("organization").first()
    if account is not None:
        own = Q(pk=account.organization_id)
        # Filing changes goes through applications, not direct edits, so an account manages nothing.
        held.append(
            HeldRole(role=Role.ORGANIZATION_ACCOUNT, where=account.organization.name, sees=own, manages=NOTHING)
        )
    return held
