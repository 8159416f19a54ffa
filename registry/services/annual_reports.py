"""Annual reports, one writer per step (DESIGN.md section 7):

    (none) → draft                      save_annual_report_draft   an account of the organization
    draft, returned → submitted         submit_annual_report       an account of the organization
    submitted → returned (补正)          return_annual_report       an officer who manages it, with a reason
    submitted → checked                 set_annual_report_result   an officer who manages it, with a reason

A draft or a returned report may be saved again and again (partial facts allowed); each step is
checked against `TRANSITIONS`, recorded in the audit log and on the report's timeline
(`AnnualReportEvent`), and the organization's accounts are told of every step but a saved draft.
Who must report and by when is read in `registry.selectors.annual_reports`; its rules stay
importable from here for existing callers."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from ..enums import AnnualReportResult, AnnualReportState
from ..models import AnnualReport, AnnualReportEvent, Organization, OrganizationAccount
from ..models.annual_reports import REPORTED_NUMBERS
from ..selectors.annual_reports import REPORTING_STATUSES as REPORTING_STATUSES
from ..selectors.annual_reports import must_report
from ..selectors.annual_reports import report_due_date as report_due_date
from ..selectors.organizations import manageable_organizations_for_user
from .notifications import notify

S = AnnualReportState
# The facts an organization types in; anything else passed to the services is refused.
FACT_FIELDS = [*REPORTED_NUMBERS, "activities", "reportable_events"]
AMOUNTS = ["income", "expenditure", "net_assets"]
# step: (the states it leaves from, the state it leads to)
TRANSITIONS = {
    "submit": ((S.DRAFT, S.RETURNED), S.SUBMITTED),
    "return": ((S.SUBMITTED,), S.RETURNED),
    "result": ((S.SUBMITTED,), S.CHECKED),
}


def _already_filed() -> ValidationError:
    return ValidationError(_("该年度的年度报告已经报送。"), code="already_filed")


def _check_step(report: AnnualReport, step: str) -> AnnualReportState:
    sources, target = TRANSITIONS[step]
    if report.state in sources:
        return target
    if step == "submit":
        raise _already_filed()
    if report.state == S.CHECKED:
        raise ValidationError(
            _("该年度报告已有检查结果（%(result)s），不能再办理。") % {"result": report.get_result_display()},
            code="already_checked",
        )
    raise ValidationError(
        _("该年度报告当前状态为“%(state)s”，只有已报送、待审核的报告可以审核或退回。")
        % {"state": report.get_state_display()},
        code="not_submitted",
    )


def _check_amounts(**amounts: Decimal | None) -> None:
    errors = {name: _("金额不能为负数。") for name, value in amounts.items() if value is not None and value < 0}
    if errors:
        raise ValidationError(errors)


def _check_complete(report: AnnualReport) -> None:
    """Every fact a filed report must have, with the site form's messages."""
    errors = {}
    for name in AMOUNTS:
        if getattr(report, name) is None:
            errors[name] = _("请填写金额（元），没有请填0。")
    for name in ("staff", "volunteers"):
        if getattr(report, name) is None:
            errors[name] = _("请填写人数，没有请填0。")
    if not (report.activities or "").strip():
        errors["activities"] = _("请简要填写本年度开展的主要活动。")
    if errors:
        raise ValidationError(errors)


def _facts(facts: dict) -> dict:
    unknown = set(facts) - set(FACT_FIELDS)
    if unknown:
        raise TypeError(f"not facts of an annual report: {', '.join(sorted(unknown))}")
    return facts


def _accounts_of(organization: Organization) -> list:
    accounts = OrganizationAccount.objects.filter(organization=organization).select_related("user")
    return [account.user for account in accounts]


