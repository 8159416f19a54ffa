"""Reads of the federation as a street's hub: its council, its yearly reports, its staff's
dashboard, its public page and the per-street statistics. Lists for people are scoped through
`federations_for_user`; the public reads show only public organizations and acknowledged work."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Value, When

from registry.enums import ApplicationKind, ApplicationState, OrganizationKind, OrganizationStatus, UnitLevel
from registry.models import AdministrativeUnit, Application, Organization
from registry.selectors.credit import organizations_with_overdue_annual_report
from registry.selectors.organizations import public_organizations

from .enums import CouncilRole, IncubationStage
from .incubation_selectors import incubation_counts_by_street
from .models import CouncilSeat, Federation, FederationReport, Membership, SupportCentre
from .selectors import federations_for_user
from .venture_selectors import funding_by_street

# The national aim: at least ten community social organizations per urban community (Ministry of
# Civil Affairs, 关于大力培育发展社区社会组织的意见, 2017). Every community of 市南区 is urban.
COMMUNITY_GROUPS_AIM = 10

_ROLE_ORDER = Case(
    *(When(role=role, then=Value(position)) for position, role in enumerate(CouncilRole.values)),
    output_field=IntegerField(),
)


# --- Council -------------------------------------------------------------------------------------


def council_in_office(federation: Federation) -> QuerySet[CouncilSeat]:
    """The seats held now: president, vice-presidents, secretary-general, each by start date."""
    return (
        CouncilSeat.objects.filter(federation=federation, ended_on__isnull=True)
        .select_related("organization")
        .annotate(role_order=_ROLE_ORDER)
        .order_by("role_order", "started_on", "pk")
    )


def council_history(federation: Federation) -> QuerySet[CouncilSeat]:
    """Seats whose term has ended, the latest first."""
    return (
        CouncilSeat.objects.filter(federation=federation, ended_on__isnull=False)
        .select_related("organization")
        .order_by("-ended_on", "-pk")
    )


def council_seats_for_user(user) -> QuerySet[CouncilSeat]:
    """The seats of the federations the user may read."""
    return CouncilSeat.objects.filter(federation__in=federations_for_user(user).values("pk")).select_related(
        "federation", "organization"
    )


# --- Yearly reports ------------------------------------------------------------------------------


def reports_for_user(user) -> QuerySet[FederationReport]:
    """The reports of the federations the user may read: their staff's own, their street's and
    district's officers'."""
    return FederationReport.objects.filter(federation__in=federations_for_user(user).values("pk")).select_related(
        "federation__street", "submitted_by", "acknowledged_by"
    )


def acknowledged_reports(federation: Federation) -> QuerySet[FederationReport]:
    """The federation's reports the street has acknowledged, the latest year first: its public work."""
    return federation.reports.filter(acknowledged_at__isnull=False).order_by("-year")


# --- Members -------------------------------------------------------------------------------------


def current_member_organizations(federation: Federation) -> QuerySet[Organization]:
    return Organization.objects.filter(
        pk__in=Membership.objects.filter(federation=federation, left_on__isnull=True).values("organization_id")
    )


# Who may be offered for admission: past the application stage and not closed.
ADMISSIBLE_STATUSES = (OrganizationStatus.ACTIVE, OrganizationStatus.ABNORMAL, OrganizationStatus.FILED)


def memberships_for_user(user) -> QuerySet[Membership]:
    """The memberships (current and former) of the federations the user may read."""
    return Membership.objects.filter(federation__in=federations_for_user(user).values("pk")).select_related(
        "federation__street", "organization"
    )


def current_memberships(federation: Federation) -> QuerySet[Membership]:
    """The current members' memberships with their organizations and communities, by name."""
    return (
        federation.memberships.filter(left_on__isnull=True)
        .select_related("organization__community")
        .order_by("organization__name_pinyin", "organization_id")
    )


def former_memberships(federation: Federation) -> QuerySet[Membership]:
    """Ended memberships, the latest to end first (an organization that rejoined appears in both)."""
    return (
        federation.memberships.filter(left_on__isnull=False)
        .select_related("organization__community")
        .order_by("-left_on", "-pk")
    )


def admissible_organizations(federation: Federation) -> QuerySet[Organization]:
    """The street's organizations that may join, current members included (the service refuses
    them with its own message)."""
    return Organization.objects.filter(street_id=federation.street_id, status__in=ADMISSIBLE_STATUSES)


def organizations_to_admit(federation: Federation) -> QuerySet[Organization]:
    """What the admission form offers: the street's admissible organizations not yet members, by name."""
    return (
        admissible_organizations(federation)
        .exclude(pk__in=current_member_organizations(federation).values("pk"))
        .order_by("name_pinyin", "pk")
    )


def public_members(federation: Federation) -> QuerySet[Organization]:
    """Current members as the public sees them (public organizations only), by name."""
    return (
        public_organizations()
        .filter(pk__in=current_member_organizations(federation).values("pk"))
        .select_related("street", "community")
        .order_by("name_pinyin", "pk")
    )


def members_per_community(members: QuerySet[Organization]) -> list[tuple[str, int]]:
    """(community name, number of members) by community code; members without one last. One query."""
    rows = members.order_by().values("community__code", "community__name").annotate(n=Count("pk"))
    return [
        (row["community__name"] or "", row["n"])
        for row in sorted(rows, key=lambda row: (row["community__code"] is None, row["community__code"] or ""))
    ]


