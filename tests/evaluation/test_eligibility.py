"""Eligibility (DESIGN.md section 9): each rule the campaign switches on passes or fails with a
reason naming the facts; a campaign officer may override a failure only with a reason, which is
recorded; a case cannot be confirmed eligible while a check fails."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evaluation.enums import CaseAction, CaseState, EligibilityRule, Grade, GradeStatus
from evaluation.models import Campaign, Case, EligibilityCheck, OrganizationGrade
from evaluation.services import cases
from evaluation.services.applying import save_self_assessment
from evaluation.services.eligibility import check_all_satisfied, override_check, rerun_checks, run_checks
from registry.enums import AnnualReportResult, CreditList, ListingCause, PenaltyKind, Role, UnitLevel
from registry.models import AdministrativePenalty, AnnualReport, CreditListing, Organization
from registry.services.units import add_unit

R = EligibilityRule
APPLIED_ON = datetime.date(2026, 6, 1)
TODAY = datetime.date(2026, 6, 10)


def applied_at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def applied(make_case):
    """A case applied for on 1 June 2026."""
    return make_case(state=CaseState.APPLIED, submitted_at=applied_at(APPLIED_ON))


def set_founded(organization, day):
    Organization.objects.filter(pk=organization.pk).update(founded_on=day)
    organization.refresh_from_db()


def result(case, rule) -> EligibilityCheck:
    run_checks(case, today=TODAY)
    return case.eligibility_checks.get(rule=rule)


def file_report(evaluation, year=2025, result=""):
    return AnnualReport.objects.create(
        organization=evaluation.organization,
        year=year,
        income=Decimal(1000),
        expenditure=Decimal(800),
        net_assets=Decimal(200),
        staff=1,
        volunteers=5,
        activities="书画展览",
        submitted_by=evaluation.account,
        result=result,
    )


@pytest.fixture
def clean_record(evaluation):
    """Last year's report filed and passed, so that only the rule under test can fail."""
    return file_report(evaluation, result=AnnualReportResult.PASS)


# --- Each rule, passing and failing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("founded", "passed", "words"),
    [
        (datetime.date(2018, 5, 1), True, "成立日期为2018-05-01，至申请日2026-06-01已登记满2年"),
        (datetime.date(2024, 6, 1), True, "已登记满2年"),  # exactly two full years
        (datetime.date(2024, 6, 2), False, "成立日期为2024-06-02，至申请日2026-06-01登记不满2年"),
        (None, False, "没有成立日期，无法确认是否登记满2年"),
    ],
)
def test_years_registered(applied, evaluation, founded, passed, words):
    set_founded(evaluation.organization, founded)
    check = result(applied, R.YEARS_REGISTERED)
    assert check.passed is passed
    assert words in check.reason


def test_years_registered_reads_the_campaign_parameter(applied, evaluation):
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(min_years_registered=10)
    applied.campaign.refresh_from_db()
    check = result(applied, R.YEARS_REGISTERED)
    assert not check.passed and "登记不满10年" in check.reason


@pytest.mark.parametrize(
    ("report_result", "passed", "words"),
    [
        (None, False, "尚未报送2025年度的年度报告（截止日期为2026-05-31）"),
        (AnnualReportResult.FAIL, False, "2025年度报告（{filed}报送）的检查结果为不合格"),
        (AnnualReportResult.BASIC_PASS, True, "2025年度报告已于{filed}报送，检查结果为基本合格"),
        (AnnualReportResult.PASS, True, "检查结果为合格"),
        ("", True, "2025年度报告已于{filed}报送，尚无检查结果"),
    ],
)
def test_last_years_annual_report(applied, evaluation, report_result, passed, words):
    filed = ""
    if report_result is not None:
        report = file_report(evaluation, result=report_result)
        filed = timezone.localdate(report.submitted_at).isoformat()
    check = result(applied, R.ANNUAL_REPORT)
    assert check.passed is passed
    assert words.format(filed=filed) in check.reason


