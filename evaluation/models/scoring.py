from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .frameworks import POINTS


class ConflictDeclaration(models.Model):
    """An assessor's declared conflict of interest with an organization."""

    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflict_declarations"
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.CASCADE, related_name="+", verbose_name=_("组织")
    )
    reason = models.TextField(_("回避理由"))
    declared_at = models.DateTimeField(_("申报时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回避申报")
        verbose_name_plural = _("回避申报")
        constraints = [models.UniqueConstraint(fields=["assessor", "organization"], name="conflict_declared_once")]

    def __str__(self):
        return f"{self.assessor} · {self.organization}"


class Assignment(models.Model):
    """An assessor's part in a case. `submitted_at` set means the scores are locked."""

    case = models.ForeignKey("evaluation.Case", on_delete=models.CASCADE, related_name="assignments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("评估专家")
    )
    is_lead = models.BooleanField(_("组长"), default=False)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("指派时间"), auto_now_add=True)
    visit_date = models.DateField(_("实地评估日期"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评估指派")
        verbose_name_plural = _("评估指派")
        ordering = ["case", "-is_lead", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["case", "assessor"], name="assignment_once_per_case"),
            models.UniqueConstraint(fields=["case"], condition=models.Q(is_lead=True), name="assignment_one_lead"),
        ]

    def __str__(self):
        return f"{self.case} · {self.assessor}"


class Score(models.Model):
    """An assessor's points for one scored indicator: 0..max, one decimal; a comment below full marks."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="scores")
    indicator = models.ForeignKey("evaluation.Indicator", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("得分"), **POINTS)
    comment = models.TextField(_("扣分说明"), blank=True)
    evidence_links = models.TextField(_("佐证材料链接"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "indicator"], name="score_per_indicator"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="score_not_negative"),
        ]

    def __str__(self):
        return f"{self.assignment} · {self.indicator.code}: {self.points}"


class ScoreReopening(models.Model):
    """The lead's reopening of an assessor's submitted scores, with the reason. Written once."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reopenings")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("理由"))
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("重新评分记录")
        verbose_name_plural = _("重新评分记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.assignment} · {self.at:%Y-%m-%d}"


class Reconciliation(models.Model):
    """The lead's agreed points for an indicator where assessors differed too much, with a comment."""

    case = models.ForeignKey("evaluation.Case", on_delete=models.CASCADE, related_name="reconciliations")
    indicator = models.ForeignKey("evaluation.Indicator", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("协调得分"), **POINTS)
    comment = models.TextField(_("协调意见"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评分协调")
        verbose_name_plural = _("评分协调")
        constraints = [
            models.UniqueConstraint(fields=["case", "indicator"], name="reconciliation_per_indicator"),
            models.CheckConstraint(condition=models.Q(points__gte=0), name="reconciliation_not_negative"),
        ]

    def __str__(self):
        return f"{self.case} · {self.indicator_id}: {self.points}"
