"""The whole demo (`manage.py load_demo_data`): the registry's tree and organizations, the
federations, the evaluation bodies, and one demo user per role, each role granted through the
service that grants it in real use, so the demo exercises the same rules as production data.

`DEMO_USERS` is the table of logins the command prints and the README repeats; tests use it to
check that every role has a user who really holds it.
"""

import time
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from evaluation.demo import AGENCY_NAME, COMMITTEE_NAME, create_demo_evaluations, create_evaluation_bodies
from evaluation.enums import AgencyRole
from evaluation.services.people import add_agency_member, add_committee_member
from federation.demo import admit_members, file_reports, found_federations, seat_councils
from federation.incubation_demo import create_demo_incubations
from federation.models import Federation
from federation.services import add_federation_staff
from federation.venture_demo import load_venture_demo
from registry import demo as registry_demo
from registry.demo import (
    ACCOUNT_ORGANIZATION_NAME,
    CITY_CODE,
    CITY_NAME,
    DEMO_COMMUNITY_NAME,
    DEMO_STREET_CODE,
    DEMO_STREET_NAME,
    DISTRICT_CODE,
    DISTRICT_NAME,
    demo_random,
)
from registry.enums import OrganizationKind, Role, UnitLevel
from registry.models import Organization, OrganizationAccount
from registry.services.roles import assign_unit_role, link_organization_account

from .content_demo import create_demo_content
from .demo_workflows import create_demo_workflows
from .site_structure import ensure_site_pages

DEFAULT_SEED = 2026
DEMO_PASSWORD = "demo2026"
SITE_URL = "http://127.0.0.1:8000/"
ADMIN_URL = f"{SITE_URL}admin/"
SUPERUSER_LABEL = _("系统管理员（超级用户）")
AGENCY_ROLES = {Role.AGENCY_MANAGER: AgencyRole.MANAGER, Role.ASSESSOR: AgencyRole.ASSESSOR}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str | None  # a `Role` code; None for the superuser
    last_name: str
    first_name: str
    where: str  # where the role is held, for people reading the table

    @property
    def label(self) -> str:
        return str(Role(self.role).label if self.role else SUPERUSER_LABEL)

    @property
    def email(self) -> str:
        return f"{self.username}@example.com"


DEMO_USERS = (
    DemoUser("admin", None, "刘", "建华", "全站"),
    DemoUser("city_officer", Role.CITY_OFFICER, "张", "明远", f"{CITY_NAME}（{CITY_CODE}）"),
    DemoUser("district_officer", Role.DISTRICT_OFFICER, "李", "秀梅", f"{DISTRICT_NAME}（{DISTRICT_CODE}）"),
    DemoUser("street_officer", Role.STREET_OFFICER, "赵", "海波", f"{DEMO_STREET_NAME}（{DEMO_STREET_CODE}）"),
    DemoUser(
        "community_supervisor", Role.COMMUNITY_SUPERVISOR, "孙", "丽娟", f"{DEMO_COMMUNITY_NAME}（{DEMO_STREET_NAME}）"
    ),
    DemoUser("federation_staff", Role.FEDERATION_STAFF, "于", "晓燕", f"{DEMO_STREET_NAME}社区社会组织联合会"),
    DemoUser("agency_manager", Role.AGENCY_MANAGER, "姜", "文涛", AGENCY_NAME),
    DemoUser("assessor", Role.ASSESSOR, "曲", "志刚", AGENCY_NAME),
    DemoUser("committee_member", Role.COMMITTEE_MEMBER, "高", "淑芬", COMMITTEE_NAME),
    DemoUser(
        "org_account", Role.ORGANIZATION_ACCOUNT, "杨", "帆", f"{ACCOUNT_ORGANIZATION_NAME}（{DEMO_STREET_NAME}）"
    ),
)


def login_table() -> list[tuple[str, str, str, str]]:
    """(role label in Chinese, username, password, where) for each demo user."""
    with translation.override("zh-hans"):
        return [(user.label, user.username, DEMO_PASSWORD, user.where) for user in DEMO_USERS]


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def format_login_table() -> list[str]:
    """The login table as aligned lines (Chinese characters take two columns in a terminal)."""
    rows = [("角色", "用户名", "密码", "所在单位"), *login_table()]
    widths = [max(_width(row[column]) for row in rows) for column in range(3)]
    return [
        "  ".join([*(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=False)), row[3]])
        for row in rows
    ]


def _fill_in(user, spec: DemoUser, password_hash: str) -> None:
    """Complete a user just created; an existing user is never touched, so a second run changes
    nothing and a password changed while trying the demo stays changed."""
    user.first_name, user.last_name, user.email = spec.first_name, spec.last_name, spec.email
    user.is_superuser = user.is_staff = spec.role is None
    user.password = password_hash
    user.save()