# --- The staff's dashboard -----------------------------------------------------------------------


def filings_awaiting_pre_review(federation: Federation) -> QuerySet[Application]:
    """Community-group filings of the federation's street submitted and waiting for its pre-review,
    the longest-waiting first."""
    return Application.objects.filter(
        kind=ApplicationKind.FILING, state=ApplicationState.SUBMITTED, street_id=federation.street_id
    ).order_by("last_action_at", "pk")


def incubations_by_stage(federation: Federation) -> list[tuple[str, str, int]] | None:
    """(stage, label, count) for every stage at the street's support centre; None without a centre."""
    centre = SupportCentre.objects.filter(street_id=federation.street_id).first()
    if centre is None:
        return None
    counts = dict(centre.incubations.order_by().values_list("stage").annotate(n=Count("pk")))
    return [(stage.value, str(stage.label), counts.get(stage.value, 0)) for stage in IncubationStage]


def members_with_overdue_annual_report(federation: Federation, today: datetime.date) -> QuerySet[Organization]:
    """Current members with an annual report past due and not filed (registered ones: community
    groups do not report), annotated with `overdue_years`."""
    return organizations_with_overdue_annual_report(current_member_organizations(federation), today).order_by(
        "name_pinyin", "pk"
    )


@dataclass(frozen=True)
class Dashboard:
    federation: Federation
    members: list[Organization]
    filings: list[Application]
    incubations: list[tuple[str, str, int]] | None
    overdue: list[Organization]

    @property
    def member_count(self) -> int:
        return len(self.members)


def federation_dashboard(federation: Federation, today: datetime.date) -> Dashboard:
    """What the federation's staff follow: their members, the filings waiting for their
    pre-review, their street's incubations and their members' overdue annual reports. Callers
    find `federation` through `federations_for_user`."""
    members = (
        current_member_organizations(federation)
        .select_related("community")
        .annotate(
            member_since=Membership.objects.filter(
                federation=federation, organization=OuterRef("pk"), left_on__isnull=True
            ).values("joined_on")[:1]
        )
        .order_by("name_pinyin", "pk")
    )
    return Dashboard(
        federation=federation,
        members=list(members),
        filings=list(filings_awaiting_pre_review(federation)),
        incubations=incubations_by_stage(federation),
        overdue=list(members_with_overdue_annual_report(federation, today)),
    )


# --- Statistics per street -----------------------------------------------------------------------


@dataclass
class CommunityFigure:
    name: str
    groups: int

    @property
    def short_of_aim(self) -> bool:
        return self.groups < COMMUNITY_GROUPS_AIM


@dataclass
class StreetFigures:
    code: str
    name: str
    federation: str  # its name; "" when the street has none yet
    members: int
    communities: list[CommunityFigure]
    incubations: dict[str, int] | None  # stage → count; None when the street has no support centre
    funded_projects: int = 0  # venture projects of its organizations funded by published calls
    funded_amount: Decimal = Decimal(0)  # what they hold of the calls' budgets (yuan)

    @property
    def groups(self) -> int:
        return sum(community.groups for community in self.communities)

    @property
    def communities_short(self) -> list[CommunityFigure]:
        return [community for community in self.communities if community.short_of_aim]

    @property
    def groups_per_community(self) -> float | None:
        return self.groups / len(self.communities) if self.communities else None

    @property
    def incubation_rows(self) -> list[tuple[str, int]] | None:
        if self.incubations is None:
            return None
        return [(str(stage.label), self.incubations.get(stage.value, 0)) for stage in IncubationStage]


def street_statistics() -> list[StreetFigures]:
    """Per street, in code order: its federation's current members, the filed community groups of
    each of its communities (against COMMUNITY_GROUPS_AIM), its support centre's incubations by
    stage, and the venture projects of its organizations funded by published calls with the
    amount they hold. Six queries whatever the number of streets."""
    streets = list(AdministrativeUnit.objects.filter(level=UnitLevel.STREET).order_by("code"))
    federations = dict(Federation.objects.values_list("street_id", "name"))
    members = dict(
        Membership.objects.filter(left_on__isnull=True)
        .order_by()
        .values_list("federation__street_id")
        .annotate(n=Count("pk"))
    )
    incubations = incubation_counts_by_street()
    funding = funding_by_street()
    filed = Q(
        community_organizations__kind=OrganizationKind.COMMUNITY_GROUP,
        community_organizations__status=OrganizationStatus.FILED,
    )
    communities: dict[str, list[CommunityFigure]] = {}
    for path, name, groups in (
        AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNITY)
        .annotate(groups=Count("community_organizations", filter=filed))
        .order_by("code")
        .values_list("path", "name", "groups")
    ):
        communities.setdefault(path[: -AdministrativeUnit.steplen], []).append(CommunityFigure(name, groups))
    return [
        StreetFigures(
            code=street.code,
            name=street.name,
            federation=federations.get(street.pk, ""),
            members=members.get(street.pk, 0),
            communities=communities.get(street.path, []),
            incubations=incubations.get(street.code),
            funded_projects=funding.get(street.code, {}).get("projects", 0),
            funded_amount=funding.get(street.code, {}).get("amount", Decimal(0)),
        )
        for street in streets
    ]
