"""Annual reports: filing a report, and the officer's result. Who must report and by when is read in
`registry.selectors.annual_reports`; its rules stay importable from here for existing callers."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from ..enums import AnnualReportResult
from ..models import AnnualReport, Organization, OrganizationAccount
from ..selectors.annual_reports import REPORTING_STATUSES as REPORTING_STATUSES
from ..selectors.annual_reports import must_report
from ..selectors.annual_reports import report_due_date as report_due_date
from ..selectors.organizations import manageable_organizations_for_user
from .notifications import notify


def _already_filed() -> ValidationError:
    return ValidationError(_("该年度的年度报告已经报送。"), code="already_filed")


def _check_amounts(**amounts: Decimal) -> None:
    errors = {name: _("金额不能为负数。") for name, value in amounts.items() if value is not None and value < 0}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def submit_annual_report(*, organization: Organization, actor, year: int, **facts) -> AnnualReport:
    """An account of the organization files its report on `year` (once per year). The
    organization's row is locked first, so that of two submissions at once (a double click, two
    accounts) the second waits and is refused with a message rather than an error page."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if not OrganizationAccount.objects.filter(user=actor, organization=organization).exists():
        raise PermissionDenied(_("只有该组织的账号可以报送年度报告。"))
    if AnnualReport.objects.filter(organization=organization, year=year).exists():
        raise _already_filed()
    if not must_report(organization, year):
        raise ValidationError(_("该组织无须报送%(year)d年度的年度报告。") % {"year": year})
    if year >= timezone.localdate().year:
        raise ValidationError({"year": _("只能报送已结束年度的年度报告。")})
    _check_amounts(income=facts.get("income"), expenditure=facts.get("expenditure"))
    report = AnnualReport(organization=organization, year=year, submitted_by=actor, **facts)
    report.full_clean()
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError as error:
        # full_clean() checked the other constraints; only one report a year can still fail here,
        # where the database ignores row locks (SQLite) and two submissions race past the check.
        raise _already_filed() from error
    record(
        actor=actor,
        action="annual_report.submit",
        target=report,
        after={"year": year} | {name: getattr(report, name) for name in facts},
        organization=organization,
    )
    return report


@transaction.atomic
def set_annual_report_result(*, report: AnnualReport, actor, result: str, reason: str) -> AnnualReport:
    """An officer who manages the organization sets 合格 / 基本合格 / 不合格, with a reason."""
    report = AnnualReport.objects.select_for_update().select_related("organization").get(pk=report.pk)
    if not manageable_organizations_for_user(actor).filter(pk=report.organization_id).exists():
        raise PermissionDenied(_("您无权审核该组织的年度报告。"))
    if result not in AnnualReportResult.values:
        raise ValidationError({"result": _("请选择检查结果。")})
    if not (reason or "").strip():
        raise ValidationError({"result_reason": _("请填写结果说明。")})
    before = {"result": AnnualReportResult(report.result).label if report.result else None}
    report.result, report.result_reason = result, reason.strip()
    report.result_by, report.result_at = actor, timezone.now()
    report.save()
    record(
        actor=actor,
        action="annual_report.result",
        target=report,
        reason=report.result_reason,
        before=before,
        after={"result": AnnualReportResult(result).label},
        organization=report.organization,
    )
    accounts = OrganizationAccount.objects.filter(organization=report.organization).select_related("user")
    notify(
        users=[account.user for account in accounts],
        message=_("%(year)d年度报告检查结果：%(result)s。%(reason)s")
        % {"year": report.year, "result": report.get_result_display(), "reason": report.result_reason},
    )
    return report
