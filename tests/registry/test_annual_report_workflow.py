"""The steps of an annual report (DESIGN.md section 7): a draft saved with partial facts, submitted
with every fact, returned for correction (补正) with a reason and submitted again, checked with a
result; every allowed and every refused step by each role, the audit record and the timeline of
each, who is told, and that a draft or a returned report does not count as filed."""

import datetime
import importlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEntry
from registry.enums import AnnualReportResult, AnnualReportState, Role, UnitLevel
from registry.models import AnnualReport, Organization
from registry.selectors.annual_reports import annual_report_timeline, reporting_calendar, return_reason
from registry.selectors.credit import organizations_with_overdue_annual_report, overdue_annual_report_organizations
from registry.selectors.deadlines import organizations_lacking_annual_report
from registry.services.annual_reports import (
    TRANSITIONS,
    return_annual_report,
    save_annual_report_draft,
    set_annual_report_result,
    submit_annual_report,
)
from registry.services.roles import link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

S = AnnualReportState
FACTS = {
    "income": Decimal("120000.00"),
    "expenditure": Decimal("98000.50"),
    "net_assets": Decimal("56000.00"),
    "staff": 3,
    "volunteers": 40,
    "activities": "开展社区书画培训12次。",
}


@pytest.fixture
def year(today):
    return today.year - 1


@pytest.fixture
def society(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2015, 3, 1))


@pytest.fixture
def account(society):
    user = UserFactory()
    link_organization_account(user=user, organization=society)
    return user


