"""An assessor scores a case in the browser: the demo assessor logs in to the back office, opens
the case assigned to them, scores every indicator (one below full marks, with the reason), saves,
submits, and finds the scores locked.

The case is prepared in the server's database through the evaluation services (`prepare_case`,
run by `manage.py shell` in the server's environment): the Qingdao framework, a campaign in its
scoring phase, a case allocated to the demo agency, and its manager's assignment of the demo
assessor as lead with a second assessor.
"""

import datetime
import json
import os
import re
import subprocess
import sys
import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import COMMAND_TIMEOUT, POSTGRES_SCHEMES, REPO, _server_environment

pytestmark = pytest.mark.e2e

VISIT_DATE = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()  # a visit already made
MARKED_DOWN = Decimal("1.5")


def prepare_case() -> dict:
    """Runs in the server's environment (`manage.py shell`): the demo assessor's case, made
    through the services. Returns what the browser needs to know."""
    from django.contrib.auth import get_user_model

    from evaluation.demo import AGENCY_NAME, COMMITTEE_NAME
    from evaluation.enums import AgencyRole, CaseState
    from evaluation.models import Agency, Campaign, Case, Committee
    from evaluation.selectors.assessments import scored_leaves
    from evaluation.services.assignment import assign_team
    from evaluation.services.campaigns import CAMPAIGN_FIELDS, create_campaign
    from evaluation.services.frameworks import import_framework_file
    from evaluation.services.people import add_agency_member
    from registry.enums import OrganizationKind, OrganizationStatus
    from registry.models import Organization

    users = get_user_model().objects
    officer, manager, assessor = (
        users.get(username=name) for name in ("district_officer", "agency_manager", "assessor")
    )
    agency, committee = Agency.objects.get(name=AGENCY_NAME), Committee.objects.get(name=COMMITTEE_NAME)
    framework, _new = import_framework_file((REPO / "evaluation/data/frameworks/qingdao-200.json").read_bytes())
    today = datetime.date.today()
    # A year of its own, so that the demo's campaigns (one a year) are left alone.
    taken = Campaign.objects.filter(authority=committee.authority).values_list("year", flat=True)
    year = max(taken, default=today.year) + 1
    values = {
        "name": f"{year}年度市南区社会组织评估（浏览器测试）",
        "year": year,
        "committee": committee,
        "applications_open_on": today - datetime.timedelta(days=60),
        "applications_close_on": today - datetime.timedelta(days=30),
        "scoring_closes_on": today + datetime.timedelta(days=30),
    }
    defaults = {name: Campaign._meta.get_field(name).get_default() for name in CAMPAIGN_FIELDS}
    campaign = create_campaign(
        authority=committee.authority,
        data={**defaults, **values},
        frameworks={OrganizationKind.SOCIAL_GROUP: framework},
        actor=officer,
    )
    organization = (
        Organization.objects.filter(kind=OrganizationKind.SOCIAL_GROUP, status=OrganizationStatus.ACTIVE)
        .exclude(evaluation_cases__isnull=False)
        .exclude(accounts__user=assessor)
        .order_by("uscc")
        .first()
    )
    # Put straight into "allocated" (setup only): applying and eligibility are other journeys.
    case = Case.objects.create(
        campaign=campaign,
        organization=organization,
        framework=framework,
        applicant=officer,
        state=CaseState.ALLOCATED,
        agency=agency,
    )
    colleague, _created = users.get_or_create(username="assessor2", defaults={"last_name": "周", "first_name": "宁"})
    add_agency_member(user=colleague, agency=agency, role=AgencyRole.ASSESSOR)
    assign_team(case=case, actor=manager, assessors=[assessor, colleague], lead=assessor)
    return {
        "organization": organization.name,
        "leaves": [(leaf.code, str(leaf.max_points)) for leaf in scored_leaves(framework)],
    }


def _server_database_url(workdir: Path) -> str:
    """The database `e2e_server` serves (named as in `conftest._database`)."""
    parts = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", ""))
    if parts.scheme in POSTGRES_SCHEMES:
        return urllib.parse.urlunsplit(parts._replace(path=f"/e2e_{os.getpid()}"))
    return f"sqlite:///{workdir / 'e2e.sqlite3'}"


@pytest.fixture(scope="module")
def assigned_case(e2e_server) -> dict:
    workdir = e2e_server.mail_dir.parent
    environment = _server_environment(_server_database_url(workdir), workdir)
    code = "import json; from tests.e2e.test_assessor_journey import prepare_case; print(json.dumps(prepare_case()))"
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if done.returncode:
        pytest.fail(f"preparing the assessor's case failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_demo_assessor_scores_a_case_and_submits(page: Page, assigned_case):
    page.goto("/admin/login/")
    page.fill("#id_username", "assessor")
    page.fill("#id_password", "demo2026")
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))

    page.goto("/admin/evaluation_assessments/")
    page.locator("tr", has_text=assigned_case["organization"]).get_by_role("link", name="评分").click()
    expect(page.locator("h1")).to_contain_text(assigned_case["organization"])

    (code, maximum), *others = assigned_case["leaves"]
    marked_down = str(Decimal(maximum) - MARKED_DOWN)
    reason = f"党组织未按期换届，扣{MARKED_DOWN}分"
    page.get_by_label(f"{code} 得分", exact=True).fill(marked_down)
    page.get_by_label(f"{code} 扣分说明", exact=True).fill(reason)
    for other, other_maximum in others:
        page.get_by_label(f"{other} 得分", exact=True).fill(other_maximum)
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("评分已保存")
    expect(page.get_by_label(f"{code} 扣分说明", exact=True)).to_have_value(reason)

    page.fill("#id_visit_date", VISIT_DATE)
    page.get_by_role("button", name="提交评分").click()
    expect(page.locator(".messages")).to_contain_text("评分已提交并锁定")
    expect(page.locator("#locked")).to_contain_text("评分已锁定")
    expect(page.locator("input[name^='points_']")).to_have_count(0)
    scored = page.locator(f"[id='indicator-{code}']")
    expect(scored.locator(".score-result")).to_contain_text(marked_down)
    expect(scored).to_contain_text(reason)
    expect(page.get_by_text(f"实地评估日期：{VISIT_DATE}")).to_be_visible()
