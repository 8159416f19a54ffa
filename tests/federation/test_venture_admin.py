"""The venture-philanthropy back office: officers create a call with its tiers, send projects to
the experts, decide the funding within the budget, publish, review reports and stop funding
through the pages; federation staff read their street's projects; nobody else gets in."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluation.models import Campaign
from federation.enums import ProjectReportKind, ProjectReportResult, ProjectState
from federation.models import VentureCall, VentureProject
from federation.services import add_federation_staff, found_federation
from federation.venture import decide_funding, file_report, save_call, save_draft
from registry.enums import OrganizationKind, Role, UnitLevel
from registry.services.roles import assign_unit_role, link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org
from tests.federation.venture_fixtures import call_data, project_data, review, submitted_project

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.federation.venture_fixtures"]

D = Decimal
DAY = datetime.timedelta(days=1)
FORM_MARK = 'name="form"'  # every action form of these pages posts its name


def calls_url():
    return reverse("venture_calls:index")


def call_url(call):
    return reverse("venture_calls:call", args=[call.pk])


def project_url(project):
    return reverse("venture_projects:project", args=[project.pk])


def call_form(venture, tree, today, tiers, **changes) -> dict:
    """What the call form posts: a call reviewed within a month, with `tiers` rows (and blanks)."""
    data = {
        "authority": tree.district.pk,
        "name": "市南区社区治理公益创投",
        "year": today.year,
        "applications_open_on": (today + DAY).isoformat(),
        "applications_close_on": (today + 20 * DAY).isoformat(),
        "scoring_closes_on": (today + 40 * DAY).isoformat(),
        "sheet": venture.sheet.pk,
        "panel": venture.panel.pk,
        "guide": "资助社区议事和邻里互助项目。",
        "budget": "80000",
        "project_starts_on": (today + 50 * DAY).isoformat(),
        "project_ends_on": (today + 200 * DAY).isoformat(),
        "midterm_due_on": (today + 120 * DAY).isoformat(),
        "final_due_on": (today + 220 * DAY).isoformat(),
        "check_credit_lists": "on",
        "check_annual_report": "on",
        "check_ban": "on",
        "ban_years": "3",
        "tiers-TOTAL_FORMS": "3",
        "tiers-INITIAL_FORMS": "0",
        "tiers-MIN_NUM_FORMS": "0",
        "tiers-MAX_NUM_FORMS": "1000",
    }
    for index in range(3):
        name, amount, places = tiers[index] if index < len(tiers) else ("", "", "")
        data |= {f"tiers-{index}-name": name, f"tiers-{index}-max_amount": amount, f"tiers-{index}-places": places}
    return data | changes


def another_organization(venture, tree, name: str, username: str):
    organization = create_org(
        street=tree.zhanshan,
        community=tree.yangkou,
        kind=OrganizationKind.COMMUNITY_GROUP,
        name=name,
        founded_on=datetime.date(2019, 6, 1),
    )
    account = UserFactory(username=username)
    link_organization_account(user=account, organization=organization)
    return organization, account


def refused(response) -> bool:
    """Wagtail answers a refused admin page with a redirect to the dashboard and its message."""
    return response.status_code == 302 and response.url == reverse("wagtailadmin_home")


def decide(client, project, **fields):
    prefix = f"decide-{project.pk}"
    data = {"form": "decide", "project": project.pk} | {f"{prefix}-{name}": value for name, value in fields.items()}
    return client.post(call_url(project.call), data, follow=True)


def funded(venture, today, amount="20000"):
    """The fixture's project, reviewed and funded."""
    (project,) = review(venture, [submitted_project(venture)], today)
    return decide_funding(project=project, fund=True, amount=amount, actor=venture.officer, today=today)


@pytest.fixture
def pair(venture, tree, today):
    """A call of 30,000 yuan with two reviewed projects asking 20,000 each: not both can be funded."""
    venture.call = save_call(
        call=venture.call,
        authority=tree.district,
        data=call_data(today, venture.sheet, venture.panel, budget=D("30000")),
        tiers=[
            {"name": "重点项目", "max_amount": D("30000"), "places": 2},
            {"name": "一般项目", "max_amount": D("20000"), "places": None},
        ],
        actor=venture.officer,
    )
    venture.tiers = {tier.name: tier for tier in venture.call.tiers.all()}
    organization, account = another_organization(venture, tree, "仰口路社区邻里互助队", "neighbours")
    first = submitted_project(venture)
    second = submitted_project(venture, organization=organization, account=account, title="邻里守望")
    return review(venture, [first, second], today)