def create_demo_users(*, units: dict, agency, committee) -> int:
    """One user per role, granted through the role services; returns how many users were created."""
    street = units[DEMO_STREET_CODE]
    community = next(
        unit
        for unit in units.values()
        if unit.level == UnitLevel.COMMUNITY and unit.name == DEMO_COMMUNITY_NAME and unit.path.startswith(street.path)
    )
    unit_of = {
        Role.CITY_OFFICER: units[CITY_CODE],
        Role.DISTRICT_OFFICER: units[DISTRICT_CODE],
        Role.STREET_OFFICER: street,
        Role.COMMUNITY_SUPERVISOR: community,
    }
    created, password_hash = 0, None
    for spec in DEMO_USERS:
        user, new = get_user_model().objects.get_or_create(username=spec.username)
        if new:
            # Hashed once for all: PBKDF2 takes ~0.4 s a time, 40 % of a whole load if done ten
            # times, and a shared salt reveals nothing about a password the README publishes.
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            _fill_in(user, spec, password_hash)
            created += 1
        if spec.role in unit_of:
            assign_unit_role(user=user, role=spec.role, unit=unit_of[spec.role])
        elif spec.role == Role.FEDERATION_STAFF:
            add_federation_staff(user=user, federation=Federation.objects.get(street=street))
        elif spec.role in AGENCY_ROLES:
            add_agency_member(user=user, agency=agency, role=AGENCY_ROLES[spec.role])
        elif spec.role == Role.COMMITTEE_MEMBER:
            add_committee_member(user=user, committee=committee)
        elif spec.role == Role.ORGANIZATION_ACCOUNT and not OrganizationAccount.objects.filter(user=user).exists():
            organization = Organization.objects.get(
                kind=OrganizationKind.SOCIAL_GROUP, name=ACCOUNT_ORGANIZATION_NAME, street=street
            )
            link_organization_account(user=user, organization=organization)
    return created


def _federation_hub(seed: int, *, today) -> tuple[int, int]:
    """Councils for every federation and, for some, last year's report filed and acknowledged:
    the demo street's by its federation staff and street officer, the others' by the admin."""
    users = {
        user.username: user
        for user in get_user_model().objects.filter(username__in=["admin", "federation_staff", "street_officer"])
    }
    seats = seat_councils(rng=demo_random(seed, "councils"), actor=users["admin"])
    reports = file_reports(
        rng=demo_random(seed, "federation-reports"),
        year=today.year - 1,
        filers={DEMO_STREET_CODE: users["federation_staff"]},
        acknowledgers={DEMO_STREET_CODE: users["street_officer"]},
        default_actor=users["admin"],
    )
    return seats, reports


def load_demo_data(seed: int = DEFAULT_SEED, stdout=None) -> dict[str, int]:
    """Load the demo for `seed` in one transaction (an interrupted load leaves nothing behind);
    returns how many of each thing were created, all zero on a second run."""
    started = time.monotonic()
    streets = registry_demo.source_era_streets()
    with transaction.atomic():
        units, units_added = registry_demo.build_tree(streets)
        organizations = registry_demo.load_organizations(
            rng=demo_random(seed, "organizations"), streets=streets, units=units
        )
        reports = registry_demo.file_annual_reports(rng=demo_random(seed, "annual-reports"), today=timezone.localdate())
        federations = found_federations(
            rng=demo_random(seed, "federations"), streets=[units[street.code] for street in streets]
        )
        members = admit_members(rng=demo_random(seed, "members"))
        agency, committee, bodies = create_evaluation_bodies(district=units[DISTRICT_CODE])
        create_demo_content(stdout=stdout)
        users = create_demo_users(units=units, agency=agency, committee=committee)
        councils, federation_reports = _federation_hub(seed, today=timezone.localdate())
        ensure_site_pages()
        workflows = create_demo_workflows()
        incubations = create_demo_incubations(today=timezone.localdate())
        evaluations = create_demo_evaluations(
            seed=seed, district=units[DISTRICT_CODE], agency=agency, committee=committee, today=timezone.localdate()
        )
        # After the evaluation: its agency is the expert panel, its people review the projects.
        ventures = load_venture_demo(
            seed=seed, district=units[DISTRICT_CODE], agency=agency, today=timezone.localdate()
        )
    created = {
        "units": units_added,
        "organizations": organizations,
        "federations": federations,
        "members": members,
        "council_seats": councils,
        "federation_reports": federation_reports,
        "annual_reports": reports,
        "evaluation_bodies": bodies,
        "users": users,
        "workflows": workflows,
        "incubations": incubations,
        **evaluations,
        **ventures,
    }
    if stdout is not None:
        stdout.write(
            f"演示数据（种子 {seed}）：新建行政单位 {units_added} 个、社会组织 {organizations} 个、"
            f"年度报告 {reports} 份、"
            f"联合会 {federations} 个（新入会组织 {members} 个）、评估机构和评估委员会 {bodies} 个、用户 {users} 个，"
            f"进行中的申请和信用记录 {workflows} 条，服务中心和孵化记录 {incubations} 个，"
            f"评估指标体系 {evaluations['evaluation_frameworks']} 个、"
            f"评估人员和申请组织账号 {evaluations['evaluation_users']} 个、"
            f"评估申请 {evaluations['evaluation_cases']} 件（授予等级 {evaluations['evaluation_grades']} 个、"
            f"证书 {evaluations['evaluation_certificates']} 张），"
            f"公益创投 {ventures['venture_calls']} 期（项目 {ventures['venture_projects']} 个、"
            f"新建申报组织账号 {ventures['venture_accounts']} 个），"
            f"用时 {time.monotonic() - started:.1f} 秒。\n"
        )
    return created
