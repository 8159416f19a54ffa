"""Demo federations: one per street of the demo tree, as in the source text (DESIGN.md section 1).

Planned from the seed for every street whether or not it already has one, so the random draws
never depend on what the database holds; streets that have a federation are left alone.
"""

import random

from registry.demo import office_phone, person_name, random_date, street_address
from registry.enums import OrganizationKind
from registry.models import AdministrativeUnit, Organization

from .council import appoint_council_member
from .enums import CouncilRole
from .models import Federation, FederationReport, Membership
from .reports import acknowledge_federation_report, file_federation_report
from .services import admit_member, found_federation


def federation_name(street: AdministrativeUnit) -> str:
    return f"{street.name}社区社会组织联合会"


def found_federations(*, rng: random.Random, streets: list[AdministrativeUnit]) -> int:
    """Found the missing federations of `streets` (in code order); returns how many were founded."""
    streets = sorted(streets, key=lambda street: street.code)
    plans = [
        {
            "street": street,
            "name": federation_name(street),
            "founded_on": random_date(rng, 2019, 2021),
            "contact_person": person_name(rng),
            "contact_phone": office_phone(rng),
            "address": street_address(rng, street.code),
        }
        for street in streets
    ]
    existing = set(Federation.objects.filter(street__in=streets).values_list("street_id", flat=True))
    missing = [plan for plan in plans if plan["street"].pk not in existing]
    for plan in missing:
        found_federation(**plan)
    return len(missing)


def admit_members(*, rng: random.Random) -> int:
    """Most community groups of each street, and a few registered organizations, join their
    street's federation. Drawn for every organization in a fixed order whether or not it is
    already a member, so a second run admits nobody and changes no draw."""
    admitted = 0
    federations = {f.street_id: f for f in Federation.objects.all()}
    members = set(Membership.objects.filter(left_on__isnull=True).values_list("organization_id", flat=True))
    for organization in Organization.objects.order_by("pk"):
        federation = federations.get(organization.street_id)
        share = 0.85 if organization.kind == OrganizationKind.COMMUNITY_GROUP else 0.1
        joins = rng.random() < share
        joined_on = random_date(rng, max(federation.founded_on.year, 2019) if federation else 2019, 2025)
        if not joins or federation is None or organization.pk in members:
            continue
        admit_member(
            federation=federation,
            organization=organization,
            joined_on=max(joined_on, federation.founded_on, organization.founded_on or joined_on),
            actor=None,  # the demo/system loading data
        )
        admitted += 1
    return admitted


# --- Councils and yearly reports (through `federation.council` and `federation.reports`) ----------

ACTIVITY_THEMES = [
    "志愿服务",
    "邻里互助",
    "文体活动",
    "为老服务",
    "青少年课后托管",
    "垃圾分类宣传",
    "法律咨询",
    "社区议事",
]


def seat_councils(*, rng: random.Random, actor) -> int:
    """A president, one or two vice-presidents and a secretary-general for each federation, drawn
    from its current members, each represented by its legal representative. Planned for every
    federation whether or not it already has a council, so a second run seats nobody and changes
    no draw; returns how many seats were filled."""
    seated = 0
    for federation in Federation.objects.order_by("street__code"):
        memberships = list(
            Membership.objects.filter(federation=federation, left_on__isnull=True)
            .select_related("organization")
            .order_by("organization_id")
        )
        vice_presidents = rng.randint(1, 2)
        chosen = rng.sample(memberships, min(len(memberships), 2 + vice_presidents))
        if len(chosen) < 3 or federation.council_seats.exists():
            continue
        roles = [
            CouncilRole.PRESIDENT,
            *[CouncilRole.VICE_PRESIDENT] * (len(chosen) - 2),
            CouncilRole.SECRETARY_GENERAL,
        ]
        # Elected together, once all of them had joined.
        started_on = max(membership.joined_on for membership in chosen)
        for membership, role in zip(chosen, roles, strict=True):
            organization = membership.organization
            appoint_council_member(
                federation=federation,
                organization=organization,
                role=role,
                person_name=organization.legal_representative or person_name(rng),
                started_on=started_on,
                actor=actor,
            )
            seated += 1
    return seated


def file_reports(*, rng: random.Random, year: int, filers: dict, acknowledgers: dict, default_actor) -> int:
    """About two federations in three, and always the demo street's, file their report on `year`
    and their street acknowledges it. `filers` and `acknowledgers` map a street code to the user
    who acts there (`default_actor`, a superuser, elsewhere). Returns how many were filed."""
    filed = 0
    for federation in Federation.objects.select_related("street").order_by("street__code"):
        reports = rng.random() < 0.67 or federation.street.code in filers
        events, people, groups = rng.randint(24, 80), rng.randint(800, 4000), rng.randint(2, 6)
        themes = "、".join(rng.sample(ACTIVITY_THEMES, 3))
        if not reports or (federation.founded_on and federation.founded_on.year > year):
            continue
        if FederationReport.objects.filter(federation=federation, year=year).exists():
            continue
        code = federation.street.code
        report = file_federation_report(
            federation=federation,
            year=year,
            activities=(
                f"全年组织会员开展{themes}等活动{events}场，服务居民约{people}人次；"
                f"举办社区社会组织负责人培训{groups}期；协助街道开展社区社会组织备案预审和年度检查。"
            ),
            actor=filers.get(code, default_actor),
        )
        acknowledge_federation_report(
            report=report, actor=acknowledgers.get(code, default_actor), comment="已阅，工作扎实，望继续做好枢纽服务。"
        )
        filed += 1
    return filed