def test_an_organization_not_required_to_report_last_year_passes_the_report_rule(applied, evaluation):
    set_founded(evaluation.organization, datetime.date(2025, 8, 1))  # founded after 30 June 2025
    check = result(applied, R.ANNUAL_REPORT)
    assert check.passed and "无须报送2025年度的年度报告" in check.reason


def test_a_current_credit_listing_fails_and_a_removed_one_does_not(applied, evaluation):
    listing = CreditListing.objects.create(
        organization=evaluation.organization,
        list=CreditList.ABNORMAL_ACTIVITY,
        cause=ListingCause.UNREACHABLE,
        listed_on=datetime.date(2026, 2, 3),
    )
    check = result(applied, R.CREDIT_LISTS)
    assert not check.passed
    assert check.reason == "2026-02-03因“通过登记的住所无法联系”列入活动异常名录，尚未移出。"
    listing.removed_on = datetime.date(2026, 6, 5)
    listing.save()
    check = result(applied, R.CREDIT_LISTS)
    assert check.passed and "截至2026-06-10，未列入" in check.reason


@pytest.mark.parametrize(
    ("decided_on", "passed"),
    [(datetime.date(2024, 6, 2), False), (datetime.date(2026, 6, 5), False), (datetime.date(2024, 6, 1), True)],
)
def test_a_penalty_within_the_years_fails(applied, evaluation, decided_on, passed):
    AdministrativePenalty.objects.create(
        organization=evaluation.organization,
        kind=PenaltyKind.WARNING,
        decided_on=decided_on,
        decision_number="青南民罚字〔2024〕3号",
        reason="未按规定换届",
    )
    check = result(applied, R.PENALTIES)
    assert check.passed is passed
    if passed:
        assert check.reason == "2024-06-01（申请日前2年）以来无行政处罚。"
    else:
        assert f"{decided_on.isoformat()}受到行政处罚（警告，青南民罚字〔2024〕3号）" in check.reason


@pytest.fixture
def grade_of(evaluation, tree):
    """grade_of(valid_from, valid_until, status) → a grade of the organization from an earlier campaign."""
    earlier = Campaign.objects.create(
        name="2021年度市南区社会组织评估",
        year=2021,
        authority=tree.district,
        committee=evaluation.committee,
        applications_open_on=datetime.date(2021, 3, 1),
        applications_close_on=datetime.date(2021, 6, 30),
        scoring_closes_on=datetime.date(2021, 9, 30),
    )

    def make(valid_from, valid_until, status=GradeStatus.VALID):
        old_case = Case.objects.create(
            campaign=earlier,
            organization=evaluation.organization,
            framework=evaluation.framework,
            applicant=evaluation.account,
            state=CaseState.FINAL,
        )
        return OrganizationGrade.objects.create(
            organization=evaluation.organization,
            case=old_case,
            grade=Grade.A4,
            framework=evaluation.framework,
            awarded_on=valid_from,
            valid_from=valid_from,
            valid_until=valid_until,
            status=status,
        )

    return make


def test_an_organization_never_graded_passes_the_grade_rule(applied):
    check = result(applied, R.GRADE_STATUS)
    assert check.passed and check.reason == "该组织此前未获得评估等级。"


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "status", "passed", "words"),
    [
        # Valid far beyond the window: too early to apply again.
        (
            datetime.date(2026, 1, 1),
            datetime.date(2030, 12, 31),
            GradeStatus.VALID,
            False,
            "现有4A等级有效期至2030-12-31，2029-12-31起（到期前12个月）方可重新申请",
        ),
        # Expiring within twelve months: may apply again.
        (
            datetime.date(2022, 1, 1),
            datetime.date(2026, 12, 31),
            GradeStatus.VALID,
            True,
            "现有4A等级有效期至2026-12-31，已进入到期前12个月的重新申请期",
        ),
        (datetime.date(2021, 1, 1), datetime.date(2025, 12, 31), GradeStatus.VALID, True, "原4A等级已于2025-12-31到期"),
        (datetime.date(2026, 1, 1), datetime.date(2030, 12, 31), GradeStatus.CANCELLED, True, "原4A等级已被取消"),
        # Awarded under the calendar-year rule, in force only from next January: held all the same.
        (datetime.date(2027, 1, 1), datetime.date(2031, 12, 31), GradeStatus.VALID, False, "有效期至2031-12-31"),
    ],
)
def test_grade_status(applied, grade_of, valid_from, valid_until, status, passed, words):
    grade_of(valid_from, valid_until, status)
    check = result(applied, R.GRADE_STATUS)
    assert check.passed is passed
    assert words in check.reason


