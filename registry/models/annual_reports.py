from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import AnnualReportResult


class AnnualReport(models.Model):
    """An organization's report on one year, due by 31 May of the next; the officer's result
    (合格 / 基本合格 / 不合格) is public per year. Written by `registry.services.annual_reports`."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.CASCADE, related_name="annual_reports", verbose_name=_("组织")
    )
    year = models.PositiveIntegerField(_("报告年度"))
    income = models.DecimalField(_("本年收入（元）"), max_digits=14, decimal_places=2)
    expenditure = models.DecimalField(_("本年支出（元）"), max_digits=14, decimal_places=2)
    net_assets = models.DecimalField(_("年末净资产（元）"), max_digits=14, decimal_places=2)
    staff = models.PositiveIntegerField(_("专职工作人员"))
    volunteers = models.PositiveIntegerField(_("志愿者"))
    activities = models.TextField(_("主要活动"))
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
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
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
        ]

    def __str__(self):
        return f"{self.organization} · {self.year}"
