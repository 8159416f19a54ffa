"""Demo data of the registry: the administrative tree and the 576 organizations of the source text
(56 social groups, 155 private non-enterprise units, 365 filed community groups).

Organizations are first *planned* as plain values from a seeded `random.Random`, then written
through the registry's services. Planning never looks at the database, so a seed always yields the
same plan; writing skips what is already stored (units by code, registered organizations by credit
code, community groups by name and street), so a second run writes nothing. A database holds the
data of one seed: loading another seed on top is refused (see `_check_same_seed`).
"""

import csv
import random
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from stdnum.cn import ric, uscc

from . import demo_themes as themes
from .enums import (
    USCC_CIVIL_AFFAIRS,
    USCC_KIND_CHARACTER,
    AnnualReportResult,
    AnnualReportState,
    Category,
    FieldOfActivity,
    OrganizationKind,
    UnitLevel,
)
from .enums import OrganizationStatus as Status
from .models import ActivityField, AdministrativeUnit, AnnualReport, Organization
from .selectors.annual_reports import must_report, reporting_window
from .services.numbering import allocate_filing_number
from .services.organizations import create_organization
from .services.units import add_unit

SOURCE = "演示数据"
STREETS_CSV = Path(__file__).resolve().parent / "data" / "streets.csv"
CITY_CODE, CITY_NAME = "370200", "青岛市"
DISTRICT_CODE, DISTRICT_NAME = "370202", "市南区"
# Where the demo users hold their street and community roles (DESIGN.md section 5 names both).
DEMO_STREET_CODE, DEMO_STREET_NAME, DEMO_COMMUNITY_NAME = "370202010", "湛山街道", "盐城路社区"
# The social group the demo organization account acts for: fixed, so the login table can name it.
ACCOUNT_ORGANIZATION_NAME = f"{DISTRICT_NAME}{themes.CALLIGRAPHY.name}"

SOCIAL_GROUPS, SERVICE_INSTITUTIONS, COMMUNITY_GROUPS = 56, 155, 365
CITY_REGISTERED_SOCIAL_GROUPS = 4
OTHER_CATEGORY_SHARE = 0.15
ABNORMAL = {OrganizationKind.SOCIAL_GROUP: 1, OrganizationKind.SERVICE_INSTITUTION: 3}
NAME_PREFIXES = ("青岛市市南区", "市南区")


def demo_random(seed: int, part: str) -> random.Random:
    """One generator per part of the demo, so that changing how federations are made, say, does not
    reshuffle the organizations. String seeds are hashed with SHA-512: stable across processes."""
    return random.Random(f"load_demo_data:{seed}:{part}")


# --- The administrative tree ------------------------------------------------------------------


@dataclass(frozen=True)
class StreetRow:
    code: str
    name: str
    communities: tuple[tuple[str, str], ...]  # (code, name)


def source_era_streets() -> list[StreetRow]:
    """The ten streets of the source text with their communities, from the project's own CSV.
    Community codes are the street code plus a 3-digit serial in the CSV's order."""
    with STREETS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["status"] == "source-era"]
    return [
        StreetRow(
            code=row["code"],
            name=row["name"],
            communities=tuple(
                (f"{row['code']}{number:03d}", f"{name}社区")
                for number, name in enumerate(filter(None, map(str.strip, row["communities"].split(";"))), 1)
            ),
        )
        for row in rows
    ]


def build_tree(streets: list[StreetRow]) -> tuple[dict[str, AdministrativeUnit], int]:
    """City → district → streets → communities; returns every unit by code and how many were added."""
    units = {unit.code: unit for unit in AdministrativeUnit.objects.all()}
    added = 0

    def ensure(parent, code, name, level):
        nonlocal added
        if code not in units:
            units[code] = add_unit(parent=parent, code=code, name=name, level=level)
            added += 1
        return units[code]

    city = ensure(None, CITY_CODE, CITY_NAME, UnitLevel.CITY)
    district = ensure(city, DISTRICT_CODE, DISTRICT_NAME, UnitLevel.DISTRICT)
    for street in streets:
        street_unit = ensure(district, street.code, street.name, UnitLevel.STREET)
        for code, name in street.communities:
            ensure(street_unit, code, name, UnitLevel.COMMUNITY)
    return units, added


# --- Small random facts -----------------------------------------------------------------------


def random_date(rng: random.Random, first_year: int, last_year: int) -> date:
    first, last = date(first_year, 1, 1).toordinal(), date(last_year, 12, 31).toordinal()
    return date.fromordinal(rng.randint(first, last))


