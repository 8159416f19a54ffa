"""Annual reports: who must report for which year, filing a report, and the officer's result."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..enums import AnnualReportResult, OrganizationKind, OrganizationStatus
from ..models import AnnualReport, Organization, OrganizationAccount
from ..selectors.organizations import manageable_organizations_for_user
from .notifications import notify

REPORTING_STATUSES = [OrganizationStatus.ACTIVE, OrganizationStatus.ABNORMAL]


def report_due_date(year: int) -> datetime.date:
    """The report on `year` is due by 31 May of the following year."""
    return datetime.date(year + 1, 5, 31)


def must_report(organization: Organization, year: int) -> bool:
    """Registered organizations report every year, except in their first year when they were
    registered less than six months before 31 December (that is, after 30 June)."""
    if organization.kind == OrganizationKind.COMMUNITY_GROUP or organization.status not in REPORTING_STATUSES:
        return False
    founded = organization.founded_on
    if founded is None or founded.year > year:
        return founded is None
    return not (founded.year == year and founded > datetime.date(year, 6, 30))


def _check_amounts(**amounts: Decimal) -> None:
    errors = {name: _("金额不能为负数。") for name, value in amounts.items() if value is not None and value < 0}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def submit_annual_report(*, organization: Organization, actor, year: int, **facts) -> AnnualReport:
    """An account of the organization files its report on `year` (once per year)."""
    if not OrganizationAccount.objects.filter(user=actor, organization=organization).exists():
        raise PermissionDenied(_("只有该组织的账号可以报送年度报告。"))
    if not must_report(organization, year):
        raise ValidationError(_("该组织无须报送%(year)d年度的年度报告。") % {"year": year})
    if year >= timezone.localdate().year:
        raise ValidationError({"year": _("只能报送已结束年度的年度报告。")})
    _check_amounts(income=facts.get("income"), expenditure=facts.get("expenditure"))
    report = AnnualReport(organization=organization, year=year, submitted_by=actor, **facts)
    report.full_clean()
    report.save()
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
    report.result, report.result_reason = result, reason.strip()
    report.result_by, report.result_at = actor, timezone.now()
    report.save()
    accounts = OrganizationAccount.objects.filter(organization=report.organization).select_related("user")
    notify(
        users=[account.user for account in accounts],
        message=_("%(year)d年度报告检查结果：%(result)s。%(reason)s")
        % {"year": report.year, "result": report.get_result_display(), "reason": report.result_reason},
    )
    return report