# --- Calls ---------------------------------------------------------------------------------------


def test_an_officer_creates_a_call_with_two_tiers_through_the_form(client, venture, tree, today):
    client.force_login(venture.officer)
    form = client.get(reverse("venture_calls:add")).content.decode()
    assert "专家评审截止日期" in form and "公益创投项目评审表（100分制）" in form
    data = call_form(venture, tree, today, [("重点项目", "40000", "2"), ("一般项目", "15000", "")])
    html = client.post(reverse("venture_calls:add"), data, follow=True).content.decode()
    call = VentureCall.objects.get(campaign__name="市南区社区治理公益创投")
    assert "已保存公益创投“市南区社区治理公益创投”" in html
    assert {(tier.name, tier.max_amount, tier.places) for tier in call.tiers.all()} == {
        ("重点项目", D("40000.00"), 2),
        ("一般项目", D("15000.00"), None),
    }
    assert (call.budget, call.panel, call.campaign.authority) == (D("80000.00"), venture.panel, tree.district)
    assert call.campaign.scoring_closes_on == today + 40 * DAY
    assert list(call.campaign.frameworks.values_list("framework", flat=True).distinct()) == [venture.sheet.pk]
    assert "上限40000.00元" in html and "名额不限" in html


def test_a_tier_above_the_budget_is_refused_above_the_tiers_and_nothing_is_saved(client, venture, tree, today):
    client.force_login(venture.officer)
    calls, campaigns = VentureCall.objects.count(), Campaign.objects.count()
    data = call_form(venture, tree, today, [("重点项目", "90000", "2"), ("一般项目", "15000", "")])
    response = client.post(reverse("venture_calls:add"), data)
    html = response.content.decode()
    message = "资助档次“重点项目”的上限超过了资助总预算。"
    assert message in html
    assert html.index('id="tiers"') < html.index(message) < html.index('name="tiers-0-name"')
    assert 'value="90000"' in html and 'value="市南区社区治理公益创投"' in html  # what was typed is kept
    assert (VentureCall.objects.count(), Campaign.objects.count()) == (calls, campaigns)


def test_a_date_refused_by_the_service_shows_beside_its_field(client, venture, tree, today):
    client.force_login(venture.officer)
    # The projects would start while the experts are still reviewing.
    data = call_form(
        venture, tree, today, [("一般项目", "15000", "")], project_starts_on=(today + 30 * DAY).isoformat()
    )
    html = client.post(reverse("venture_calls:add"), data).content.decode()
    message = "项目实施应在专家评审结束之后开始。"
    assert message in html
    assert html.index('name="project_starts_on"') - html.index(message) in range(0, 2000)
    assert not VentureCall.objects.filter(campaign__name="市南区社区治理公益创投").exists()


