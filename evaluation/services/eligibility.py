"""Eligibility of an applicant (DESIGN.md section 9): each rule the campaign has switched on gives
pass or fail with a reason that names the facts; a campaign officer may override a failure only
with a recorded reason. Confirming a case eligible (`cases.act_on_case`) asks
`check_all_satisfied` first."""

import calendar
import datetime
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from registry.enums import AnnualReportResult
from registry.models import AnnualReport, Organization
from registry.services.annual_reports import must_report, report_due_date
from registry.services.credit import years_before

from ..enums import CaseState, EligibilityRule, GradeStatus
from ..models import Campaign, Case, EligibilityCheck, OrganizationGrade
from ..selectors.grades import current_grade
from . import cases

R = EligibilityRule

# A rule's outcome: (passed, reason).
Outcome = tuple[bool, str]


def _date(day: datetime.date) -> str:
    return day.isoformat()


def months_before(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` earlier, or the month's last day when it is shorter."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _years_registered(campaign: Campaign, organization: Organization, applied_on: datetime.date) -> Outcome:
    years = campaign.min_years_registered
    founded = organization.founded_on
    if founded is None:
        return False, _("登记信息中没有成立日期，无法确认是否登记满%(years)d年。") % {"years": years}
    facts = {"founded": _date(founded), "applied": _date(applied_on), "years": years}
    if founded <= years_before(applied_on, years):
        return True, _("成立日期为%(founded)s，至申请日%(applied)s已登记满%(years)d年。") % facts
    return False, _("成立日期为%(founded)s，至申请日%(applied)s登记不满%(years)d年。") % facts


def _annual_report(campaign: Campaign, organization: Organization, applied_on: datetime.date) -> Outcome:
    year = applied_on.year - 1
    if not must_report(organization, year):
        return True, _("按规定该组织无须报送%(year)d年度的年度报告。") % {"year": year}
    report = AnnualReport.objects.filed().filter(organization=organization, year=year).first()
    if report is None:
        return False, _("尚未报送%(year)d年度的年度报告（截止日期为%(due)s）。") % {
            "year": year,
            "due": _date(report_due_date(year)),
        }
    facts = {"year": year, "filed": _date(timezone.localdate(report.submitted_at))}
    if report.result == AnnualReportResult.FAIL:
        return False, _("%(year)d年度报告（%(filed)s报送）的检查结果为不合格。") % facts
    if report.result:
        facts["result"] = report.get_result_display()
        return True, _("%(year)d年度报告已于%(filed)s报送，检查结果为%(result)s。") % facts
    return True, _("%(year)d年度报告已于%(filed)s报送，尚无检查结果。") % facts


def _credit_lists(campaign: Campaign, organization: Organization, today: datetime.date) -> Outcome:
    listing = (
        organization.credit_listings.filter(listed_on__lte=today, removed_on__isnull=True)
        .order_by("listed_on", "pk")
        .first()
    )
    if listing is None:
        return True, _("截至%(today)s，未列入活动异常名录或严重违法失信名单。") % {"today": _date(today)}
    return False, _("%(listed)s因“%(cause)s”列入%(list)s，尚未移出。") % {
        "listed": _date(listing.listed_on),
        "cause": listing.get_cause_display(),
        "list": listing.get_list_display(),
    }


def _penalties(campaign: Campaign, organization: Organization, applied_on: datetime.date) -> Outcome:
    # Counted from N years before the application up to the check: a penalty decided while the
    # case is pending counts too.
    years = campaign.penalty_years
    since = years_before(applied_on, years)
    penalty = organization.penalties.filter(decided_on__gt=since).order_by("-decided_on", "-pk").first()
    facts = {"since": _date(since), "years": years}
    if penalty is None:
        return True, _("%(since)s（申请日前%(years)d年）以来无行政处罚。") % facts
    facts.update(decided=_date(penalty.decided_on), kind=penalty.get_kind_display(), number=penalty.decision_number)
    return False, _("%(decided)s受到行政处罚（%(kind)s，%(number)s），在%(since)s（申请日前%(years)d年）以后。") % facts


def _grade_status(campaign: Campaign, organization: Organization, applied_on: datetime.date) -> Outcome:
    # A grade awarded under the calendar-year rule is in force only from the next 1 January, so
    # a grade not yet in force counts as held too.
    held = current_grade(organization, applied_on) or (
        OrganizationGrade.objects.filter(organization=organization, status=GradeStatus.VALID, valid_from__gt=applied_on)
        .order_by("-valid_until")
        .first()
    )
    if held is not None:
        months = campaign.reapply_window_months
        window_opens = months_before(held.valid_until, months)
        facts = {
            "grade": held.grade,
            "until": _date(held.valid_until),
            "months": months,
            "opens": _date(window_opens),
        }
        if applied_on >= window_opens:
            return True, _("现有%(grade)s等级有效期至%(until)s，已进入到期前%(months)d个月的重新申请期。") % facts
        return False, _("现有%(grade)s等级有效期至%(until)s，%(opens)s起（到期前%(months)d个月）方可重新申请。") % facts
    latest = organization.grades.order_by("-awarded_on", "-pk").first()
    if latest is None:
        return True, _("该组织此前未获得评估等级。")
    if latest.status == GradeStatus.CANCELLED:
        return True, _("原%(grade)s等级已被取消。") % {"grade": latest.grade}
    return True, _("原%(grade)s等级已于%(until)s到期。") % {"grade": latest.grade, "until": _date(latest.valid_until)}


# Each rule: the campaign's switch, and the check. The credit lists are checked as they stand on
# the day of the check; the other facts as they stood on the application date.
RULES: dict[str, tuple[str, Callable[[Campaign, Organization, datetime.date], Outcome], bool]] = {
    R.YEARS_REGISTERED: ("check_years_registered", _years_registered, False),
    R.ANNUAL_REPORT: ("check_annual_report", _annual_report, False),
    R.CREDIT_LISTS: ("check_credit_lists", _credit_lists, True),
    R.PENALTIES: ("check_penalties", _penalties, False),
    R.GRADE_STATUS: ("check_grade_status", _grade_status, False),
}


def rules_switched_on(campaign: Campaign) -> list[str]:
    return [rule for rule, (switch, _check, _on_today) in RULES.items() if getattr(campaign, switch)]


@transaction.atomic
def run_checks(case: Case, today: datetime.date | None = None) -> list[EligibilityCheck]:
    """Check every rule the campaign has switched on, writing one EligibilityCheck per rule, and
    drop the checks of rules since switched off. An officer's override of a failure stays only
    while the check's result is the same: new facts need a new decision."""
    today = today or timezone.localdate()
    applied_on = timezone.localdate(case.submitted_at) if case.submitted_at else today
    campaign, organization = case.campaign, case.organization
    switched_on = rules_switched_on(campaign)
    case.eligibility_checks.exclude(rule__in=switched_on).delete()
    previous = {check.rule: check for check in case.eligibility_checks.all()}
    results = []
    for rule in switched_on:
        _switch, check_rule, on_today = RULES[rule]
        passed, reason = check_rule(campaign, organization, today if on_today else applied_on)
        check = previous.get(rule) or EligibilityCheck(case=case, rule=rule)
        if (check.passed, check.reason) != (passed, reason):
            check.overridden_by, check.override_reason, check.overridden_at = None, "", None
        check.passed, check.reason = passed, reason
        check.full_clean()
        check.save()
        results.append(check)
    return results


def check_all_satisfied(case: Case) -> None:
    """Every rule switched on has been checked and passed, or its failure was overridden."""
    checks = {check.rule: check for check in case.eligibility_checks.all()}
    switched_on = rules_switched_on(case.campaign)
    unchecked = [str(R(rule).label) for rule in switched_on if rule not in checks]
    if unchecked:
        raise ValidationError(_("以下条件尚未检查：%(rules)s。请重新检查资格。") % {"rules": "、".join(unchecked)})
    failing = [str(R(rule).label) for rule in switched_on if not checks[rule].satisfied]
    if failing:
        raise ValidationError(
            _("以下条件不符合，且未经认定：%(rules)s。不能确认符合条件。") % {"rules": "、".join(failing)}
        )


def _check_officer(actor, case: Case) -> None:
    if not cases.is_campaign_officer(actor, case.campaign):
        raise PermissionDenied(_("只有本次评估活动的登记管理机关工作人员可以办理资格审查。"))


def _check_applied(case: Case) -> None:
    if case.state != CaseState.APPLIED:
        raise ValidationError(
            _("评估申请当前状态为“%(state)s”，不能再办理资格审查。") % {"state": case.get_state_display()}
        )


@transaction.atomic
def override_check(*, check: EligibilityCheck, actor, reason: str) -> EligibilityCheck:
    """A campaign officer accepts a failed check, with the reason on record (who, when, why)."""
    check = EligibilityCheck.objects.select_for_update().select_related("case__campaign__authority").get(pk=check.pk)
    _check_officer(actor, check.case)
    _check_applied(check.case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"override_reason": _("请填写认定理由。")})
    if check.passed:
        raise ValidationError(_("该条件已符合，无须认定。"))
    check.overridden_by, check.override_reason, check.overridden_at = actor, reason, timezone.now()
    check.full_clean()
    check.save()
    record(
        actor=actor,
        action="eligibility.override",
        target=check,
        reason=reason,
        before={"passed": False},
        after={"overridden": True},
        organization=check.case.organization,
    )
    return check


def rerun_checks(*, case: Case, actor, today: datetime.date | None = None) -> list[EligibilityCheck]:
    """A campaign officer checks again (facts or the campaign's rules have changed)."""
    case = Case.objects.select_related("campaign__authority", "organization").get(pk=case.pk)
    _check_officer(actor, case)
    _check_applied(case)
    return run_checks(case, today=today)
