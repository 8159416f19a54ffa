"""Venture philanthropy on the site: the organization's project form (typed text kept on refusal),
submitting with its eligibility reasons, another organization's project answering 404, the mid-term
report form and the report deadlines on the to-do page; the public calls with their status and the
results table only once published."""

import datetime
import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from federation.enums import ProjectReportKind, ProjectState
from federation.models import ProjectReport, VentureProject
from federation.venture import decide_funding, publish_results, save_call, save_draft
from registry.enums import CreditList, ListingCause, OrganizationKind
from registry.selectors.deadlines import dated_deadlines_between
from registry.services.credit import list_organization
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org
from tests.federation.venture_fixtures import TIERS, call_data, project_data, review, submitted_project
from tests.portal import test_federation_pages as federation_pages

pytest_plugins = ["tests.federation.venture_fixtures"]

DAY = datetime.timedelta(days=1)

# The site's pages (the directory among them), shared with the federation pages' tests.
site = federation_pages.site


@pytest.fixture
def member(client, venture):
    client.force_login(venture.account)
    return venture.account


def form_data(venture, tier="一般项目", **changes) -> dict:
    data = project_data(venture.tiers[tier], **changes)
    return data | {"tier": data["tier"].pk}


def draft(venture, **changes) -> VentureProject:
    return save_draft(
        project=None,
        call=venture.call,
        organization=venture.organization,
        data=project_data(venture.tiers["一般项目"], **changes),
        actor=venture.account,
    )


def funded(venture, today, amount="18000") -> VentureProject:
    """A project submitted, scored 72.0 by the panel (8 leaves × mean of 10 and 8) and funded."""
    project = submitted_project(venture)
    (project,) = review(venture, [project], today, points={project.pk: ["10", "8"]})
    return decide_funding(project=project, fund=True, amount=amount, actor=venture.officer, today=today)


def row_of(html: str, text: str) -> str:
    """The table row holding `text`."""
    return next(row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if text in row)


# --- The organization's area ----------------------------------------------------------------------


def test_the_account_home_links_to_venture_philanthropy(client, member):
    assert reverse("account_venture") in client.get(reverse("account_home")).content.decode()


def test_the_open_call_is_offered_with_its_guide_tiers_and_dates(client, member, venture, today):
    html = client.get(reverse("account_venture")).content.decode()
    assert venture.call.name in html
    assert "资助为老服务、儿童关爱和社区治理项目。" in html
    assert "重点项目" in html and "50000.00" in html and "一般项目" in html and "不限" in html
    opens, closes = (today - 10 * DAY).isoformat(), (today + 10 * DAY).isoformat()
    assert f"申报时间：{opens}至{closes}" in html
    assert reverse("account_venture_new", args=[venture.call.pk]) in html
    assert "暂无公益创投项目。" in html