def street_address(rng: random.Random, street_code: str) -> str:
    return f"青岛市市南区{rng.choice(themes.STREET_ROADS[street_code])}{rng.randint(1, 199)}号"


def person_name(rng: random.Random) -> str:
    return rng.choice(themes.SURNAMES) + rng.choice(themes.GIVEN_NAMES)


def office_phone(rng: random.Random) -> str:
    return f"0532-8{rng.randint(0, 9_999_999):07d}"


def mobile_phone(rng: random.Random) -> str:
    return f"13{rng.randint(0, 999_999_999):09d}"


def resident_id(rng: random.Random) -> str:
    """A valid GB 11643 number issued in 市南区. stdnum knows the code 370202 only from 1983 on,
    so the demo's representatives are born 1983-2000."""
    body = f"{DISTRICT_CODE}{random_date(rng, 1983, 2000):%Y%m%d}{rng.randint(0, 999):03d}"
    return body + ric.calc_check_digit(body + "X")  # stdnum wants the number with its check slot


def credit_code(kind: str, index: int) -> str:
    """A GB 32100 code of a civil-affairs organization of `kind`: the organization-code part comes
    from the index alone (MJ + kind character + 6 digits), so codes do not change with the seed."""
    kind_char = USCC_KIND_CHARACTER[OrganizationKind(kind)]
    body = f"{USCC_CIVIL_AFFAIRS}{kind_char}{DISTRICT_CODE}MJ{kind_char}{index:06d}"
    return body + uscc.calc_check_digit(body)


# --- The plan ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganizationPlan:
    """Everything `create_organization` needs, as plain values (units by code)."""

    kind: str
    name: str
    theme: themes.Theme
    street_code: str
    community_code: str
    founded_on: date
    uscc: str | None = None
    category: str = ""
    authority_code: str | None = None
    supervising_unit: str = ""
    supervising_approval_number: str = ""
    activity_area: str = ""
    status: str = Status.ACTIVE


def _placed(rng, streets, street=None) -> tuple[StreetRow, tuple[str, str]]:
    """A street (evenly among streets, unless given) and one of its communities."""
    street = street or rng.choice(streets)
    return street, rng.choice(street.communities)


def _registered(rng, streets, kind, named_themes, fixed) -> list[OrganizationPlan]:
    """Plans of one registered kind: the fixed (name, theme, street) first, then the drawn ones;
    a few supervised (category `other`), a few on the abnormal list, codes numbered in order."""
    entries = [(name, theme, street) for name, theme, street in fixed]
    entries += [(f"{rng.choice(NAME_PREFIXES)}{name}", theme, None) for name, theme in named_themes]
    drawn = range(len(fixed), len(entries))
    supervisable = [i for i, (_n, theme, _s) in enumerate(entries) if theme.fields[0] in themes.SUPERVISORS]
    supervised = set(rng.sample(supervisable, round(OTHER_CATEGORY_SHARE * len(entries))))
    city = set(rng.sample(drawn, CITY_REGISTERED_SOCIAL_GROUPS)) if kind == OrganizationKind.SOCIAL_GROUP else set()
    abnormal = set(rng.sample([i for i in drawn if i not in city], ABNORMAL[kind]))
    plans = []
    for index, (name, theme, street) in enumerate(entries):
        street, (community_code, _community) = _placed(rng, streets, street)
        founded_on = random_date(rng, 1995, 2025)
        supervisor, abbreviation = themes.SUPERVISORS.get(theme.fields[0], ("", ""))
        plans.append(
            OrganizationPlan(
                kind=kind,
                name=name,
                theme=theme,
                street_code=street.code,
                community_code=community_code,
                founded_on=founded_on,
                uscc=credit_code(kind, index + 1),
                category=Category.OTHER if index in supervised else theme.category,
                authority_code=CITY_CODE if index in city else DISTRICT_CODE,
                supervising_unit=supervisor if index in supervised else "",
                supervising_approval_number=(
                    f"{abbreviation}〔{founded_on.year}〕{rng.randint(1, 60)}号" if index in supervised else ""
                ),
                activity_area=CITY_NAME if index in city else DISTRICT_NAME,
                status=Status.ABNORMAL if index in abnormal else Status.ACTIVE,
            )
        )
    return plans


