from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.files import PrivateFile

from ..enums import CaseAction, CaseState, EligibilityRule, Grade
from .frameworks import POINTS


class Case(models.Model):
    """One organization's evaluation in one campaign, from its application to its final grade.

    The state changes only through `evaluation.services.cases.act_on_case`. `total` and
    `proposed_grade` are written by moderation (for a whole campaign at once), `decided_grade` by
    the committee and appeals.
    """

    campaign = models.ForeignKey(
        "evaluation.Campaign", on_delete=models.PROTECT, related_name="cases", verbose_name=_("评估活动")
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="evaluation_cases", verbose_name=_("组织")
    )
    framework = models.ForeignKey(
        "evaluation.Framework", on_delete=models.PROTECT, related_name="cases", verbose_name=_("指标体系")
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=CaseState.choices, default=CaseState.DRAFT, db_index=True
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    agency = models.ForeignKey(
        "evaluation.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("评估机构"),
    )
    self_assessment_total = models.DecimalField(_("自评总分"), **POINTS, null=True, blank=True)
    total = models.DecimalField(_("评估得分"), **POINTS, null=True, blank=True)
    proposed_grade = models.CharField(_("建议等级"), max_length=2, choices=Grade.choices, blank=True)
    decided_grade = models.CharField(_("审定等级"), max_length=2, choices=Grade.choices, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("申请时间"), null=True, blank=True)
    last_action_at = models.DateTimeField(_("最近办理时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("评估申请")
        verbose_name_plural = _("评估申请")
        ordering = ["-last_action_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "organization"], name="case_one_per_campaign"),
        ]

    def __str__(self):
        return f"{self.campaign} · {self.organization}"


class CaseEvent(models.Model):
    """One step of a case's timeline: who did what, when and why. Written once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("办理事项"), max_length=20, choices=CaseAction.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=CaseState.choices)
    to_state = models.CharField(_("新状态"), max_length=16, choices=CaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("办理人"),
        help_text=_("为空表示系统自动办理。"),
    )
    reason = models.TextField(_("理由或意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评估办理记录")
        verbose_name_plural = _("评估办理记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.actor or '系统'}"


class EligibilityCheck(models.Model):
    """The result of one eligibility rule for a case, and an officer's override of a failure."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="eligibility_checks")
    rule = models.CharField(_("条件"), max_length=20, choices=EligibilityRule.choices)
    passed = models.BooleanField(_("符合"))
    reason = models.TextField(_("说明"))
    checked_at = models.DateTimeField(_("检查时间"), auto_now=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("认定人"),
    )
    override_reason = models.TextField(_("认定理由"), blank=True)
    overridden_at = models.DateTimeField(_("认定时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("资格检查")
        verbose_name_plural = _("资格检查")
        ordering = ["case", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["case", "rule"], name="eligibility_check_per_rule"),
            models.CheckConstraint(
                condition=models.Q(overridden_by__isnull=True) | ~models.Q(override_reason=""),
                name="eligibility_override_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.case} · {self.get_rule_display()}"

    @property
    def satisfied(self) -> bool:
        return self.passed or self.overridden_by_id is not None


class SelfAssessment(models.Model):
    """The organization's own points for one scored indicator, with a note."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="self_assessments")
    indicator = models.ForeignKey("evaluation.Indicator", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("自评分"), **POINTS)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("自评")
        verbose_name_plural = _("自评")
        constraints = [
            models.UniqueConstraint(fields=["case", "indicator"], name="self_assessment_per_indicator"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="self_assessment_not_negative"),
        ]

    def __str__(self):
        return f"{self.case} · {self.indicator.code}"


class EvidenceFile(PrivateFile):
    """A document the organization files as evidence for one indicator."""

    storage_folder = "evidence"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence_files")
    indicator = models.ForeignKey(
        "evaluation.Indicator", on_delete=models.PROTECT, related_name="+", verbose_name=_("指标")
    )

    class Meta(PrivateFile.Meta):
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")

    def __str__(self):
        return self.original_name
