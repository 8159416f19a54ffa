"""After the award (issue 5 item 10): review flags from registry data, downgrades and
cancellations by the district, and the return of certificate and plaque."""

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.enums import CaseState, Grade, GradeChangeKind, GradeStatus, ReviewCause, ValidityRule
from evaluation.models import Campaign, GradeReviewFlag, OrganizationGrade
from evaluation.selectors.grades import current_grade, grades_in_force
from evaluation.services.grades import (
    RETURN_DAYS,
    award_grade,
    cancel_grade,
    downgrade_grade,
    flag_grades_for_review,
    overdue_returns,
    record_return,
    resolve_review_flag,
)
from evaluation.tasks import flag_grades_for_review_task
from registry.enums import AnnualReportResult, CreditList, ListingCause, PenaltyKind, Role
from registry.models import AnnualReport
from registry.services.annual_reports import set_annual_report_result
from registry.services.credit import list_organization, record_penalty, remove_listing
from tests.factories import create_org

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def awarded():
    """The usual award date: 60 days ago."""
    return today() - 60 * DAY


@pytest.fixture
def award(evaluation, make_case):
    """award(organization=..., grade=..., on=...) → a final grade, five years from the award."""
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(validity_rule=ValidityRule.FROM_AWARD)
    evaluation.campaign.refresh_from_db()

    def make(organization=None, grade=Grade.A4, on=None) -> OrganizationGrade:
        case = make_case(state=CaseState.FINAL, decided_grade=grade, organization=organization)
        return award_grade(case, on=on or awarded())

    return make


@pytest.fixture
def graded(award):
    return award()


def report(evaluation, year, result, organization=None):
    """An annual report on `year` with the officer's `result`, set now (after the award)."""
    filed = AnnualReport.objects.create(
        organization=organization or evaluation.organization,
        year=year,
        income=1000,
        expenditure=800,
        net_assets=5000,
        staff=2,
        volunteers=10,
        activities="书画展览",
        submitted_by=evaluation.account,
    )
    return set_annual_report_result(report=filed, actor=evaluation.officer, result=result, reason="检查")


def flags():
    return list(GradeReviewFlag.objects.order_by("pk").values_list("cause", "source_key"))


# --- Awarding --------------------------------------------------------------------------------------------


def test_no_grade_is_awarded_when_the_committee_decided_none(make_case):
    case = make_case(state=CaseState.FINAL, decided_grade="")
    assert award_grade(case, on=today()) is None
    assert not OrganizationGrade.objects.exists()


# --- Review flags -----------------------------------------------------------------------------------------


def test_an_annual_report_fail_after_the_award_flags_the_grade_once(evaluation, graded):
    failed = report(evaluation, 2025, AnnualReportResult.FAIL)
    assert flag_grades_for_review(today()) == 1
    flag = GradeReviewFlag.objects.get()
    assert (flag.grade, flag.cause, flag.source_key) == (
        graded,
        ReviewCause.ANNUAL_REPORT_FAIL,
        f"annual-report:{failed.pk}",
    )
    assert flag.details == "2025年度报告检查结果为不合格。"
    assert flag_grades_for_review(today()) == 0
    assert GradeReviewFlag.objects.count() == 1


def test_a_result_known_before_the_award_does_not_flag(evaluation, graded):
    failed = report(evaluation, 2024, AnnualReportResult.FAIL)
    AnnualReport.objects.filter(pk=failed.pk).update(result_at=timezone.now() - 90 * DAY)
    assert flag_grades_for_review(today()) == 0


def test_two_basic_passes_in_a_row_flag_once_and_one_does_not(evaluation, graded):
    first = report(evaluation, 2023, AnnualReportResult.BASIC_PASS)
    report(evaluation, 2024, AnnualReportResult.PASS)
    assert flag_grades_for_review(today()) == 0
    AnnualReport.objects.filter(year=2024).update(result=AnnualReportResult.BASIC_PASS)
    second = AnnualReport.objects.get(year=2024)
    assert flag_grades_for_review(today()) == 1
    assert flags() == [(ReviewCause.TWO_BASIC_PASSES, f"annual-reports:{first.pk},{second.pk}")]
    assert flag_grades_for_review(today()) == 0


