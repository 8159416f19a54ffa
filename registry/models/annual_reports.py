from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..enums import AnnualReportResult, AnnualReportState

# The facts an organization reports; a draft may lack any of them, a filed report has them all.
REPORTED_NUMBERS = ["income", "expenditure", "net_assets", "staff", "volunteers"]


class AnnualReportQuerySet(models.QuerySet):
    def filed(self):
        """Reports that count as filed: submitted or checked (not a draft, not returned)."""
        return self.filter(state__in=AnnualReportState.filed())


class AnnualReport(models.Model):
    """An organization's report on one year, due by 31 May of the next; the officer's result
    (合格 / 基本合格 / 不合格) is public per year. Written by `registry.services.annual_reports`:
    draft → submitted → checked, or submitted → returned (补正) → submitted again.

    A report made outside those services (a paper report entered by the bureau, generated data)
    is filed: hence the default state. The result is set exactly when the state is checked; the
    reported facts may be missing only while the organization still edits the report."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.CASCADE, related_name="annual_reports", verbose_name=_("组织")
    )
    year = models.PositiveIntegerField(_("报告年度"))
    state = models.CharField(
        _("状态"),
        max_length=16,
        choices=AnnualReportState.choices,
        default=AnnualReportState.SUBMITTED,
        db_index=True,
    )
    income = models.DecimalField(_("本年收入（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    expenditure = models.DecimalField(_("本年支出（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    net_assets = models.DecimalField(_("年末净资产（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    staff = models.PositiveIntegerField(_("专职工作人员"), null=True, blank=True)
    volunteers = models.PositiveIntegerField(_("志愿者"), null=True, blank=True)
    activities = models.TextField(_("主要活动"), blank=True)
    reportable_events = models.TextField(_("须报告的重大事项"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("报送人"),
        help_text=_("为空表示线下报送的纸质报告。"),
    )
    # The latest submission; empty while the report is a draft.
    submitted_at = models.DateTimeField(_("报送时间"), null=True, blank=True, default=timezone.now)
    updated_at = models.DateTimeField(_("最近保存时间"), auto_now=True)
    result = models.CharField(_("检查结果"), max_length=16, choices=AnnualReportResult.choices, blank=True)
    result_reason = models.TextField(_("结果说明"), blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    result_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    objects = AnnualReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("年度报告")
        verbose_name_plural = _("年度报告")
        ordering = ["-year", "organization__name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="annual_report_one_per_year"),
            models.CheckConstraint(
                name="annual_report_amounts_not_negative",
                condition=models.Q(income__gte=0, expenditure__gte=0),
            ),
            models.CheckConstraint(
                name="annual_report_checked_has_result",
                condition=~models.Q(state=AnnualReportState.CHECKED) | ~models.Q(result=""),
            ),
            models.CheckConstraint(
                name="annual_report_unfiled_has_no_result",
                condition=~models.Q(state__in=AnnualReportState.editable()) | models.Q(result=""),
            ),
            models.CheckConstraint(
                name="annual_report_filed_is_complete",
                condition=models.Q(state__in=AnnualReportState.editable())
                | models.Q(**{f"{name}__isnull": False for name in REPORTED_NUMBERS}),
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.year}"

    @property
    def is_filed(self) -> bool:
        return self.state in AnnualReportState.filed()

    @property
    def is_editable(self) -> bool:
        return self.state in AnnualReportState.editable()


class AnnualReportEvent(models.Model):
    """One step of an annual report's timeline: submitted, returned for correction, checked; who,
    when and why. Written once, by the service that took the step."""

    report = models.ForeignKey(
        AnnualReport, on_delete=models.CASCADE, related_name="events", verbose_name=_("年度报告")
    )
    from_state = models.CharField(_("原状态"), max_length=16, choices=AnnualReportState.choices)
    to_state = models.CharField(_("新状态"), max_length=16, choices=AnnualReportState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
    )
    reason = models.TextField(_("理由或意见"), blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("年度报告办理记录")
        verbose_name_plural = _("年度报告办理记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.report} · {self.get_to_state_display()}"