def test_a_draft_with_an_invalid_amount_keeps_the_typed_text_and_says_why(client, member, venture):
    response = client.post(
        reverse("account_venture_new", args=[venture.call.pk]),
        form_data(venture, amount_requested="两万元", title="银龄书画进社区（第二期）"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "申请资助金额须为数字（元）。" in html
    assert 'value="两万元"' in html and 'value="银龄书画进社区（第二期）"' in html
    assert "项目申报书未保存。" in html
    assert not VentureProject.objects.exists()


@pytest.mark.parametrize(
    "amount, message",
    [
        ("1e30", "申请资助金额须为大于零、小于一百亿、最多两位小数的金额（元）。"),
        ("123456789012345678901234567", "申请资助金额须为大于零、小于一百亿、最多两位小数的金额（元）。"),
        ("NaN", "申请资助金额须为大于零、小于一百亿、最多两位小数的金额（元）。"),
        ("-5", "申请资助金额须为大于零、小于一百亿、最多两位小数的金额（元）。"),
        ("20000.001", "申请资助金额须为大于零、小于一百亿、最多两位小数的金额（元）。"),
    ],
)
def test_no_amount_typed_makes_the_server_fail(client, member, venture, amount, message):
    response = client.post(
        reverse("account_venture_new", args=[venture.call.pk]), form_data(venture, amount_requested=amount)
    )
    html = response.content.decode()
    assert response.status_code == 200 and message in html and f'value="{amount}"' in html
    assert not VentureProject.objects.exists()


def test_editing_a_draft_beyond_its_tier_keeps_what_was_saved(client, member, venture):
    project = draft(venture)
    response = client.post(
        reverse("account_venture_edit", args=[project.pk]), form_data(venture, amount_requested="30000", plan="新计划")
    )
    html = response.content.decode()
    assert "申请资助金额不能超过“一般项目”的上限20,000.00元。" in html
    assert 'value="30000"' in html and "新计划" in html
    project.refresh_from_db()
    assert project.amount_requested == 20000 and project.plan == "每月两次书画课，年底办一次作品展。"


def test_a_form_with_empty_fields_marks_each_of_them(client, member, venture):
    response = client.post(reverse("account_venture_new", args=[venture.call.pk]), {"tier": "", "title": ""})
    html = response.content.decode()
    for message in ("请选择申报档次。", "请填写项目名称。", "请填写申请资助金额（元）。"):
        assert message in html
    assert not VentureProject.objects.exists()


def test_a_draft_may_leave_the_texts_blank_but_submitting_asks_for_them(client, member, venture):
    blank = {"need": "", "plan": "", "budget_plan": "", "outcomes": ""}
    response = client.post(reverse("account_venture_new", args=[venture.call.pk]), form_data(venture, **blank))
    project = VentureProject.objects.get()
    assert project.state == ProjectState.DRAFT and project.title == "银龄书画进社区"
    response = client.post(reverse("account_venture_submit", args=[project.pk]), follow=True)
    html = response.content.decode()
    assert "申报前请填写需求分析。" in html and "申报前请填写预期成效。" in html
    project.refresh_from_db()
    assert project.state == ProjectState.DRAFT and project.case is None


def test_saving_keeps_a_draft_and_the_page_offers_to_submit_it(client, member, venture):
    response = client.post(reverse("account_venture_new", args=[venture.call.pk]), form_data(venture, save=""))
    project = VentureProject.objects.get()
    assert response.url == reverse("account_venture_project", args=[project.pk])
    assert project.state == ProjectState.DRAFT and project.amount_requested == 20000
    html = client.get(response.url).content.decode()
    assert "<strong>填写中</strong>" in html
    assert reverse("account_venture_submit", args=[project.pk]) in html
    assert "申报条件自查" in html and "未列入信用名录" in html


def test_save_and_submit_makes_the_project_page_show_it_submitted(client, member, venture):
    response = client.post(reverse("account_venture_new", args=[venture.call.pk]), form_data(venture, submit=""))
    project = VentureProject.objects.get()
    assert project.state == ProjectState.SUBMITTED and project.case is not None
    html = client.get(response.url).content.decode()
    assert "<strong>已申报</strong>" in html
    assert "项目已申报" in html
    assert "资格检查结果" in html and "未列入信用名录" in html and "符合" in html
    assert "填写中 → 已申报" in html
    assert reverse("account_venture_edit", args=[project.pk]) not in html


def test_submitting_for_an_organization_on_a_credit_list_is_refused_with_the_reason(client, member, venture, today):
    project = draft(venture)
    list_organization(
        organization=venture.organization,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=today - 5 * DAY,
        actor=venture.officer,
    )
    response = client.post(reverse("account_venture_submit", args=[project.pk]), follow=True)
    html = response.content.decode()
    assert "不符合本期公益创投的申报条件：" in html
    assert "列入活动异常名录（通过登记的住所无法联系）" in html
    project.refresh_from_db()
    assert project.state == ProjectState.DRAFT and project.case is None
    assert "<strong>填写中</strong>" in html


def test_a_submitted_project_can_be_withdrawn_with_a_reason(client, member, venture):
    project = submitted_project(venture)
    client.post(reverse("account_venture_withdraw", args=[project.pk]), {"reason": "负责人调离"})
    project.refresh_from_db()
    assert project.state == ProjectState.WITHDRAWN
    html = client.get(reverse("account_venture_project", args=[project.pk])).content.decode()
    assert "<strong>已撤回</strong>" in html and "负责人调离" in html


def test_actions_answer_only_to_post(client, member, venture):
    project = draft(venture)
    for name in ("account_venture_submit", "account_venture_withdraw"):
        assert client.get(reverse(name, args=[project.pk])).status_code == 405
    assert client.get(reverse("account_venture_report", args=[project.pk, "midterm"])).status_code == 405
    project.refresh_from_db()
    assert project.state == ProjectState.DRAFT


def test_another_organizations_account_gets_404_for_the_project(client, venture, tree):
    project = submitted_project(venture)
    neighbour = create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP, name="太平角摄影队")
    other = UserFactory(username="photographers")
    link_organization_account(user=other, organization=neighbour)
    client.force_login(other)
    assert client.get(reverse("account_venture_project", args=[project.pk])).status_code == 404
    assert client.get(reverse("account_venture_edit", args=[project.pk])).status_code == 404
    assert client.post(reverse("account_venture_withdraw", args=[project.pk])).status_code == 404
    assert client.post(reverse("account_venture_report", args=[project.pk, "midterm"]), {}).status_code == 404
    project.refresh_from_db()
    assert project.state == ProjectState.SUBMITTED
    assert "银龄书画进社区" not in client.get(reverse("account_venture")).content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client, venture):
    response = client.get(reverse("account_venture"))
    assert response.status_code == 302 and response.url.startswith(reverse("account_login"))