def test_a_penalty_since_the_award_flags_once(evaluation, graded):
    common = {
        "organization": evaluation.organization,
        "kind": PenaltyKind.WARNING,
        "reason": "未按规定换届",
        "actor": evaluation.officer,
    }
    record_penalty(decided_on=awarded() - DAY, decision_number="青南民罚〔2025〕1号", **common)
    assert flag_grades_for_review(today()) == 0
    penalty = record_penalty(decided_on=awarded() + DAY, decision_number="青南民罚〔2026〕2号", **common)
    assert flag_grades_for_review(today()) == 1
    assert flags() == [(ReviewCause.PENALTY, f"penalty:{penalty.pk}")]
    assert "青南民罚〔2026〕2号" in GradeReviewFlag.objects.get().details
    assert flag_grades_for_review(today()) == 0


def test_a_current_credit_listing_flags_once_and_a_removed_one_does_not(evaluation, graded, award, tree):
    listing = list_organization(
        organization=evaluation.organization,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=today() - DAY,
        actor=evaluation.officer,
    )
    other = create_org(street=tree.badaguan, name="八大关志愿者协会")
    other_grade = award(organization=other)
    removed = list_organization(
        organization=other,
        credit_list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=today() - 2 * DAY,
        actor=evaluation.officer,
    )
    remove_listing(listing=removed, actor=evaluation.officer, reason="已恢复联系", on=today() - DAY)
    assert flag_grades_for_review(today()) == 1
    flag = GradeReviewFlag.objects.get()
    assert (flag.grade, flag.cause, flag.source_key) == (
        graded,
        ReviewCause.CREDIT_LISTING,
        f"credit-listing:{listing.pk}",
    )
    assert not other_grade.review_flags.exists()
    assert flag_grades_for_review(today()) == 0


def test_grades_not_in_force_are_not_flagged(evaluation, award):
    expired = award(on=today() - 6 * 365 * DAY)
    report(evaluation, 2025, AnnualReportResult.FAIL)
    assert expired.valid_until < today()
    assert flag_grades_for_review(today()) == 0


def test_flagging_takes_the_same_few_queries_for_one_grade_or_three(evaluation, award, tree, django_assert_num_queries):
    organizations = [evaluation.organization] + [create_org(street=tree.zhanshan) for _ in range(2)]
    award(organization=organizations[0])
    for organization in organizations:
        report(evaluation, 2025, AnnualReportResult.FAIL, organization=organization)
    # Six reads and writes, and the savepoint of the transaction around them.
    with django_assert_num_queries(8):
        assert flag_grades_for_review(today()) == 1
    for organization in organizations[1:]:
        award(organization=organization)
    with django_assert_num_queries(8):
        assert flag_grades_for_review(today()) == 2


def test_the_command_and_the_task_flag(evaluation, graded):
    report(evaluation, 2025, AnnualReportResult.FAIL)
    assert flag_grades_for_review_task.enqueue().return_value == 1
    out = io.StringIO()
    call_command("flag_grades_for_review", "--date", today().isoformat(), stdout=out)
    assert f"截至{today().isoformat()}提示复查的评估等级：0个" in out.getvalue()


def test_an_officer_resolves_a_flag_with_a_reason(evaluation, graded):
    report(evaluation, 2025, AnnualReportResult.FAIL)
    flag_grades_for_review(today())
    flag = GradeReviewFlag.objects.get()
    with pytest.raises(PermissionDenied):
        resolve_review_flag(flag=flag, actor=evaluation.account, resolution="已整改")
    with pytest.raises(ValidationError):
        resolve_review_flag(flag=flag, actor=evaluation.officer, resolution=" ")
    resolve_review_flag(flag=flag, actor=evaluation.officer, resolution="已整改，维持等级")
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolution == "已整改，维持等级"


# --- Downgrading and cancelling -------------------------------------------------------------------------------


def test_only_the_campaigns_officers_downgrade_or_cancel(evaluation, graded, tree, make_officer):
    outsiders = (
        evaluation.account,
        evaluation.members[0].user,
        evaluation.manager,
        make_officer(Role.STREET_OFFICER, tree.zhanshan),
    )
    for user in outsiders:
        with pytest.raises(PermissionDenied):
            downgrade_grade(grade=graded, to_grade=Grade.A3, reason="年检不合格", actor=user, on=today())
        with pytest.raises(PermissionDenied):
            cancel_grade(grade=graded, reason="严重违法", actor=user, on=today())
    graded.refresh_from_db()
    assert (graded.grade, graded.status, graded.changes.count()) == (Grade.A4, GradeStatus.VALID, 0)
    city = make_officer(Role.CITY_OFFICER, tree.city)
    downgrade_grade(grade=graded, to_grade=Grade.A3, reason="年检不合格", actor=city, on=today())


