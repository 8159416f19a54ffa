"""Annual reports in the applicant's area: the years to report with due dates, overdue flags, states
and results; a draft kept (保存草稿) and submitted (提交) once; a submission with errors keeps what
was typed, as a draft when it can; a report returned for correction shows the reason, is edited and
submitted again; an account sees and files only for its own organization."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.enums import AnnualReportResult, AnnualReportState, OrganizationKind, Role
from registry.models import AnnualReport
from registry.services.annual_reports import return_annual_report, set_annual_report_result, submit_annual_report
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1
INDEX = "/account/annual-reports/"

FORM = {
    "income": "120000.50",
    "expenditure": "98000",
    "net_assets": "-1500.25",
    "staff": "3",
    "volunteers": "40",
    "activities": "开展社区书画培训12次。",
    "reportable_events": "",
}


def page(year: int) -> str:
    return f"/account/annual-reports/{year}/"


def account_of(org):
    user = UserFactory()
    link_organization_account(user=user, organization=org)
    return user


@pytest.fixture
def society(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2015, 3, 1))


@pytest.fixture
def account(client, society):
    user = account_of(society)
    client.force_login(user)
    return user


def file(org, user, year, **facts):
    values = {
        "income": Decimal("1000"),
        "expenditure": Decimal("900"),
        "net_assets": Decimal("100"),
        "staff": 1,
        "volunteers": 2,
        "activities": "活动",
    }
    return submit_annual_report(organization=org, actor=user, year=year, **{**values, **facts})


def test_the_list_shows_the_last_five_years_with_due_dates_and_overdue_flags(client, account):
    html = client.get(INDEX).content.decode()
    for year in range(LAST_YEAR - 4, LAST_YEAR + 1):
        assert f'href="{page(year)}"' in html
        assert f"{year + 1}-05-31" in html
    assert page(LAST_YEAR - 5) not in html and page(THIS_YEAR) not in html
    assert "未报送" in html and "已逾期" in html  # the report on the year before last is past due whatever today is


def test_the_list_starts_at_the_founding_year_and_skips_a_first_year_under_six_months(client, tree):
    late = create_org(street=tree.zhanshan, founded_on=datetime.date(LAST_YEAR - 1, 8, 1))
    client.force_login(account_of(late))
    html = client.get(INDEX).content.decode()
    assert page(LAST_YEAR) in html
    assert page(LAST_YEAR - 1) not in html and page(LAST_YEAR - 2) not in html


def test_filing_a_report_then_it_is_read_only_and_shows_its_result(client, account, society, make_officer, tree):
    response = client.post(page(LAST_YEAR), FORM)
    assert response.status_code == 302 and response["Location"] == page(LAST_YEAR)
    report = AnnualReport.objects.get(organization=society, year=LAST_YEAR)
    assert (report.income, report.net_assets, report.staff, report.submitted_by) == (
        Decimal("120000.50"),
        Decimal("-1500.25"),
        3,
        account,
    )

    html = client.get(page(LAST_YEAR)).content.decode()
    assert "年度报告已报送" in html
    assert "120000.50" in html and "开展社区书画培训12次。" in html
    assert '<form method="post" class="account-form"' not in html
    assert "登记管理机关尚未作出检查结果" in html

    # Posting again files nothing more.
    client.post(page(LAST_YEAR), {**FORM, "income": "1"})
    assert AnnualReport.objects.filter(organization=society).count() == 1

    set_annual_report_result(
        report=report,
        actor=make_officer(Role.DISTRICT_OFFICER, tree.district),
        result=AnnualReportResult.BASIC_PASS,
        reason="财务报表附注不全",
    )
    assert "财务报表附注不全" in client.get(page(LAST_YEAR)).content.decode()
    listing = client.get(INDEX).content.decode()
    assert "基本合格" in listing and "财务报表附注不全" in listing and "已报送" in listing


def test_a_form_with_errors_keeps_every_typed_value_with_chinese_messages(client, account, society):
    typed = {
        "income": "-5",
        "expenditure": "12.345",
        "net_assets": "一万",
        "staff": "2.5",
        "volunteers": "-1",
        "activities": "",
        "reportable_events": "更换了负责人",
    }
    response = client.post(page(LAST_YEAR), typed)
    html = response.content.decode()
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["income"] == ["金额不能为负数。"]
    assert errors["expenditure"] == ["金额最多保留两位小数。"]
    assert errors["net_assets"] == ["请填写数字金额（元），如 12000.50。"]
    assert errors["staff"] == ["人数须为整数。"]
    assert errors["volunteers"] == ["人数不能为负数。"]
    assert errors["activities"] == ["请简要填写本年度开展的主要活动。"]
    for value in ("-5", "12.345", "一万", "2.5", "-1"):
        assert f'value="{value}"' in html
    assert "更换了负责人" in html and "金额最多保留两位小数。" in html
    assert not AnnualReport.objects.filter(organization=society).exists()


def test_another_organizations_account_neither_sees_nor_files_its_report(client, tree, society, account):
    client.post(page(LAST_YEAR), FORM)
    other = create_org(street=tree.badaguan, name="八大关摄影协会", founded_on=datetime.date(2015, 1, 1))
    client.force_login(account_of(other))

    html = client.get(page(LAST_YEAR)).content.decode()
    assert "八大关摄影协会" in html and "湛山书画研究会" not in html
    assert "120000.50" not in html and "开展社区书画培训12次。" not in html
    assert "湛山书画研究会" not in client.get(INDEX).content.decode()

    # Filing files for the account's own organization; the other's report is untouched.
    client.post(page(LAST_YEAR), {**FORM, "income": "7.00"})
    assert AnnualReport.objects.get(organization=other).income == Decimal("7.00")
    assert AnnualReport.objects.get(organization=society).income == Decimal("120000.50")


def test_accounts_without_an_organization_and_anonymous_visitors(client, tree, make_officer):
    assert client.get(INDEX)["Location"].startswith(reverse("account_login"))
    client.force_login(UserFactory())
    for url in (INDEX, page(LAST_YEAR)):
        response = client.get(url)
        assert response.status_code == 200
        assert "您的账号尚未关联组织" in response.content.decode()
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    assert "您的账号尚未关联组织" in client.get(page(LAST_YEAR)).content.decode()


@pytest.mark.parametrize("year", [THIS_YEAR, LAST_YEAR - 5, 1900, 99999])
def test_a_year_the_organization_need_not_report_gets_a_message(client, account, year):
    response = client.get(page(year))
    assert response.status_code == 404
    assert f"无须在本网站报送{year}年度的年度报告" in response.content.decode()
    assert client.post(page(year), FORM).status_code == 404
    assert not AnnualReport.objects.exists()


def test_a_community_group_has_nothing_to_report(client, tree):
    group = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    client.force_login(account_of(group))
    assert "该组织目前没有需要报送的年度报告" in client.get(INDEX).content.decode()
    assert client.get(page(LAST_YEAR)).status_code == 404


def test_the_list_takes_as_many_queries_for_one_report_as_for_three(client, account, society):
    file(society, account, LAST_YEAR)
    client.get(INDEX)  # the site's own lookups are cached from the first page on
    with CaptureQueriesContext(connection) as one:
        client.get(INDEX)
    file(society, account, LAST_YEAR - 1)
    file(society, account, LAST_YEAR - 2)
    with CaptureQueriesContext(connection) as three:
        html = client.get(INDEX).content.decode()
    assert html.count("已报送（") == 3
    assert len(three) == len(one)


def test_the_account_page_links_to_the_annual_reports(client, account):
    assert f'href="{INDEX}"' in client.get("/account/").content.decode()


def test_a_draft_is_saved_with_partial_facts_and_filled_in_again(client, account, society):
    partial = {**FORM, "expenditure": "", "staff": "", "activities": "书画培训（未写完）", "action": "draft"}
    response = client.post(page(LAST_YEAR), partial)
    assert response.status_code == 302 and response["Location"] == page(LAST_YEAR)
    report = AnnualReport.objects.get(organization=society, year=LAST_YEAR)
    assert (report.state, report.income, report.expenditure, report.staff) == (
        AnnualReportState.DRAFT,
        Decimal("120000.50"),
        None,
        None,
    )
    html = client.get(page(LAST_YEAR)).content.decode()
    assert 'value="120000.50"' in html and "书画培训（未写完）" in html and "状态：草稿" in html
    assert 'value="draft"' in html and 'value="submit"' in html  # 保存草稿 and 提交
    listing = client.get(INDEX).content.decode()
    assert "草稿，未报送" in listing and "已逾期" in listing  # a draft is not filed


def test_submitting_an_incomplete_report_keeps_what_was_typed_as_a_draft(client, account, society):
    response = client.post(page(LAST_YEAR), {**FORM, "staff": "", "activities": "", "action": "submit"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors == {"staff": ["请填写人数，没有请填0。"], "activities": ["请简要填写本年度开展的主要活动。"]}
    assert "已保存为草稿，尚未报送" in response.content.decode()
    report = AnnualReport.objects.get(organization=society, year=LAST_YEAR)
    assert (report.state, report.income, report.volunteers) == (AnnualReportState.DRAFT, Decimal("120000.50"), 40)

    response = client.post(page(LAST_YEAR), {**FORM, "action": "submit"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.staff, report.submitted_by) == (AnnualReportState.SUBMITTED, 3, account)


def test_a_returned_report_shows_the_reason_is_edited_and_submitted_again(client, account, society, make_officer, tree):
    report = file(society, account, LAST_YEAR)
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    return_annual_report(report=report, actor=officer, reason="请补充志愿者服务时长的说明")
    html = client.get(page(LAST_YEAR)).content.decode()
    assert "退回补正" in html and "请补充志愿者服务时长的说明" in html
    assert '<form method="post" class="account-form"' in html and 'value="1000.00"' in html
    assert "退回补正，待重新提交" in client.get(INDEX).content.decode()

    response = client.post(page(LAST_YEAR), {**FORM, "volunteers": "55", "action": "submit"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.volunteers) == (AnnualReportState.SUBMITTED, 55)
    html = client.get(page(LAST_YEAR)).content.decode()
    assert '<form method="post" class="account-form"' not in html
    # The timeline: filed, returned with the reason (by the authority, not named), filed again.
    assert html.count("<td>已报送</td>") == 2 and "<td>退回补正</td>" in html
    assert "请补充志愿者服务时长的说明" in html and "登记管理机关" in html and officer.username not in html
