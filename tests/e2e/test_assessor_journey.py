"""An assessor scores a case in the browser: the demo assessor logs in to the back office, opens
the demo case they lead and have not scored yet (the demo's 2026 campaign is in its scoring phase),
scores every indicator (one below full marks, with the reason), saves, submits, and finds the
scores locked. Which case that is, and its indicators, are read from the server's database.
"""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from .conftest import server_shell

pytestmark = pytest.mark.e2e

MARKED_DOWN = Decimal("1.5")
# Runs in the server's environment: the demo assessor's lead case without a score yet.
FIND_CASE = """
import json
from evaluation.models import Assignment
from evaluation.selectors.assessments import scored_leaves
lead = Assignment.objects.filter(
    assessor__username="assessor", is_lead=True, submitted_at__isnull=True, scores__isnull=True,
    case__state="scoring",
).select_related("case__organization", "case__framework").order_by("pk").first()
print(json.dumps({
    "organization": lead.case.organization.name,
    "leaves": [(leaf.code, str(leaf.max_points)) for leaf in scored_leaves(lead.case.framework)],
}))
"""


@pytest.fixture(scope="module")
def assigned_case(e2e_server) -> dict:
    return server_shell(e2e_server, FIND_CASE)


def test_the_demo_assessor_scores_a_case_and_submits(page: Page, assigned_case, today):
    visit_date = (today - datetime.timedelta(days=1)).isoformat()  # a visit already made
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

    page.fill("#id_visit_date", visit_date)
    page.get_by_role("button", name="提交评分").click()
    expect(page.locator(".messages")).to_contain_text("评分已提交并锁定")
    expect(page.locator("#locked")).to_contain_text("评分已锁定")
    expect(page.locator("input[name^='points_']")).to_have_count(0)
    scored = page.locator(f"[id='indicator-{code}']")
    expect(scored.locator(".score-result")).to_contain_text(marked_down)
    expect(scored).to_contain_text(reason)
    expect(page.get_by_text(f"实地评估日期：{visit_date}")).to_be_visible()