@pytest.fixture
def district(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


def in_state(state, *, society, account, district, year) -> AnnualReport:
    """A report of `society` on `year` brought to `state` through the services."""
    if state == S.DRAFT:
        return save_annual_report_draft(organization=society, actor=account, year=year, income=Decimal(1))
    report = submit_annual_report(organization=society, actor=account, year=year, **FACTS)
    if state == S.RETURNED:
        return return_annual_report(report=report, actor=district, reason="补充财务报表")
    if state == S.CHECKED:
        return set_annual_report_result(report=report, actor=district, result=AnnualReportResult.PASS, reason="齐全")
    return report


def actions_on(report) -> list[str]:
    return list(
        AuditEntry.objects.filter(target_type="registry.annualreport", target_id=str(report.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )


# --- Drafts -------------------------------------------------------------------------------------


def test_a_draft_keeps_partial_facts_and_is_saved_again_until_submitted(society, account, year):
    draft = save_annual_report_draft(organization=society, actor=account, year=year, income=Decimal("500.50"))
    assert (draft.state, draft.income, draft.expenditure, draft.activities) == (S.DRAFT, Decimal("500.50"), None, "")
    assert draft.submitted_at is None and draft.submitted_by is None
    again = save_annual_report_draft(organization=society, actor=account, year=year, activities="书画展览")
    assert again.pk == draft.pk and again.income == Decimal("500.50") and again.activities == "书画展览"
    assert actions_on(draft) == ["annual_report.save_draft", "annual_report.save_draft"]
    assert AuditEntry.objects.filter(action="annual_report.save_draft").order_by("pk").last().after == {
        "activities": "书画展览"
    }
    assert annual_report_timeline(again) == []  # a draft has no steps yet
    assert not account.notifications.exists()  # saving a draft tells nobody


def test_a_draft_is_refused_to_others_and_for_years_not_owed(society, account, tree, today):
    with pytest.raises(PermissionDenied):
        save_annual_report_draft(organization=society, actor=UserFactory(), year=today.year - 1, income=Decimal(1))
    with pytest.raises(ValidationError, match="只能报送已结束年度"):
        save_annual_report_draft(organization=society, actor=account, year=today.year, income=Decimal(1))
    with pytest.raises(ValidationError, match="无须报送2014年度"):
        save_annual_report_draft(organization=society, actor=account, year=2014, income=Decimal(1))
    with pytest.raises(ValidationError, match="金额不能为负数"):
        save_annual_report_draft(organization=society, actor=account, year=today.year - 1, income=Decimal(-1))
    assert not AnnualReport.objects.exists()


@pytest.mark.parametrize("state", [S.SUBMITTED, S.CHECKED])
def test_a_filed_report_is_no_longer_a_draft_to_save(state, society, account, district, year):
    report = in_state(state, society=society, account=account, district=district, year=year)
    with pytest.raises(ValidationError) as refused:
        save_annual_report_draft(organization=society, actor=account, year=year, income=Decimal(1))
    assert refused.value.messages == ["该年度的年度报告已经报送。"]
    report.refresh_from_db()
    assert report.income == FACTS["income"] and report.state == state


# --- Submission -----------------------------------------------------------------------------------


def test_submitting_a_draft_files_it_and_tells_the_organizations_accounts_only(society, account, district, year):
    other_account = UserFactory()
    link_organization_account(user=other_account, organization=society)
    save_annual_report_draft(organization=society, actor=account, year=year, **{**FACTS, "staff": None})
    report = submit_annual_report(organization=society, actor=account, year=year, staff=5)
    assert (report.state, report.staff, report.income, report.submitted_by) == (
        S.SUBMITTED,
        5,
        FACTS["income"],
        account,
    )
    assert report.submitted_at is not None
    assert actions_on(report)[-1] == "annual_report.submit"
    [event] = report.events.all()
    assert (event.from_state, event.to_state, event.actor) == (S.DRAFT, S.SUBMITTED, account)
    for user in (account, other_account):
        assert user.notifications.filter(message__contains=f"{year}年度报告已报送").count() == 1
    assert not district.notifications.exists()


def test_an_incomplete_submission_is_refused_field_by_field_and_the_draft_is_untouched(society, account, year):
    save_annual_report_draft(organization=society, actor=account, year=year, income=Decimal("700"), activities="  ")
    with pytest.raises(ValidationError) as refused:
        submit_annual_report(organization=society, actor=account, year=year, expenditure=Decimal("10"))
    assert refused.value.message_dict == {
        "net_assets": ["请填写金额（元），没有请填0。"],
        "staff": ["请填写人数，没有请填0。"],
        "volunteers": ["请填写人数，没有请填0。"],
        "activities": ["请简要填写本年度开展的主要活动。"],
    }
    report = AnnualReport.objects.get()
    assert (report.state, report.income, report.expenditure) == (S.DRAFT, Decimal("700"), None)
    assert actions_on(report) == ["annual_report.save_draft"] and not report.events.exists()


@pytest.mark.parametrize("state", [S.SUBMITTED, S.CHECKED])
def test_submitting_twice_is_refused(state, society, account, district, year):
    in_state(state, society=society, account=account, district=district, year=year)
    with pytest.raises(ValidationError) as refused:
        submit_annual_report(organization=society, actor=account, year=year, **FACTS)
    assert refused.value.messages == ["该年度的年度报告已经报送。"]


def test_an_officer_cannot_submit_for_the_organization(society, district, year):
    with pytest.raises(PermissionDenied):
        submit_annual_report(organization=society, actor=district, year=year, **FACTS)


# --- Return for correction ----------------------------------------------------------------------


def test_a_returned_report_is_edited_and_submitted_again(society, account, district, year):
    report = submit_annual_report(organization=society, actor=account, year=year, **FACTS)
    with pytest.raises(ValidationError, match="请填写退回原因"):
        return_annual_report(report=report, actor=district, reason="  ")
    returned = return_annual_report(report=report, actor=district, reason="请补充年末净资产的计算依据")
    assert returned.state == S.RETURNED
    assert account.notifications.filter(message__contains="请补充年末净资产的计算依据").exists()
    entry = AuditEntry.objects.filter(action="annual_report.return").get()
    assert (entry.actor_id, entry.reason, entry.organization_id) == (
        district.pk,
        "请补充年末净资产的计算依据",
        society.pk,
    )

    # Edited (it stays returned, with its reason in view), then submitted again.
    edited = save_annual_report_draft(organization=society, actor=account, year=year, net_assets=Decimal("60000"))
    assert edited.state == S.RETURNED and edited.net_assets == Decimal("60000")
    assert return_reason(annual_report_timeline(edited)) == "请补充年末净资产的计算依据"
    again = submit_annual_report(organization=society, actor=account, year=year)
    assert again.state == S.SUBMITTED and again.net_assets == Decimal("60000")
    assert [(e.from_state, e.to_state) for e in annual_report_timeline(again)] == [
        (S.DRAFT, S.SUBMITTED),
        (S.SUBMITTED, S.RETURNED),
        (S.RETURNED, S.SUBMITTED),
    ]
    checked = set_annual_report_result(report=again, actor=district, result=AnnualReportResult.PASS, reason="已补正")
    assert checked.state == S.CHECKED
    assert actions_on(checked) == [
        "annual_report.submit",
        "annual_report.return",
        "annual_report.save_draft",
        "annual_report.submit",
        "annual_report.result",
    ]


@pytest.mark.parametrize(
    ("role", "unit"),
    [(Role.STREET_OFFICER, "zhanshan"), (Role.COMMUNITY_SUPERVISOR, "yancheng"), (Role.DISTRICT_OFFICER, None)],
)
def test_only_an_officer_who_manages_the_organization_returns_or_checks(
    role, unit, society, account, make_officer, tree, year
):
    report = submit_annual_report(organization=society, actor=account, year=year, **FACTS)
    if unit is None:  # the district officer of another district
        elsewhere = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
        officer = make_officer(role, elsewhere)
    else:
        officer = make_officer(role, getattr(tree, unit))
    for decide in (
        lambda: return_annual_report(report=report, actor=officer, reason="x"),
        lambda: set_annual_report_result(report=report, actor=officer, result=AnnualReportResult.PASS, reason="x"),
    ):
        with pytest.raises(PermissionDenied, match="您无权审核该组织的年度报告"):
            decide()
    with pytest.raises(PermissionDenied):
        return_annual_report(report=report, actor=account, reason="x")  # nor the organization itself
    report.refresh_from_db()
    assert report.state == S.SUBMITTED and not report.events.exclude(to_state=S.SUBMITTED).exists()


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (S.DRAFT, "当前状态为“草稿”"),
        (S.RETURNED, "当前状态为“退回补正”"),
        (S.CHECKED, "已有检查结果（合格），不能再办理"),
    ],
)
def test_only_a_submitted_report_is_returned_or_checked(state, message, society, account, district, year):
    report = in_state(state, society=society, account=account, district=district, year=year)
    with pytest.raises(ValidationError, match=message):
        return_annual_report(report=report, actor=district, reason="x")
    with pytest.raises(ValidationError, match=message):
        set_annual_report_result(report=report, actor=district, result=AnnualReportResult.FAIL, reason="x")
    report.refresh_from_db()
    assert report.state == state and report.result == ("pass" if state == S.CHECKED else "")


def test_the_transition_table_is_the_one_documented():
    assert TRANSITIONS == {
        "submit": ((S.DRAFT, S.RETURNED), S.SUBMITTED),
        "return": ((S.SUBMITTED,), S.RETURNED),
        "result": ((S.SUBMITTED,), S.CHECKED),
    }


# --- Timeline -----------------------------------------------------------------------------------


def test_a_paper_report_has_its_timeline_told_from_its_own_fields(society, district, year):
    paper = AnnualReport.objects.create(organization=society, year=year, submitted_by=None, **FACTS)
    steps = annual_report_timeline(paper)
    assert [(step.to_state, step.actor) for step in steps] == [(S.SUBMITTED, None)]
    checked = set_annual_report_result(
        report=paper, actor=district, result=AnnualReportResult.FAIL, reason="未开展活动"
    )
    steps = annual_report_timeline(checked)
    assert [(step.to_state, step.actor, step.reason) for step in steps] == [
        (S.SUBMITTED, None, ""),
        (S.CHECKED, district, "未开展活动"),
    ]


# --- Not filed until submitted ------------------------------------------------------------------


def overdue_years(queryset, organization) -> list[str]:
    found = queryset.filter(pk=organization.pk).first()
    return found.overdue_years.split() if found else []


@pytest.mark.parametrize("state", [S.DRAFT, S.RETURNED])
def test_a_draft_or_returned_report_still_counts_as_not_filed(state, society, account, district, year):
    in_state(state, society=society, account=account, district=district, year=year)
    organizations = Organization.objects.filter(pk=society.pk)
    after_grace = datetime.date(year + 1, 12, 31)
    assert list(organizations_lacking_annual_report(organizations, year)) == [society]
    assert str(year) in overdue_years(overdue_annual_report_organizations(after_grace), society)
    assert str(year) in overdue_years(organizations_with_overdue_annual_report(organizations, after_grace), society)
    entry = next(entry for entry in reporting_calendar(society, today=after_grace) if entry.year == year)
    assert entry.report is not None and not entry.filed and entry.overdue

    submit_annual_report(organization=society, actor=account, year=year, **FACTS)
    assert not organizations_lacking_annual_report(organizations, year).exists()
    assert str(year) not in overdue_years(overdue_annual_report_organizations(after_grace), society)
    assert str(year) not in overdue_years(organizations_with_overdue_annual_report(organizations, after_grace), society)
    entry = next(entry for entry in reporting_calendar(society, today=after_grace) if entry.year == year)
    assert entry.filed and not entry.overdue


# --- The data migration -------------------------------------------------------------------------


def test_existing_reports_become_submitted_or_checked_where_a_result_is_set(society, district, year):
    migration = importlib.import_module("registry.migrations.0019_annual_report_workflow")
    pending = AnnualReport.objects.create(organization=society, year=year, submitted_by=None, **FACTS)
    decided = AnnualReport.objects.create(
        organization=society, year=year - 1, submitted_by=district, result=AnnualReportResult.PASS, **FACTS
    )
    migration.mark_checked_reports(apps, None)
    pending.refresh_from_db()
    decided.refresh_from_db()
    assert (pending.state, pending.submitted_by) == (S.SUBMITTED, None)  # a paper report stays as it is
    assert decided.state == S.CHECKED


# --- The back office ----------------------------------------------------------------------------


def test_an_officer_returns_a_report_in_the_admin_with_a_reason(client, society, account, district, year):
    report = submit_annual_report(organization=society, actor=account, year=year, **FACTS)
    client.force_login(district)
    listing = client.get(reverse("annual_reports:index")).content.decode()
    assert reverse("annual_reports:return", args=[report.pk]) in listing and "已报送" in listing
    edit = client.get(reverse("annual_reports:edit", args=[report.pk])).content.decode()
    assert "当前状态：已报送" in edit and reverse("annual_reports:return", args=[report.pk]) in edit

    url = reverse("annual_reports:return", args=[report.pk])
    refused = client.post(url, {"reason": " "})
    assert refused.status_code == 200 and "请填写退回原因。" in refused.content.decode()
    report.refresh_from_db()
    assert report.state == S.SUBMITTED

    response = client.post(url, {"reason": "请补充年末净资产的计算依据"})
    assert response.status_code == 302 and response["Location"] == reverse("annual_reports:index")
    report.refresh_from_db()
    assert report.state == S.RETURNED
    inspect = client.get(reverse("annual_reports:inspect", args=[report.pk])).content.decode()
    assert "退回补正" in inspect and "请补充年末净资产的计算依据" in inspect

    # A returned report takes no result until it is submitted again, and is not returned twice.
    result = client.post(
        reverse("annual_reports:edit", args=[report.pk]), {"result": "pass", "result_reason": "材料齐全"}
    )
    assert result.status_code == 200 and "只有已报送、待审核的报告可以审核或退回" in result.content.decode()
    again = client.post(url, {"reason": "再次退回"})
    assert "只有已报送、待审核的年度报告可以退回补正" in again.content.decode()
    report.refresh_from_db()
    assert report.state == S.RETURNED and report.result == "" and report.events.count() == 2


def test_a_draft_is_not_in_the_back_office(client, society, account, district, year):
    draft = save_annual_report_draft(organization=society, actor=account, year=year, income=Decimal(1))
    client.force_login(district)
    assert client.get(reverse("annual_reports:inspect", args=[draft.pk])).status_code == 404
    assert client.get(reverse("annual_reports:return", args=[draft.pk])).status_code == 404
