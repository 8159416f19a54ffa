"""Reads of federations, scoped like the registry's."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from registry.access import NOTHING, HeldRole, held_roles
from registry.enums import OrganizationKind, Role
from registry.models import Organization
from registry.selectors.directory import DirectoryFacet
from registry.selectors.roles import in_subtree
from registry.selectors.units import streets_for_user

from .models import Federation, FederationStaff


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