def _community_groups(rng, streets) -> list[OrganizationPlan]:
    """Every community has a volunteer team and 湛山街道's also an elder-care one; the rest are drawn
    evenly by street, then community, then type. Ordered by founding date, so that filing numbers
    follow the dates."""
    fixed = [(street, community, themes.VOLUNTEERS) for street in streets for community in street.communities]
    fixed += [
        (street, community, themes.ELDER_VOLUNTEERS)
        for street in streets
        if street.code == DEMO_STREET_CODE
        for community in street.communities
    ]
    names = {f"{community[1]}{theme.name}" for _street, community, theme in fixed}
    drawn = []
    while len(fixed) + len(drawn) < COMMUNITY_GROUPS:
        street, community = _placed(rng, streets)
        theme = rng.choice(themes.COMMUNITY_GROUP_TYPES)
        if f"{community[1]}{theme.name}" not in names:
            names.add(f"{community[1]}{theme.name}")
            drawn.append((street, community, theme))
    plans = [
        OrganizationPlan(
            kind=OrganizationKind.COMMUNITY_GROUP,
            name=f"{community_name}{theme.name}",
            theme=theme,
            street_code=street.code,
            community_code=community_code,
            founded_on=random_date(rng, 2012, 2025),
            activity_area=community_name,
            status=Status.FILED,
        )
        for street, (community_code, community_name), theme in fixed + drawn
    ]
    return sorted(plans, key=lambda plan: (plan.founded_on, plan.name))


def plan_organizations(rng: random.Random, streets: list[StreetRow]) -> list[OrganizationPlan]:
    """The demo's organizations for one seed, without touching the database."""
    demo_street = next(street for street in streets if street.code == DEMO_STREET_CODE)
    social_groups = _registered(
        rng,
        streets,
        OrganizationKind.SOCIAL_GROUP,
        [(t.name, t) for t in rng.sample(themes.SOCIAL_GROUP_THEMES, SOCIAL_GROUPS - 2)],
        [
            (ACCOUNT_ORGANIZATION_NAME, themes.CALLIGRAPHY, demo_street),
            (f"{NAME_PREFIXES[0]}{themes.ELDERLY_CARE_ASSOCIATION.name}", themes.ELDERLY_CARE_ASSOCIATION, None),
        ],
    )
    brand_types = [(brand, theme) for pool, theme in themes.SERVICE_INSTITUTION_TYPES for brand in themes.BRANDS[pool]]
    service_institutions = _registered(
        rng,
        streets,
        OrganizationKind.SERVICE_INSTITUTION,
        [(brand + t.name, t) for brand, t in rng.sample(brand_types, SERVICE_INSTITUTIONS - 1)],
        [(f"{NAME_PREFIXES[0]}{themes.YIHE.name}", themes.YIHE, demo_street)],
    )
    plans = social_groups + service_institutions + _community_groups(rng, streets)
    if len({plan.name for plan in plans}) != len(plans):
        raise RuntimeError("demo organization names must be unique")
    return plans


# --- Writing ----------------------------------------------------------------------------------


def _facts(rng: random.Random, plan: OrganizationPlan) -> dict:
    """The facts that do not tell organizations apart. Drawn after the plan, for every planned
    organization whether stored or not, so that they never depend on what the database holds."""
    registered = plan.kind != OrganizationKind.COMMUNITY_GROUP
    if plan.kind == OrganizationKind.SOCIAL_GROUP:
        capital = Decimal(rng.randint(30, 100) * 1000)
    elif plan.kind == OrganizationKind.SERVICE_INSTITUTION:
        capital = Decimal(rng.randint(3, 200) * 10000)
    else:
        capital = None
    return {
        "address": street_address(rng, plan.street_code),
        "registered_capital": capital,
        "business_scope": plan.theme.scope,
        "member_count": rng.randint(30, 600) if plan.kind == OrganizationKind.SOCIAL_GROUP else None,
        "legal_representative": person_name(rng),
        "public_phone": office_phone(rng) if registered else "",
        "legal_representative_id_number": resident_id(rng),
        "legal_representative_phone": mobile_phone(rng),
    }


class OtherSeedLoaded(Exception):
    """The database already holds the demo of another seed."""


def _check_same_seed(plans: list[OrganizationPlan], stored: dict[str, str]) -> None:
    """Refuse to load on top of another seed's demo: the credit codes would match (they do not
    depend on the seed) while the community groups would not, so 365 more would be filed. Names
    changed by hand in the back office are a few at most; another seed changes nearly all."""
    renamed = sum(1 for plan in plans if plan.uscc in stored and stored[plan.uscc] != plan.name)
    if stored and renamed * 2 > len(stored):
        raise OtherSeedLoaded("数据库中已有用其他随机种子载入的演示数据；请使用原来的种子，或换用新的数据库。")


