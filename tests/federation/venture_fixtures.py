"""A venture-philanthropy call of the district open today, its expert panel, and an organization
with its account; helpers that take a project through the experts' review with the evaluation
services (setup for the funding and report tests)."""

import datetime
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from evaluation.enums import AgencyRole
from evaluation.models import Agency
from evaluation.selectors.assessments import scored_leaves
from evaluation.services.assignment import assign_team
from evaluation.services.frameworks import import_framework_file
from evaluation.services.moderation import moderate
from evaluation.services.people import add_agency_member
from evaluation.services.scoring import complete_scoring, save_scores, submit_scores
from federation.venture import decide_funding, open_review, save_call, save_draft, submit_project
from registry.enums import OrganizationKind, Role
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

D = Decimal
DAY = datetime.timedelta(days=1)
SHEET = Path(__file__).resolve().parents[2] / "evaluation" / "data" / "frameworks" / "venture-100.json"


def call_data(today: datetime.date, sheet, panel, **changes) -> dict:
    """A call taking submissions from ten days ago to ten days ahead, reviewed within a month."""
    return {
        "name": f"{today.year}年度市南区公益创投",
        "year": today.year,
        "applications_open_on": today - 10 * DAY,
        "applications_close_on": today + 10 * DAY,
        "scoring_closes_on": today + 40 * DAY,
        "sheet": sheet,
        "panel": panel,
        "guide": "资助为老服务、儿童关爱和社区治理项目。",
        "budget": D("100000"),
        "project_starts_on": today + 50 * DAY,
        "project_ends_on": today + 230 * DAY,
        "midterm_due_on": today + 140 * DAY,
        "final_due_on": today + 250 * DAY,
        "check_credit_lists": True,
        "check_annual_report": True,
        "check_ban": True,
        "ban_years": 3,
    } | changes


TIERS = [
    {"name": "重点项目", "max_amount": D("50000"), "places": 2},
    {"name": "一般项目", "max_amount": D("20000"), "places": None},
]


def project_data(tier, **changes) -> dict:
    return {
        "tier": tier,
        "title": "银龄书画进社区",
        "need": "湛山街道60岁以上老人约4000人，社区文化活动少。",
        "plan": "每月两次书画课，年底办一次作品展。",
        "budget_plan": "教材8000元，场地4000元，展览8000元。",
        "amount_requested": "20000",
        "outcomes": "服务老人200人次以上，作品展一次。",
    } | changes


@pytest.fixture
def venture(tree, make_officer, today):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    sheet, _created = import_framework_file(SHEET.read_bytes())
    panel = Agency.objects.create(name="青岛公益创投评审中心", uscc="52370202MJD602187J")
    manager = UserFactory(username="panel_manager")
    add_agency_member(user=manager, agency=panel, role=AgencyRole.MANAGER)
    experts = []
    for n in range(3):
        expert = UserFactory(username=f"expert{n}")
        add_agency_member(user=expert, agency=panel, role=AgencyRole.ASSESSOR)
        experts.append(expert)
    call = save_call(
        call=None, authority=tree.district, data=call_data(today, sheet, panel), tiers=TIERS, actor=officer
    )
    organization = create_org(
        street=tree.zhanshan,
        community=tree.yancheng,
        kind=OrganizationKind.COMMUNITY_GROUP,
        name="盐城路社区书画队",
        founded_on=datetime.date(2019, 5, 1),
    )
    account = UserFactory(username="painters")
    link_organization_account(user=account, organization=organization)
    return SimpleNamespace(
        call=call,
        sheet=sheet,
        panel=panel,
        manager=manager,
        experts=experts,
        officer=officer,
        organization=organization,
        account=account,
        tiers={tier.name: tier for tier in call.tiers.all()},
    )


def submitted_project(venture, organization=None, account=None, tier="一般项目", **changes):
    """A project drafted and submitted by the organization's account."""
    project = save_draft(
        project=None,
        call=venture.call,
        organization=organization or venture.organization,
        data=project_data(venture.tiers[tier], **changes),
        actor=account or venture.account,
    )
    return submit_project(project=project, actor=account or venture.account)