# --- Switching rules -------------------------------------------------------------------------------------


def test_only_the_rules_switched_on_are_checked_and_a_rule_switched_off_drops_its_check(applied, evaluation):
    run_checks(applied, today=TODAY)
    assert set(applied.eligibility_checks.values_list("rule", flat=True)) == set(R.values)
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(check_penalties=False, check_annual_report=False)
    applied.campaign.refresh_from_db()
    run_checks(applied, today=TODAY)
    assert set(applied.eligibility_checks.values_list("rule", flat=True)) == set(R.values) - {
        R.PENALTIES,
        R.ANNUAL_REPORT,
    }


def test_a_failing_rule_switched_off_no_longer_stops_confirmation(applied, evaluation, clean_record):
    set_founded(evaluation.organization, None)
    run_checks(applied, today=TODAY)
    with pytest.raises(ValidationError):
        check_all_satisfied(applied)
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(check_years_registered=False)
    applied.campaign.refresh_from_db()
    check_all_satisfied(applied)  # the stale failing check is ignored even before a new run


# --- All satisfied, overrides ----------------------------------------------------------------------------


def test_confirming_is_refused_while_a_check_fails_and_names_the_failing_rules(applied, evaluation):
    set_founded(evaluation.organization, None)
    run_checks(applied, today=TODAY)  # no report for 2025 either
    with pytest.raises(ValidationError) as error:
        cases.act_on_case(case=applied, action=CaseAction.CONFIRM_ELIGIBLE, actor=evaluation.officer)
    assert error.value.messages == [
        "以下条件不符合，且未经认定：登记满规定年限、上年度年度报告已报送且合格。不能确认符合条件。"
    ]
    applied.refresh_from_db()
    assert applied.state == CaseState.APPLIED


def test_confirming_is_refused_before_the_checks_ran(applied, evaluation):
    with pytest.raises(ValidationError) as error:
        cases.act_on_case(case=applied, action=CaseAction.CONFIRM_ELIGIBLE, actor=evaluation.officer)
    assert "以下条件尚未检查" in error.value.messages[0]


def test_an_officer_overrides_a_failure_with_a_recorded_reason_and_may_then_confirm(applied, evaluation, clean_record):
    set_founded(evaluation.organization, None)
    run_checks(applied, today=TODAY)
    failing = applied.eligibility_checks.get(rule=R.YEARS_REGISTERED)
    override_check(check=failing, actor=evaluation.officer, reason="  登记证书显示2015年成立，系统数据缺失。 ")
    failing.refresh_from_db()
    assert failing.satisfied and not failing.passed
    assert failing.overridden_by == evaluation.officer
    assert failing.override_reason == "登记证书显示2015年成立，系统数据缺失。"
    assert failing.overridden_at is not None
    case = cases.act_on_case(case=applied, action=CaseAction.CONFIRM_ELIGIBLE, actor=evaluation.officer)
    assert case.state == CaseState.ELIGIBLE


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_override_needs_a_reason(applied, evaluation, reason):
    set_founded(evaluation.organization, None)
    run_checks(applied, today=TODAY)
    failing = applied.eligibility_checks.get(rule=R.YEARS_REGISTERED)
    with pytest.raises(ValidationError) as error:
        override_check(check=failing, actor=evaluation.officer, reason=reason)
    assert error.value.message_dict == {"override_reason": ["请填写认定理由。"]}
    failing.refresh_from_db()
    assert failing.overridden_by is None