def load_organizations(*, rng: random.Random, streets: list[StreetRow], units: dict[str, AdministrativeUnit]) -> int:
    """Create the planned organizations that are not stored yet; returns how many were created."""
    plans = plan_organizations(rng, streets)
    facts = [_facts(rng, plan) for plan in plans]
    fields = {field.code: field for field in ActivityField.objects.all()}
    if missing := set(FieldOfActivity.values) - fields.keys():
        raise RuntimeError(f"activity fields missing (run migrate): {sorted(missing)}")
    stored = dict(Organization.objects.filter(uscc__in=[p.uscc for p in plans if p.uscc]).values_list("uscc", "name"))
    _check_same_seed(plans, stored)
    groups = set(Organization.objects.filter(kind=OrganizationKind.COMMUNITY_GROUP).values_list("name", "street__code"))
    created = 0
    for plan, plan_facts in zip(plans, facts, strict=True):
        if plan.uscc in stored or (plan.name, plan.street_code) in groups:
            continue
        data = {
            "name": plan.name,
            "kind": plan.kind,
            "uscc": plan.uscc,
            "category": plan.category,
            "status": plan.status,
            "registration_authority": units[plan.authority_code] if plan.authority_code else None,
            "supervising_unit": plan.supervising_unit,
            "supervising_approval_number": plan.supervising_approval_number,
            "street": units[plan.street_code],
            "community": units[plan.community_code],
            "founded_on": plan.founded_on,
            "activity_area": plan.activity_area,
            **plan_facts,
        }
        with transaction.atomic():  # a filing number is used by the group created with it, or returned
            if plan.kind == OrganizationKind.COMMUNITY_GROUP:
                data["filing_number"] = allocate_filing_number(year=plan.founded_on.year)
            create_organization(
                actor=None, data=data, activity_fields=[fields[code] for code in plan.theme.fields], source=SOURCE
            )
        created += 1
    return created


# Results of the demo's annual reports: mostly passes, as in the district's published results.
REPORT_RESULTS = (
    (AnnualReportResult.PASS, 0.85),
    (AnnualReportResult.BASIC_PASS, 0.12),
    (AnnualReportResult.FAIL, 0.03),
)
REPORT_ACTIVITIES = (
    "组织会员开展专题培训和交流活动，参与社区志愿服务。",
    "承接政府购买服务项目，完成年度服务计划。",
    "举办公益讲座和展演活动，服务辖区居民。",
    "开展行业调研，组织会员单位交流合作。",
)
RESULT_REASONS = {
    AnnualReportResult.PASS: "按时报送，财务和活动情况符合规定。",
    AnnualReportResult.BASIC_PASS: "内部管理制度不够健全，限期整改。",
    AnnualReportResult.FAIL: "财务收支不规范，未按章程开展活动。",
}


def file_annual_reports(*, rng: random.Random, today: date) -> int:
    """Reports, on paper, for every year of the filing window that each registered organization must
    report on, with the bureau's results; last year's results are partly still pending. Abnormal
    organizations have missed last year's report: that is why they are on the abnormal list.
    Returns how many were created (0 on a second run)."""
    years = list(reporting_window(today))
    organizations = Organization.objects.exclude(kind=OrganizationKind.COMMUNITY_GROUP).order_by("uscc")
    filed = set(AnnualReport.objects.values_list("organization_id", "year"))
    reports = []
    for organization in organizations:
        for year in years:
            if not must_report(organization, year) or (organization.pk, year) in filed:
                continue
            if organization.status == Status.ABNORMAL and year == years[-1]:
                continue
            income = Decimal(rng.randrange(50_000, 2_000_000))
            result = rng.choices([r for r, _ in REPORT_RESULTS], weights=[w for _, w in REPORT_RESULTS])[0]
            pending = year == years[-1] and rng.random() < 0.2
            report = AnnualReport(
                organization=organization,
                year=year,
                income=income,
                expenditure=(income * Decimal(rng.uniform(0.8, 1.05))).quantize(Decimal("0.01")),
                net_assets=(income * Decimal(rng.uniform(0.3, 1.5))).quantize(Decimal("0.01")),
                staff=rng.randint(1, 20),
                volunteers=rng.randint(0, 200),
                activities=rng.choice(REPORT_ACTIVITIES),
                state=AnnualReportState.SUBMITTED if pending else AnnualReportState.CHECKED,
                result="" if pending else result,
                result_reason="" if pending else RESULT_REASONS[result],
                result_at=None if pending else timezone.make_aware(datetime(year + 1, 8, 31, 10)),
            )
            report.full_clean(exclude=["organization"])
            reports.append(report)
    AnnualReport.objects.bulk_create(reports)
    return len(reports)