def test_a_downgrade_needs_a_reason_and_a_lower_grade(evaluation, graded):
    officer = evaluation.officer
    with pytest.raises(ValidationError) as error:
        downgrade_grade(grade=graded, to_grade=Grade.A3, reason="  ", actor=officer, on=today())
    assert error.value.message_dict == {"reason": ["请填写理由。"]}
    for to_grade in (Grade.A4, Grade.A5, "", "6A"):
        with pytest.raises(ValidationError):
            downgrade_grade(grade=graded, to_grade=to_grade, reason="年检不合格", actor=officer, on=today())
    assert not graded.changes.exists()


def test_a_downgrade_lowers_the_grade_resolves_its_flags_and_sets_the_return_date(evaluation, graded):
    report(evaluation, 2025, AnnualReportResult.FAIL)
    flag_grades_for_review(today())
    on = today() - 2 * DAY
    change = downgrade_grade(
        grade=graded, to_grade=Grade.A2, reason=" 2025年度报告不合格 ", actor=evaluation.officer, on=on
    )
    assert (change.kind, change.from_grade, change.to_grade, change.reason) == (
        GradeChangeKind.DOWNGRADE,
        Grade.A4,
        Grade.A2,
        "2025年度报告不合格",
    )
    assert change.return_due_on == on + datetime.timedelta(days=RETURN_DAYS)
    graded.refresh_from_db()
    assert (graded.grade, graded.status) == (Grade.A2, GradeStatus.VALID)
    assert current_grade(evaluation.organization, today()) == graded  # in force, at its lowered level
    flag = GradeReviewFlag.objects.get()
    assert flag.resolved_at is not None and flag.resolution == "2025年度报告不合格"


def test_a_cancellation_ends_the_grade_and_cannot_be_repeated(evaluation, graded):
    change = cancel_grade(grade=graded, reason="列入严重违法失信名单", actor=evaluation.officer, on=today())
    assert (change.kind, change.from_grade, change.to_grade) == (GradeChangeKind.CANCEL, Grade.A4, "")
    graded.refresh_from_db()
    assert graded.status == GradeStatus.CANCELLED
    assert not grades_in_force(today()).exists()
    assert current_grade(evaluation.organization, today()) is None
    with pytest.raises(ValidationError, match="已经取消"):
        cancel_grade(grade=graded, reason="再次取消", actor=evaluation.officer, on=today())
    with pytest.raises(ValidationError, match="已经取消"):
        downgrade_grade(grade=graded, to_grade=Grade.A3, reason="降级", actor=evaluation.officer, on=today())


def test_an_expired_grade_is_out_of_force_and_not_changed(evaluation, award):
    expired = award(on=today() - 6 * 365 * DAY)
    assert not grades_in_force(today()).filter(pk=expired.pk).exists()
    assert grades_in_force(expired.valid_until).filter(pk=expired.pk).exists()
    with pytest.raises(ValidationError, match="期满"):
        cancel_grade(grade=expired, reason="严重违法", actor=evaluation.officer, on=today())


# --- Returns of certificate and plaque ---------------------------------------------------------------------------


def test_overdue_returns_until_both_come_back(evaluation, graded, award, tree):
    change = cancel_grade(grade=graded, reason="严重违法", actor=evaluation.officer, on=today() - 20 * DAY)
    below = award(organization=create_org(street=tree.zhanshan), grade=Grade.A2)  # no certificate under 3A
    cancel_grade(grade=below, reason="严重违法", actor=evaluation.officer, on=today() - 20 * DAY)
    recent = award(organization=create_org(street=tree.zhanshan))
    cancel_grade(grade=recent, reason="严重违法", actor=evaluation.officer, on=today() - 2 * DAY)

    assert list(overdue_returns(today())) == [change]
    record_return(change=change, certificate_returned_on=today() - DAY, actor=evaluation.officer)
    assert list(overdue_returns(today())) == [change]  # the plaque is still out
    record_return(change=change, plaque_returned_on=today(), actor=evaluation.officer)
    change.refresh_from_db()
    assert (change.certificate_returned_on, change.plaque_returned_on) == (today() - DAY, today())
    assert not overdue_returns(today()).exists()


