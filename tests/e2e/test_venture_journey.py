"""A venture-philanthropy project from submission to the public results, in the browser: the demo
organization submits a project to a call taking submissions, the district officer sends it to the
expert panel, the agency manager assigns two experts, both score it on the evaluation scoring
sheet and the lead moderates it, the officer funds it and publishes the results, and the public
results page lists it with its score and grant.

Three things are set up on the server's database, not clicked: a call of its own (so that no other
demo project waits in it), a password for the second expert (the demo's extra experts have none),
and, between submission and review, moving the submission period into the past, as the calendar
would.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import server_shell

pytestmark = pytest.mark.e2e

TITLE = "书香邻里·老人读书会"
GRANT = "18000"
# Runs in the server's environment: a call of the district taking submissions today.
MAKE_CALL = """
import datetime, json
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.utils import timezone
from evaluation.models import Agency, Framework
from federation.venture import save_call
from registry.models import AdministrativeUnit
today = timezone.localdate()
day = datetime.timedelta(days=1)
officer = get_user_model().objects.get(username="district_officer")
# The demo's other experts never log in (no usable password); this one will, as the second expert.
song = get_user_model().objects.get(username="assessor_song")
song.set_password("demo2026")
song.save()
call = save_call(
    call=None,
    authority=AdministrativeUnit.objects.get(code="370202"),
    data={
        "name": "市南区公益创投（浏览器测试）", "year": today.year,
        "applications_open_on": today - 5 * day, "applications_close_on": today + 5 * day,
        "scoring_closes_on": today + 30 * day,
        "sheet": Framework.objects.filter(code="venture-100").order_by("-version").first(),
        "panel": Agency.objects.order_by("pk").first(),
        "guide": "资助为老服务项目。", "budget": Decimal("50000"),
        "project_starts_on": today + 40 * day, "project_ends_on": today + 200 * day,
        "midterm_due_on": today + 120 * day, "final_due_on": today + 220 * day,
        "check_credit_lists": True, "check_annual_report": True, "check_ban": True, "ban_years": 3,
    },
    tiers=[{"name": "一般项目", "max_amount": Decimal("20000"), "places": None}],
    actor=officer,
)
print(json.dumps({"call": call.pk}))
"""
CLOSE_SUBMISSIONS = """
import datetime, json
from django.utils import timezone
from federation.models import VentureCall
today = timezone.localdate()
campaign = VentureCall.objects.get(pk={call}).campaign
campaign.applications_open_on = today - datetime.timedelta(days=20)
campaign.applications_close_on = today - datetime.timedelta(days=1)
campaign.save()
print(json.dumps({{}}))
"""
FIND_CASE = """
import json
from federation.models import VentureProject
project = VentureProject.objects.select_related("case").get(call_id={call})
print(json.dumps({{"project": project.pk, "case": project.case_id}}))
"""
FIND_ASSIGNMENTS = """
import json
from evaluation.models import Assignment
from evaluation.selectors.assessments import scored_leaves
assignments = Assignment.objects.filter(case_id={case}).select_related("assessor", "case__framework")
print(json.dumps({{
    "assignments": {{a.assessor.username: a.pk for a in assignments}},
    "leaves": [(leaf.code, str(leaf.max_points)) for leaf in scored_leaves(assignments[0].case.framework)],
}}))
"""


def admin_login(page: Page, username: str) -> None:
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo2026")
    page.locator("#id_password").press("Enter")
    expect(page).to_have_url(re.compile(r"/admin/$"))


def score_everything(page: Page, username: str, assignment: int, leaves: list, visit_date: str, less: str) -> None:
    """Score every indicator; the first one `less` points below full marks, with the reason."""
    admin_login(page, username)
    page.goto(f"/admin/evaluation_assessments/{assignment}/")
    (code, maximum), *others = leaves
    page.get_by_label(f"{code} 得分", exact=True).fill(str(float(maximum) - float(less)))
    page.get_by_label(f"{code} 扣分说明", exact=True).fill("入户走访样本偏少")
    for other, other_maximum in others:
        page.get_by_label(f"{other} 得分", exact=True).fill(other_maximum)
    page.fill("#id_visit_date", visit_date)
    page.get_by_role("button", name="提交评分").click()
    expect(page.locator(".messages")).to_contain_text("评分已提交并锁定")


def test_a_project_is_submitted_scored_funded_and_published(page: Page, e2e_server, today):
    call = server_shell(e2e_server, MAKE_CALL)["call"]

    # The organization submits its project on the site.
    page.goto("/account/login/")
    page.fill("#id_username", "org_account")
    page.fill("#id_password", "demo2026")
    page.locator("#id_password").press("Enter")
    page.goto("/account/venture/")
    page.locator(f"a[href='/account/venture/calls/{call}/new/']").click()
    page.get_by_label("申报档次").select_option(index=1)  # the call's one tier, after 请选择
    page.get_by_label("项目名称").fill(TITLE)
    page.get_by_label("需求分析").fill("社区独居老人多，缺少读书交流的去处。")
    page.get_by_label("实施计划").fill("每周一次读书会，每季度一次分享会。")
    page.get_by_label("预算明细").fill("图书8000元，场地6000元，活动6000元。")
    page.get_by_label("申请资助金额（元）").fill("20000")
    page.get_by_label("预期成效").fill("服务老人300人次。")
    page.get_by_role("button", name="保存并申报").click()
    expect(page.locator("main")).to_contain_text("已申报")

    # The submission period ends; the district officer sends the project to the panel.
    server_shell(e2e_server, CLOSE_SUBMISSIONS.format(call=call))
    admin_login(page, "district_officer")
    page.goto(f"/admin/federation/venture/calls/{call}/")
    page.get_by_role("button", name="提交专家评审").click()
    expect(page.locator(".messages")).to_contain_text("已将1个项目提交专家评审")
    case = server_shell(e2e_server, FIND_CASE.format(call=call))["case"]

    # The panel's manager assigns two experts, the demo assessor leading.
    admin_login(page, "agency_manager")
    page.goto(f"/admin/evaluation_agency_cases/{case}/")
    page.locator("tr", has_text="宋启明").locator("input[name='assessors']").check()
    page.locator("tr", has_text="曲志刚").locator("input[name='assessors']").check()
    page.locator("tr", has_text="曲志刚").locator("input[name='lead']").check()
    page.get_by_role("button", name="指派").click()
    expect(page.locator(".messages")).to_contain_text("已指派评估专家")

    # Both experts score on the evaluation app's sheet; the lead completes and moderates.
    team = server_shell(e2e_server, FIND_ASSIGNMENTS.format(case=case))
    visit_date = today.isoformat()
    lead, second = sorted(team["assignments"], key=lambda name: name != "assessor")
    score_everything(page, second, team["assignments"][second], team["leaves"], visit_date, "2")
    score_everything(page, lead, team["assignments"][lead], team["leaves"], visit_date, "1")
    page.get_by_role("button", name="完成评分").click()
    expect(page.locator(".messages")).to_contain_text("评分已完成")
    page.goto(f"/admin/evaluation/moderation/{case}/")
    page.get_by_role("button", name="完成复核汇总").click()
    expect(page.locator(".messages")).to_contain_text("已完成复核汇总：得分98.5")

    # The district funds it within the budget and publishes the results.
    admin_login(page, "district_officer")
    page.goto(f"/admin/federation/venture/calls/{call}/")
    decision = page.locator("form", has=page.locator("input[name='form'][value='decide']"))
    decision.get_by_label("立项资助").check()
    decision.get_by_label("资助金额（元）").fill(GRANT)
    decision.get_by_role("button", name="确定").click()
    expect(page.locator("#remaining")).to_contain_text("32000")
    page.get_by_role("button", name="公布结果").click()
    expect(page.locator(".messages")).to_contain_text("已公布资助结果")

    # Anyone sees it among the results: the project, its organization, score and grant.
    page.context.clear_cookies()
    page.goto(f"/venture/{call}/")
    row = page.locator("tr", has_text=TITLE)
    expect(row).to_contain_text("市南区老年书画研究会")
    expect(row).to_contain_text("18000")
    expect(row).to_contain_text("98.5")  # 100 less the mean of the points the two experts took off
