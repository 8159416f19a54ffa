"""Reads of federations, scoped like the registry's."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.access import NOTHING, HeldRole, held_roles
from registry.enums import OrganizationKind, Role
from registry.models import Organization
from registry.selectors.directory import DirectoryFacet
from registry.selectors.roles import in_subtree
from registry.selectors.units import streets_for_user

from .models import CouncilSeat, Federation, FederationStaff


def federation_roles(user) -> list[HeldRole]:
    """Role provider for `registry.access`: federation staff see their street's community groups
    and their federation's members."""
    return [
        HeldRole(
            role=Role.FEDERATION_STAFF,
            where=staff.federation.name,
            sees=(in_subtree(staff.federation.street) & Q(kind=OrganizationKind.COMMUNITY_GROUP))
            | Q(pk__in=Organization.objects.filter(_membership_condition([staff.federation.street.code])).values("pk")),
            manages=NOTHING,
            unit=staff.federation.street,
        )
        for staff in FederationStaff.objects.filter(user=user).select_related("federation__street")
    ]


def _federations_serving(organization: Organization) -> QuerySet[Federation]:
    """The federations whose staff see the organization (as `federation_roles` has it), asked from
    the organization's side: the federation it is a current member of and, for a community group,
    its street's federation."""
    serving = Q(memberships__organization=organization, memberships__left_on__isnull=True)
    if organization.kind == OrganizationKind.COMMUNITY_GROUP:
        serving |= Q(street_id=organization.street_id)
    return Federation.objects.filter(serving)


def staff_connections(organization: Organization, user_ids: list[int]) -> dict[int, list[str]]:
    """Connection provider for `registry.access`: those of `user_ids` who are staff of a federation
    serving the organization. One query."""
    found: dict[int, list[str]] = {}
    for staff in FederationStaff.objects.filter(
        user_id__in=user_ids, federation__in=_federations_serving(organization).values("pk")
    ).select_related("federation"):
        found.setdefault(staff.user_id, []).append(
            str(_("本人是该组织所属联合会（%(federation)s）的工作人员。") % {"federation": staff.federation.name})
        )
    return found


def council_seats_of(organization: Organization, today: datetime.date) -> QuerySet[CouncilSeat]:
    """The council seats that tie people to the organization on `today`: the seats it holds on a
    federation's council (the people it delegates), and every seat on the councils of the
    federations serving it (the one it is a current member of and, for a community group, its
    street's: as `staff_connections` has them). Seats ended before `today` are left out."""
    current = Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    serving = _federations_serving(organization).values("pk")
    return (
        CouncilSeat.objects.filter(current)
        .filter(Q(organization=organization) | Q(federation__in=serving))
        .select_related("federation")
        .order_by("federation__street__code", "role", "pk")
    )


def _bare_name(name: str) -> str:
    return "".join((name or "").split())


def council_connections(organization: Organization, user_ids: list[int]) -> dict[int, list[str]]:
    """Connection provider for `registry.access`: those of `user_ids` whose name is that of a
    person on a council seat of `council_seats_of(organization)`. Two queries.

    A council seat records the person's name only (no ID number or phone), and a user account
    has a name only, so the name is the one link there is: a namesake is flagged too, and whoever
    assigns picks someone else or has the person declare otherwise. A user's name is read as
    `evaluation.selectors.people.person_name` has it (family name first, else the username).
    """
    by_name: dict[str, list[CouncilSeat]] = {}
    for seat in council_seats_of(organization, timezone.localdate()):
        by_name.setdefault(_bare_name(seat.person_name), []).append(seat)
    if not by_name:
        return {}
    found: dict[int, list[str]] = {}
    for user in get_user_model().objects.filter(pk__in=user_ids):
        name = _bare_name(f"{user.last_name}{user.first_name}") or _bare_name(user.get_username())
        for seat in by_name.get(name, []):
            facts = {"federation": seat.federation.name, "role": seat.get_role_display(), "name": seat.person_name}
            if seat.organization_id == organization.pk:
                reason = _("本人与该组织在%(federation)s理事会担任%(role)s的人员同名：%(name)s。") % facts
            else:
                reason = _("本人与该组织所属联合会（%(federation)s）的%(role)s同名：%(name)s。") % facts
            found.setdefault(user.pk, []).append(str(reason))
    return found


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


def current_members(federation: Federation):
    return federation.memberships.filter(left_on__isnull=True).select_related("organization")


def _membership_condition(street_codes: list[str]) -> Q:
    return Q(
        federation_memberships__left_on__isnull=True,
        federation_memberships__federation__street__code__in=street_codes,
    )


def _membership_counts(organizations) -> dict[str, int]:
    return dict(
        organizations.filter(federation_memberships__left_on__isnull=True)
        .values_list("federation_memberships__federation__street__code")
        .annotate(n=Count("pk", distinct=True))
    )


def _federation_choices() -> list[tuple[str, str]]:
    return list(Federation.objects.order_by("street__code").values_list("street__code", "name"))


MEMBERSHIP_FACET = DirectoryFacet(
    name="federation",
    label=_("所属联合会"),
    choices=_federation_choices,
    # A subquery keeps one row per organization whatever else the query joins.
    condition=lambda codes: Q(pk__in=Organization.objects.filter(_membership_condition(codes)).values("pk")),
    counts=_membership_counts,
)