def test_only_a_campaign_officer_may_override(applied, evaluation, tree, make_officer):
    set_founded(evaluation.organization, None)
    run_checks(applied, today=TODAY)
    failing = applied.eligibility_checks.get(rule=R.YEARS_REGISTERED)
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    outsiders = [
        evaluation.account,
        evaluation.manager,
        evaluation.assessors[0],
        evaluation.members[0].user,
        make_officer(Role.DISTRICT_OFFICER, shibei),
        make_officer(Role.STREET_OFFICER, tree.zhanshan),
    ]
    for actor in outsiders:
        with pytest.raises(PermissionDenied):
            override_check(check=failing, actor=actor, reason="理由")
    failing.refresh_from_db()
    assert failing.overridden_by is None
    city_officer = make_officer(Role.CITY_OFFICER, tree.city)
    override_check(check=failing, actor=city_officer, reason="市局认定")
    failing.refresh_from_db()
    assert failing.overridden_by == city_officer


def test_a_passed_check_needs_no_override_and_a_confirmed_case_takes_none(applied, evaluation):
    run_checks(applied, today=TODAY)
    passed = applied.eligibility_checks.get(rule=R.CREDIT_LISTS)
    with pytest.raises(ValidationError) as error:
        override_check(check=passed, actor=evaluation.officer, reason="理由")
    assert "无须认定" in error.value.messages[0]
    applied.state = CaseState.ELIGIBLE
    applied.save()
    failing = applied.eligibility_checks.get(rule=R.ANNUAL_REPORT)
    with pytest.raises(ValidationError) as error:
        override_check(check=failing, actor=evaluation.officer, reason="理由")
    assert "不能再办理资格审查" in error.value.messages[0]


def test_an_override_stays_while_the_facts_stay_and_goes_when_they_change(applied, evaluation, clean_record):
    set_founded(evaluation.organization, datetime.date(2025, 1, 1))
    run_checks(applied, today=TODAY)
    failing = applied.eligibility_checks.get(rule=R.YEARS_REGISTERED)
    override_check(check=failing, actor=evaluation.officer, reason="合并前的组织已登记多年")
    rerun_checks(case=applied, actor=evaluation.officer, today=TODAY)
    failing.refresh_from_db()
    assert failing.overridden_by == evaluation.officer
    set_founded(evaluation.organization, datetime.date(2025, 3, 1))
    rerun_checks(case=applied, actor=evaluation.officer, today=TODAY)
    failing.refresh_from_db()
    assert failing.overridden_by is None and failing.override_reason == ""
    assert "2025-03-01" in failing.reason


def test_only_a_campaign_officer_reruns_the_checks_and_only_while_applied(applied, evaluation):
    with pytest.raises(PermissionDenied):
        rerun_checks(case=applied, actor=evaluation.account, today=TODAY)
    assert not applied.eligibility_checks.exists()
    rerun_checks(case=applied, actor=evaluation.officer, today=TODAY)
    assert applied.eligibility_checks.count() == 5
    Case.objects.filter(pk=applied.pk).update(state=CaseState.ELIGIBLE)
    with pytest.raises(ValidationError):
        rerun_checks(case=applied, actor=evaluation.officer, today=TODAY)


def test_submitting_checks_as_of_the_application(make_case, evaluation):
    case = make_case()
    save_self_assessment(
        case=case,
        actor=evaluation.account,
        entries={leaf.pk: ("10", "") for leaf in evaluation.framework.indicators.filter(children__isnull=True)},
    )
    cases.act_on_case(case=case, action=CaseAction.SUBMIT, actor=evaluation.account)
    reasons = dict(case.eligibility_checks.values_list("rule", "reason"))
    today = timezone.localdate().isoformat()
    assert f"至申请日{today}已登记满2年" in reasons[R.YEARS_REGISTERED]