def _open_report(*, organization: Organization, actor, year: int) -> AnnualReport | None:
    """Lock the organization (so that of two saves or submissions at once, a double click or two
    accounts, the second waits and then sees the first's report), check the actor and the year;
    the year's report, locked, if there is one."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not OrganizationAccount.objects.filter(user=actor, organization=organization).exists():
        raise PermissionDenied(_("只有该组织的账号可以报送年度报告。"))
    report = AnnualReport.objects.select_for_update().filter(organization=organization, year=year).first()
    if report is not None and not report.is_editable:
        raise _already_filed()
    if not must_report(organization, year):
        raise ValidationError(_("该组织无须报送%(year)d年度的年度报告。") % {"year": year})
    if year >= timezone.localdate().year:
        raise ValidationError({"year": _("只能报送已结束年度的年度报告。")})
    return report


def _save(report: AnnualReport) -> None:
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:
        # full_clean() checked the other constraints; only one report a year can still fail here,
        # where the database ignores row locks (SQLite) and two saves race past the check.
        raise _already_filed() from error


def _record_step(*, report: AnnualReport, actor, step: str, from_state: str, reason: str = "", **audit) -> None:
    AnnualReportEvent.objects.create(
        report=report, from_state=from_state, to_state=report.state, actor=actor, reason=reason
    )
    record(
        actor=actor,
        action=f"annual_report.{step}",
        target=report,
        reason=reason,
        organization=report.organization,
        **audit,
    )


@transaction.atomic
def save_annual_report_draft(*, organization: Organization, actor, year: int, **facts) -> AnnualReport:
    """An account of the organization saves what it has typed of its report on `year`: a new
    draft, or the draft or returned report updated (a returned one stays returned, its reason in
    view). Facts may be missing; those given must be valid (amounts not negative)."""
    facts = _facts(facts)
    report = _open_report(organization=organization, actor=actor, year=year)
    _check_amounts(income=facts.get("income"), expenditure=facts.get("expenditure"))
    created = report is None
    if created:
        report = AnnualReport(organization=organization, year=year, state=S.DRAFT, submitted_at=None)
    before = {name: getattr(report, name) for name in facts}
    for name, value in facts.items():
        setattr(report, name, value)
    _save(report)
    changed = {name: getattr(report, name) for name in facts if before[name] != getattr(report, name)}
    record(
        actor=actor,
        action="annual_report.save_draft",
        target=report,
        before=None if created else {name: before[name] for name in changed},
        after={"year": year, **changed} if created else changed,
        organization=report.organization,
    )
    return report


@transaction.atomic
def submit_annual_report(*, organization: Organization, actor, year: int, **facts) -> AnnualReport:
    """An account of the organization files its report on `year`: its draft or returned report
    with `facts` applied, or a new report made of `facts`. Every fact is required and checked;
    on a refusal nothing changes (the site saves what was typed as a draft first, so nothing
    typed is lost). The organization's accounts are told; nobody else is."""
    facts = _facts(facts)
    report = _open_report(organization=organization, actor=actor, year=year)
    _check_amounts(income=facts.get("income"), expenditure=facts.get("expenditure"))
    if report is None:
        report = AnnualReport(organization=organization, year=year, state=S.DRAFT)
    from_state = report.state
    target = _check_step(report, "submit")
    for name, value in facts.items():
        setattr(report, name, value)
    _check_complete(report)
    report.state, report.submitted_by, report.submitted_at = target, actor, timezone.now()
    _save(report)
    _record_step(
        report=report,
        actor=actor,
        step="submit",
        from_state=from_state,
        before={"state": S(from_state).label},
        after={"year": year, "state": S(target).label} | {name: getattr(report, name) for name in FACT_FIELDS},
    )
    notify(
        users=_accounts_of(report.organization),
        message=_("%(organization)s的%(year)d年度报告已报送，等待登记管理机关审核。")
        % {"organization": report.organization.name, "year": year},
    )
    return report


def _decided_report(report: AnnualReport, actor, step: str) -> tuple[AnnualReport, str, AnnualReportState]:
    """The report locked, once the actor may decide on it and `step` may leave its state."""
    report = AnnualReport.objects.select_for_update().select_related("organization").get(pk=report.pk)
    if not manageable_organizations_for_user(actor).filter(pk=report.organization_id).exists():
        raise PermissionDenied(_("您无权审核该组织的年度报告。"))
    return report, report.state, _check_step(report, step)


@transaction.atomic
def return_annual_report(*, report: AnnualReport, actor, reason: str) -> AnnualReport:
    """An officer who manages the organization returns a submitted report for correction (补正),
    saying what to correct; the organization may then edit and submit it again."""
    report, from_state, target = _decided_report(report, actor, "return")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回原因。")})
    report.state = target
    report.save(update_fields=["state", "updated_at"])
    _record_step(
        report=report,
        actor=actor,
        step="return",
        from_state=from_state,
        reason=reason,
        before={"state": S(from_state).label},
        after={"state": S(target).label},
    )
    notify(
        users=_accounts_of(report.organization),
        message=_("%(year)d年度报告被退回补正：%(reason)s 请修改后重新报送。")
        % {"year": report.year, "reason": reason},
    )
    return report


@transaction.atomic
def set_annual_report_result(*, report: AnnualReport, actor, result: str, reason: str) -> AnnualReport:
    """An officer who manages the organization sets 合格 / 基本合格 / 不合格 on a submitted report,
    with a reason."""
    report, from_state, target = _decided_report(report, actor, "result")
    if result not in AnnualReportResult.values:
        raise ValidationError({"result": _("请选择检查结果。")})
    if not (reason or "").strip():
        raise ValidationError({"result_reason": _("请填写结果说明。")})
    before = {"result": AnnualReportResult(report.result).label if report.result else None}
    report.result, report.result_reason = result, reason.strip()
    report.result_by, report.result_at = actor, timezone.now()
    report.state = target
    report.save()
    _record_step(
        report=report,
        actor=actor,
        step="result",
        from_state=from_state,
        reason=report.result_reason,
        before=before,
        after={"result": AnnualReportResult(result).label},
    )
    notify(
        users=_accounts_of(report.organization),
        message=_("%(year)d年度报告检查结果：%(result)s。%(reason)s")
        % {"year": report.year, "result": report.get_result_display(), "reason": report.result_reason},
    )
    return report