def test_garbage_in_the_call_form_gets_messages_not_an_error_page(client, venture, tree, today):
    client.force_login(venture.officer)
    data = call_form(venture, tree, today, [("一般项目", "很多", "")], budget="十万", applications_open_on="2026-02-30")
    del data["tiers-TOTAL_FORMS"]
    response = client.post(reverse("venture_calls:add"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "请填写有效的日期" in html and "输入一个数字" in html and "数据缺失或被篡改" in html
    blank = call_form(venture, tree, today, [])
    html = client.post(reverse("venture_calls:add"), blank).content.decode()
    assert "请至少设置一个资助档次。" in html
    assert VentureCall.objects.count() == 1


def test_an_officer_edits_a_call_whose_tiers_come_back_in_the_rows(client, venture, tree, today):
    client.force_login(venture.officer)
    url = reverse("venture_calls:edit", args=[venture.call.pk])
    html = client.get(url).content.decode()
    assert 'value="重点项目"' in html and 'value="一般项目"' in html and 'name="authority"' not in html
    data = call_form(venture, tree, today, [("重点项目", "50000", "3"), ("一般项目", "20000", "")], budget="120000")
    data |= {"name": venture.call.name, "applications_open_on": (today - 10 * DAY).isoformat()}
    html = client.post(url, data, follow=True).content.decode()
    assert "已保存公益创投" in html
    venture.call.refresh_from_db()
    assert venture.call.budget == D("120000.00")
    assert venture.call.tiers.get(name="重点项目").places == 3


def test_the_calls_list_shows_the_budget_what_is_committed_and_the_projects_by_state(client, venture, today):
    project = funded(venture, today, amount="18000")
    client.force_login(venture.officer)
    html = client.get(calls_url()).content.decode()
    row = html[html.index(f'id="call-{venture.call.pk}"') :]
    row = row[: row.index("</tr>")]
    assert venture.call.name in row and str(today.year) in row
    assert "100000.00" in row and "18000.00" in row and "82000.00" in row
    assert "已立项资助 1" in row and "未公布" in row
    assert project.state == ProjectState.FUNDED


def test_the_call_page_shows_committed_and_remaining_after_a_decision_made_there(client, venture, pair):
    first, _second = pair
    client.force_login(venture.officer)
    html = client.get(call_url(venture.call)).content.decode()
    assert html.count('value="decide"') == 2  # both moderated, both await a decision
    assert html.count("<td>专家评审完成</td>") == 2
    html = decide(client, first, decision="fund", amount="20000", reason="").content.decode()
    assert "已立项资助“银龄书画进社区”，资助金额20,000.00元。" in html
    assert '<dd id="committed">20000.00</dd>' in html and '<dd id="remaining">10000.00</dd>' in html
    first.refresh_from_db()
    assert (first.state, first.granted_amount) == (ProjectState.FUNDED, D("20000.00"))


def test_an_amount_above_what_is_left_of_the_budget_is_refused_on_the_page(client, venture, pair):
    first, second = pair
    client.force_login(venture.officer)
    decide(client, first, decision="fund", amount="20000", reason="")
    response = decide(client, second, decision="fund", amount="20000", reason="")
    html = response.content.decode()
    assert response.status_code == 200
    assert "资助金额超出预算：本期预算剩余10,000.00元。" in html
    assert 'value="20000"' in html  # the typed amount stays in the form
    second.refresh_from_db()
    assert (second.state, second.granted_amount) == (ProjectState.IN_REVIEW, None)
    assert '<dd id="remaining">10000.00</dd>' in html


def test_an_amount_that_is_not_a_sum_of_money_gets_a_message(client, venture, pair):
    first, _second = pair
    client.force_login(venture.officer)
    for typed, message in (("1e30", "确认总共不超过 12 个数字"), ("两万", "输入一个数字"), ("", "资助金额须为数字")):
        response = decide(client, first, decision="fund", amount=typed, reason="")
        assert response.status_code == 200 and message in response.content.decode(), typed
    first.refresh_from_db()
    assert (first.state, first.granted_amount) == (ProjectState.IN_REVIEW, None)


def test_a_decline_needs_a_reason_and_the_results_are_published_through_the_page(client, venture, pair):
    first, second = pair
    client.force_login(venture.officer)
    decide(client, first, decision="fund", amount="20000", reason="")
    html = decide(client, second, decision="decline", amount="", reason="").content.decode()
    assert "不予资助须填写理由。" in html
    html = decide(client, second, decision="decline", amount="", reason="服务对象与本期方向不符").content.decode()
    assert "“邻里守望”不予资助。" in html
    html = client.post(call_url(venture.call), {"form": "publish"}, follow=True).content.decode()
    assert "已公布资助结果。" in html and "结果已于" in html
    assert 'value="publish"' not in html and 'value="decide"' not in html
    venture.call.refresh_from_db()
    assert venture.call.results_published_at is not None
    second.refresh_from_db()
    assert second.state == ProjectState.NOT_FUNDED


def test_publishing_too_early_is_refused_with_the_reason(client, venture, today):
    submitted_project(venture)
    client.force_login(venture.officer)
    html = client.post(call_url(venture.call), {"form": "publish"}, follow=True).content.decode()
    assert "还有1个项目未作出资助决定，不能公布结果。" in html
    venture.call.refresh_from_db()
    assert venture.call.results_published_at is None


def test_the_officer_sends_the_submitted_projects_to_the_experts_from_the_call_page(client, venture, today):
    project = submitted_project(venture)
    client.force_login(venture.officer)
    html = client.post(call_url(venture.call), {"form": "open_review"}, follow=True).content.decode()
    assert "申报截止日期为" in html  # still taking submissions
    campaign = venture.call.campaign
    campaign.applications_open_on, campaign.applications_close_on = today - 30 * DAY, today - DAY
    campaign.save()
    html = client.post(call_url(venture.call), {"form": "open_review"}, follow=True).content.decode()
    assert "已将1个项目提交专家评审" in html
    project.refresh_from_db()
    assert project.state == ProjectState.IN_REVIEW


# --- Projects ------------------------------------------------------------------------------------


def test_the_project_page_shows_the_facts_checks_review_and_a_link_to_the_case(client, venture, today):
    (project,) = review(venture, [submitted_project(venture)], today)
    client.force_login(venture.officer)
    html = client.get(project_url(project)).content.decode()
    for fact in (
        "银龄书画进社区",
        "盐城路社区书画队",
        "每月两次书画课",
        "教材8000元",
        "服务老人200人次以上",
        "20000.00",
    ):
        assert fact in html, fact
    assert "未列入信用名录" in html and "无逾期未报的年度报告" in html and "符合" in html
    assert '<dd id="total">100.0</dd>' in html  # full marks on the 100-point sheet
    assert '<dd id="review-state">专家评审完成</dd>' in html
    assert "已申报 → 专家评审中" in html
    case_url = reverse("evaluation_cases:inspect", args=[project.case.pk])
    assert f'href="{case_url}"' in html
    assert "盐城路社区书画队" in client.get(case_url).content.decode()


def test_reports_are_reviewed_and_funding_stopped_through_the_project_page(client, venture, today):
    project = funded(venture, today)
    report = file_report(
        project=project,
        kind=ProjectReportKind.MIDTERM,
        data={
            "progress": "已开课12次。",
            "results": "参与老人150人次。",
            "people_served": "150",
            "spent_amount": "9000",
        },
        actor=venture.account,
    )
    client.force_login(venture.officer)
    url = project_url(project)
    review_data = {"form": "review", "report": report.pk, f"review-{report.pk}-result": "return"}
    html = client.post(url, review_data | {f"review-{report.pk}-opinion": ""}).content.decode()
    assert "退回修改须填写审核意见。" in html and "已开课12次。" in html
    report.refresh_from_db()
    assert report.result == ProjectReportResult.PENDING
    html = client.post(url, review_data | {f"review-{report.pk}-result": "accept"}, follow=True).content.decode()
    assert "中期报告审核结果：通过。" in html
    report.refresh_from_db()
    assert (report.result, report.reviewed_by) == (ProjectReportResult.ACCEPTED, venture.officer)

    html = client.post(
        url, {"form": "stop", "stop-paid_amount": "30000", "stop-reason": "未按计划实施"}
    ).content.decode()
    assert "已拨付金额须在0至资助金额20,000.00元之间。" in html and 'value="30000"' in html
    html = client.post(
        url, {"form": "stop", "stop-paid_amount": "5000", "stop-reason": "未按计划实施"}, follow=True
    ).content.decode()
    assert "已终止资助“银龄书画进社区”。" in html and "未按计划实施" in html and "已立项资助 → 已终止资助" in html
    project.refresh_from_db()
    assert (project.state, project.paid_amount) == (ProjectState.STOPPED, D("5000.00"))
    assert '<dd id="committed">5000.00</dd>' in client.get(call_url(venture.call)).content.decode()


# --- Who gets in ---------------------------------------------------------------------------------


@pytest.fixture
def staff(tree):
    """Staff of 湛山's federation (the project's street) and of 八大关's."""
    own, other = UserFactory(username="zhanshan_staff"), UserFactory(username="badaguan_staff")
    add_federation_staff(user=own, federation=found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会"))
    add_federation_staff(
        user=other, federation=found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会")
    )
    return own, other


def test_federation_staff_read_their_streets_projects_only_and_without_forms(client, venture, today, staff):
    own, other = staff
    project = funded(venture, today)
    client.force_login(other)
    assert client.get(project_url(project)).status_code == 404
    assert "银龄书画进社区" not in client.get(reverse("venture_projects:index")).content.decode()
    client.force_login(own)
    assert "银龄书画进社区" in client.get(reverse("venture_projects:index")).content.decode()
    html = client.get(project_url(project)).content.decode()
    assert "银龄书画进社区" in html and "每月两次书画课" in html and "20000.00" in html
    assert "办理由组织该公益创投的民政部门进行" in html and FORM_MARK not in html and "终止资助</h2>" not in html
    assert refused(client.post(project_url(project), {"form": "stop", "stop-paid_amount": "0", "stop-reason": "x"}))
    project.refresh_from_db()
    assert project.state == ProjectState.FUNDED
    assert refused(client.get(calls_url())) and refused(client.get(call_url(venture.call)))
    home = client.get(reverse("wagtailadmin_home")).content.decode()  # the sidebar's menu is JSON
    assert f'"{reverse("venture_projects:index")}"' in home and f'"{calls_url()}"' not in home


def test_a_street_officer_sees_no_venture_menu_nor_pages(client, venture, today, make_officer, tree):
    project = submitted_project(venture)
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert f'"{calls_url()}"' not in home and f'"{reverse("venture_projects:index")}"' not in home
    for url in (
        calls_url(),
        reverse("venture_calls:add"),
        call_url(venture.call),
        project_url(project),
        reverse("venture_projects:index"),
    ):
        assert refused(client.get(url)), url
    assert "你没有权限访问" in client.get(calls_url(), follow=True).content.decode()
    assert refused(client.post(call_url(venture.call), {"form": "open_review"}))
    project.refresh_from_db()
    assert project.state == ProjectState.SUBMITTED


def test_officers_see_the_menu_and_an_officer_of_another_district_gets_404(client, venture, today, tree):
    project = submitted_project(venture)
    client.force_login(venture.officer)
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert f'"{calls_url()}"' in home and f'"{reverse("venture_projects:index")}"' in home
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    stranger = UserFactory(username="shibei_officer")
    assign_unit_role(user=stranger, role=Role.DISTRICT_OFFICER, unit=shibei)
    client.force_login(stranger)
    assert venture.call.name not in client.get(calls_url()).content.decode()
    assert client.get(call_url(venture.call)).status_code == 404
    assert client.get(reverse("venture_calls:edit", args=[venture.call.pk])).status_code == 404
    assert client.get(project_url(project)).status_code == 404
    response = client.post(call_url(venture.call), {"form": "publish"})
    assert response.status_code == 404


def test_drafts_stay_out_of_the_back_office(client, venture):
    draft = save_draft(
        project=None,
        call=venture.call,
        organization=venture.organization,
        data=project_data(venture.tiers["一般项目"]),
        actor=venture.account,
    )
    client.force_login(venture.officer)
    assert client.get(project_url(draft)).status_code == 404
    assert "尚无申报的项目" in client.get(call_url(venture.call)).content.decode()


# --- Queries -------------------------------------------------------------------------------------


def test_the_calls_list_and_call_page_take_as_many_queries_with_three_projects_as_with_one(
    client, venture, tree, today
):
    client.force_login(venture.officer)

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    (first,) = review(venture, [submitted_project(venture)], today)
    decide_funding(project=first, fund=True, amount="10000", actor=venture.officer, today=today)
    queries(calls_url())  # the site and its settings are cached from the first request on
    before = (queries(calls_url()), queries(call_url(venture.call)))

    campaign = venture.call.campaign  # take submissions again for two more projects
    campaign.applications_open_on, campaign.applications_close_on = today - 30 * DAY, today + DAY
    campaign.save()
    others = []
    for n in range(2):
        organization, account = another_organization(venture, tree, f"仰口路社区志愿队{n}", f"volunteers{n}")
        others.append(submitted_project(venture, organization=organization, account=account, title=f"志愿服务{n}"))
    review(venture, others, today)
    assert VentureProject.objects.filter(call=venture.call).count() == 3
    html = client.get(call_url(venture.call)).content.decode()
    assert html.count('value="decide"') == 2 and "志愿服务1" in html
    assert (queries(calls_url()), queries(call_url(venture.call))) == before