def test_a_funded_project_files_its_midterm_report_and_the_deadline_moves_to_the_final(client, member, venture, today):
    project = funded(venture, today)
    call = venture.call
    due = client.get(reverse("account_deadlines")).content.decode()
    assert "报送公益创投项目“银龄书画进社区”的中期报告" in due
    assert call.midterm_due_on.isoformat() in due
    assert reverse("account_venture_project", args=[project.pk]) in due

    page = reverse("account_venture_project", args=[project.pk])
    html = client.get(page).content.decode()
    assert "<strong>18000.00</strong>" in html and "中期报告审核通过后报送结项报告。" in html
    url = reverse("account_venture_report", args=[project.pk, ProjectReportKind.MIDTERM])
    report = {"progress": "已开课12次。", "results": "服务老人150人次。", "spent_amount": "9000"}
    refused = client.post(
        url, {f"midterm-{name}": value for name, value in (report | {"people_served": "很多"}).items()}
    )
    assert "服务人次须为不小于零的整数。" in refused.content.decode() and 'value="很多"' in refused.content.decode()
    assert not ProjectReport.objects.exists()

    client.post(url, {f"midterm-{name}": value for name, value in (report | {"people_served": "150"}).items()})
    filed = ProjectReport.objects.get()
    assert filed.kind == ProjectReportKind.MIDTERM and filed.people_served == 150
    html = client.get(page).content.decode()
    assert "<strong>待审核</strong>" in html and "已开课12次。" in html
    due = client.get(reverse("account_deadlines")).content.decode()
    assert "中期报告" not in due
    assert "报送公益创投项目“银龄书画进社区”的结项报告" in due and call.final_due_on.isoformat() in due


# --- The public pages -----------------------------------------------------------------------------