def close_submissions(venture, today):
    """Move the call's submission period into the past (the experts review after it)."""
    campaign = venture.call.campaign
    campaign.applications_open_on = today - 30 * DAY
    campaign.applications_close_on = today - DAY
    campaign.save()


def review(venture, projects, today, points: dict[int, list[str]] | None = None):
    """Send the submitted projects to the panel, assign two experts (the first leads), have them
    score every indicator (full marks unless `points` gives, per project pk, a value per expert
    for every leaf) and submit, then complete scoring and moderation: the cases are moderated."""
    close_submissions(venture, today)
    open_review(call=venture.call, actor=venture.officer, today=today)
    lead, second = venture.experts[:2]
    for project in projects:
        project.refresh_from_db()
        case = assign_team(case=project.case, actor=venture.manager, assessors=[lead, second], lead=lead)
        for index, expert in enumerate((lead, second)):
            assignment = case.assignments.get(assessor=expert)
            entries = {}
            for leaf in scored_leaves(case.framework):
                value = points[project.pk][index] if points and project.pk in points else str(leaf.max_points)
                entries[leaf.pk] = {"points": value, "comment": "" if value == str(leaf.max_points) else "略有不足"}
            save_scores(assignment=assignment, actor=expert, entries=entries, visit_date=today)
            submit_scores(assignment=assignment, actor=expert)
        complete_scoring(case, lead)
        moderate(case, lead)
        project.refresh_from_db()
    return projects


# --- Helpers of the service tests (test_venture_*.py) ----------------------------------------------


def organization_with_account(street, name: str, username: str, kind=OrganizationKind.COMMUNITY_GROUP, **facts):
    """Another organization of `street` (a community group unless `kind` says) and its account."""
    organization = create_org(street=street, kind=kind, name=name, **facts)
    account = UserFactory(username=username)
    link_organization_account(user=account, organization=organization)
    return organization, account


def change_call(venture, today: datetime.date, **changes):
    """Save the call again through `save_call` with `changes` to the fixture's data, keeping its
    current submission dates; `venture.call` and `venture.tiers` are the saved ones."""
    campaign = venture.call.campaign
    data = call_data(
        today,
        venture.sheet,
        venture.panel,
        applications_open_on=campaign.applications_open_on,
        applications_close_on=campaign.applications_close_on,
        **changes,
    )
    venture.call = save_call(
        call=venture.call, authority=campaign.authority, data=data, tiers=TIERS, actor=venture.officer
    )
    venture.tiers = {tier.name: tier for tier in venture.call.tiers.all()}
    return venture.call


def submissions_open_on(venture, day: datetime.date) -> None:
    """Move the call's submission period to ten days either side of `day`."""
    campaign = venture.call.campaign
    campaign.applications_open_on = day - 10 * DAY
    campaign.applications_close_on = day + 10 * DAY
    campaign.scoring_closes_on = max(campaign.scoring_closes_on, campaign.applications_close_on)
    campaign.save()


def reviewed_projects(venture, today, street, count: int, tier="一般项目", amount="20000", community=None) -> list:
    """`count` community groups of `street` each submit a project (asking `amount`), and the
    panel reviews them all (full marks): the projects wait for the funding decision."""
    projects = []
    for n in range(count):
        organization, account = organization_with_account(
            street, f"湛山社区志愿服务队{n}", f"volunteers{n}", community=community
        )
        projects.append(
            submitted_project(
                venture, organization, account, tier=tier, amount_requested=amount, title=f"邻里守望行动{n}"
            )
        )
    return review(venture, projects, today)


def funded_project(venture, today, amount="20000", tier="一般项目"):
    """The fixture organization's project, reviewed and funded with `amount`."""
    (project,) = review(venture, [submitted_project(venture, tier=tier, amount_requested=amount)], today)
    return decide_funding(project=project, fund=True, amount=amount, actor=venture.officer, today=today)