def test_a_return_is_recorded_by_an_officer_with_a_plausible_date(evaluation, graded, award, tree):
    change = downgrade_grade(
        grade=graded, to_grade=Grade.A3, reason="年检不合格", actor=evaluation.officer, on=today() - 5 * DAY
    )
    with pytest.raises(PermissionDenied):
        record_return(change=change, certificate_returned_on=today(), actor=evaluation.account)
    with pytest.raises(ValidationError, match="请填写证书或牌匾的交回日期"):
        record_return(change=change, actor=evaluation.officer)
    with pytest.raises(ValidationError) as error:
        record_return(change=change, certificate_returned_on=today() - 6 * DAY, actor=evaluation.officer)
    assert error.value.message_dict == {"certificate_returned_on": ["交回日期不能早于决定日期。"]}
    with pytest.raises(ValidationError) as error:
        record_return(change=change, plaque_returned_on=today() + DAY, actor=evaluation.officer)
    assert error.value.message_dict == {"plaque_returned_on": ["交回日期不能晚于今天。"]}
    below = award(organization=create_org(street=tree.zhanshan), grade=Grade.A2)
    below_change = cancel_grade(grade=below, reason="严重违法", actor=evaluation.officer, on=today())
    with pytest.raises(ValidationError, match="无须交回"):
        record_return(change=below_change, certificate_returned_on=today(), actor=evaluation.officer)


# --- The back office -------------------------------------------------------------------------------------------


def test_the_grades_list_is_for_the_campaigns_officers(client, evaluation, graded):
    client.force_login(evaluation.officer)
    assert evaluation.organization.name in client.get(reverse("evaluation_grades:index")).content.decode()
    client.force_login(evaluation.members[0].user)
    assert client.get(reverse("evaluation_grades:index")).status_code == 302  # the admin's denial
    assert client.get(reverse("evaluation_grades:inspect", args=[graded.pk])).status_code == 404  # not in scope


def test_an_officer_downgrades_in_the_back_office_and_a_refusal_keeps_what_was_typed(client, evaluation, graded):
    client.force_login(evaluation.officer)
    url = reverse("evaluation_grades:inspect", args=[graded.pk])
    typed = {
        "form": "downgrade",
        "downgrade-to_grade": "",
        "downgrade-reason": "年度报告不合格",
        "downgrade-on": today().isoformat(),
    }
    page = client.post(url, typed).content.decode()
    assert "年度报告不合格" in page
    graded.refresh_from_db()
    assert graded.grade == Grade.A4
    response = client.post(url, {**typed, "downgrade-to_grade": Grade.A3})
    assert response.status_code == 302
    graded.refresh_from_db()
    assert graded.grade == Grade.A3
    assert graded.changes.get().return_due_on == today() + RETURN_DAYS * DAY


def test_overdue_returns_are_marked_and_recorded_in_the_back_office(client, evaluation, graded):
    change = cancel_grade(grade=graded, reason="严重违法", actor=evaluation.officer, on=today() - 20 * DAY)
    client.force_login(evaluation.officer)
    assert "已逾期" in client.get(reverse("evaluation_grade_returns:index")).content.decode()
    url = reverse("evaluation_grade_returns:inspect", args=[change.pk])
    page = client.post(url, {"certificate_returned_on": "", "plaque_returned_on": ""}).content.decode()
    assert "请填写证书或牌匾的交回日期" in page
    client.post(url, {"certificate_returned_on": today().isoformat(), "plaque_returned_on": today().isoformat()})
    change.refresh_from_db()
    assert change.certificate_returned_on == change.plaque_returned_on == today()
    assert "已逾期" not in client.get(reverse("evaluation_grade_returns:index")).content.decode()


def test_the_review_flags_queue_shows_open_flags_and_leads_to_the_grade(client, evaluation, graded):
    report(evaluation, 2025, AnnualReportResult.FAIL)
    flag_grades_for_review(today())
    flag = GradeReviewFlag.objects.get()
    client.force_login(evaluation.officer)
    assert "2025年度报告检查结果为不合格" in client.get(reverse("evaluation_review_flags:index")).content.decode()
    page = client.get(reverse("evaluation_review_flags:inspect", args=[flag.pk])).content.decode()
    assert reverse("evaluation_grades:inspect", args=[graded.pk]) in page
    url = reverse("evaluation_grades:inspect", args=[graded.pk])
    client.post(url, {"form": "resolve", "flag": flag.pk, f"flag{flag.pk}-resolution": "已整改"})
    flag.refresh_from_db()
    assert flag.resolution == "已整改"
    assert "2025年度报告检查结果为不合格" not in client.get(reverse("evaluation_review_flags:index")).content.decode()


def test_the_grades_list_takes_the_same_queries_for_one_grade_or_three(client, evaluation, award, tree):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("evaluation_grades:index")).status_code == 200
        return len(captured)

    award()
    client.force_login(evaluation.officer)
    queries()  # warm the per-process caches
    one = queries()
    for _ in range(2):
        award(organization=create_org(street=tree.zhanshan))
    assert queries() == one
