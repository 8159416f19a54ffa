from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.enums import OrganizationKind

from ..enums import Aggregation, CampaignPurpose, Grade, ValidityRule


class Campaign(models.Model):
    """A yearly evaluation (one a year per registration authority), its dates and its rules.

    Each eligibility rule of DESIGN.md section 9 can be switched off and has its parameter here;
    `evaluation.services.eligibility` reads them. A campaign whose purpose is a venture review
    only scores (federation's venture-philanthropy calls): it has no committee and its cases go
    from the draft straight to the expert panel (`services.cases.VENTURE_ACTIONS`).
    """

    name = models.CharField(_("名称"), max_length=200)
    purpose = models.CharField(
        _("用途"), max_length=16, choices=CampaignPurpose.choices, default=CampaignPurpose.EVALUATION, editable=False
    )
    year = models.PositiveIntegerField(_("年度"))
    authority = models.ForeignKey(
        "registry.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("登记管理机关")
    )
    committee = models.ForeignKey(
        "evaluation.Committee",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="campaigns",
        verbose_name=_("评估委员会"),
    )
    applications_open_on = models.DateField(_("申请开始日期"))
    applications_close_on = models.DateField(_("申请截止日期"))
    scoring_closes_on = models.DateField(_("评分截止日期"))
    notice_days = models.PositiveSmallIntegerField(
        _("公示天数"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    certificate_threshold = models.CharField(
        _("颁发证书的最低等级"), max_length=2, choices=Grade.choices, default=Grade.A3
    )
    validity_rule = models.CharField(
        _("有效期规则"), max_length=16, choices=ValidityRule.choices, default=ValidityRule.CALENDAR_YEARS
    )
    aggregation = models.CharField(
        _("专家评分汇总方式"), max_length=8, choices=Aggregation.choices, default=Aggregation.MEAN
    )
    disagreement_share = models.DecimalField(
        _("分歧提示比例"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.20"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1"))],
        help_text=_("专家评分之差超过该指标分值的此比例时提示，由组长协调。"),
    )
    # Eligibility rules, each switchable with its parameter.
    check_years_registered = models.BooleanField(_("检查登记年限"), default=True)
    min_years_registered = models.PositiveSmallIntegerField(_("登记满（年）"), default=2)
    check_annual_report = models.BooleanField(_("检查上年度年度报告"), default=True)
    check_credit_lists = models.BooleanField(_("检查信用名录"), default=True)
    check_penalties = models.BooleanField(_("检查行政处罚"), default=True)
    penalty_years = models.PositiveSmallIntegerField(_("无行政处罚的年限"), default=2)
    check_grade_status = models.BooleanField(_("检查评估等级状态"), default=True)
    reapply_window_months = models.PositiveSmallIntegerField(
        _("到期前可重新申请（月）"), default=12, help_text=_("等级有效期届满前多少个月内可以重新申请评估。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评估活动")
        verbose_name_plural = _("评估活动")
        ordering = ["-year", "authority"]
        constraints = [
            # The messages are what an officer sees when a form trips over the constraint.
            models.UniqueConstraint(
                fields=["authority", "year"],
                condition=models.Q(purpose=CampaignPurpose.EVALUATION),
                name="campaign_one_per_year",
                violation_error_message=_("该登记管理机关这一年度已有评估活动，每个登记管理机关每年只能开展一次评估。"),
            ),
            models.CheckConstraint(
                condition=~models.Q(purpose=CampaignPurpose.EVALUATION) | models.Q(committee__isnull=False),
                name="campaign_evaluation_has_committee",
                violation_error_message=_("请选择评估委员会。"),
            ),
            models.CheckConstraint(
                condition=models.Q(applications_close_on__gte=models.F("applications_open_on"))
                & models.Q(scoring_closes_on__gte=models.F("applications_close_on")),
                name="campaign_dates_in_order",
                violation_error_message=_("日期顺序有误：申请开始日期 ≤ 申请截止日期 ≤ 评分截止日期。"),
            ),
        ]

    def __str__(self):
        return self.name


class CampaignFramework(models.Model):
    """Which framework a campaign uses for each kind of organization."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="frameworks")
    kind = models.CharField(_("组织类型"), max_length=32, choices=OrganizationKind.choices)
    framework = models.ForeignKey(
        "evaluation.Framework", on_delete=models.PROTECT, related_name="campaign_uses", verbose_name=_("指标体系")
    )

    class Meta:
        verbose_name = _("适用指标体系")
        verbose_name_plural = _("适用指标体系")
        constraints = [models.UniqueConstraint(fields=["campaign", "kind"], name="campaign_framework_per_kind")]

    def __str__(self):
        return f"{self.campaign} · {self.get_kind_display()} · {self.framework}"