def test_results_are_public_only_once_published(client, venture, today, member, site):
    project = funded(venture, today)
    url = reverse("venture_call", args=[venture.call.pk])
    before = client.get(url).content.decode()
    assert "资助结果尚未公布。" in before and "银龄书画进社区" not in before
    assert "专家评审得分" not in client.get(reverse("account_venture_project", args=[project.pk])).content.decode()
    assert row_of(client.get(reverse("venture_calls")).content.decode(), venture.call.name).count("评审中") == 1

    publish_results(call=venture.call, actor=venture.officer)
    html = client.get(url).content.decode()
    assert "资助结果尚未公布。" not in html
    row = row_of(html, "银龄书画进社区")
    for text in ("盐城路社区书画队", "湛山街道", "一般项目", ">72<", "18000.00"):
        assert text in row
    identifier = venture.organization.identifier
    assert f'<a href="/directory/{quote(identifier)}/">盐城路社区书画队</a>' in row
    assert "资助金额合计" in html
    # Nothing private: neither the applicant nor the eligibility reasons.
    assert "painters" not in html and "信用名录" not in html
    assert "结果已公布" in row_of(client.get(reverse("venture_calls")).content.decode(), venture.call.name)
    own_page = client.get(reverse("account_venture_project", args=[project.pk])).content.decode()
    assert "专家评审得分" in own_page and "<dd>72</dd>" in own_page


def another_call(venture, today, name: str, **dates):
    data = call_data(today, venture.sheet, venture.panel, name=name, **dates)
    return save_call(
        call=None, authority=venture.call.campaign.authority, data=data, tiers=TIERS, actor=venture.officer
    )


def test_the_call_list_labels_each_call_with_its_phase(client, venture, today):
    another_call(
        venture, today, "下一期公益创投", applications_open_on=today + 5 * DAY, applications_close_on=today + 20 * DAY
    )
    another_call(
        venture, today, "已截止的公益创投", applications_open_on=today - 30 * DAY, applications_close_on=today - DAY
    )
    submitted_project(venture)
    html = client.get(reverse("venture_calls")).content.decode()
    row = row_of(html, venture.call.name)
    assert "申报中" in row and "100000.00" in row and f"<td>{today.year}</td>" in row
    assert "<td>1</td>" in row  # one project submitted
    assert "即将开始申报" in row_of(html, "下一期公益创投")
    assert "评审中" in row_of(html, "已截止的公益创投")


def test_a_call_that_does_not_exist_answers_404(client, venture):
    assert client.get(reverse("venture_call", args=[venture.call.pk + 100])).status_code == 404


def test_the_call_page_shows_the_guide_tiers_and_dates(client, venture, today):
    html = client.get(reverse("venture_call", args=[venture.call.pk])).content.decode()
    assert "资助为老服务、儿童关爱和社区治理项目。" in html
    assert "重点项目" in html and "50000.00" in html
    assert venture.call.midterm_due_on.isoformat() in html and venture.call.final_due_on.isoformat() in html


def test_the_call_list_runs_the_same_queries_for_one_and_three_calls(client, venture, today):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("venture_calls")).status_code == 200
        return len(captured)

    submitted_project(venture)
    queries()  # the first request fills the site's caches (settings, navigation)
    one = queries()
    another_call(venture, today, "第二期公益创投")
    another_call(venture, today, "第三期公益创投")
    html = client.get(reverse("venture_calls")).content.decode()
    assert "第二期公益创投" in html and "第三期公益创投" in html
    assert queries() == one


def test_the_reminder_job_finds_a_funded_projects_report_due(venture, today):
    project = funded(venture, today)
    due_on = venture.call.midterm_due_on
    pairs = dated_deadlines_between(due_on, due_on, today=due_on - 7 * DAY)
    assert (venture.organization.pk, f"venture-report:{project.pk}:midterm") in {
        (pk, deadline.key) for pk, deadline in pairs
    }
    final = venture.call.final_due_on
    assert not [pk for pk, deadline in dated_deadlines_between(final, final, today=today) if "venture" in deadline.key]
