from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import Grade, GradeChangeKind, GradeStatus, ReviewCause


class OrganizationGrade(models.Model):
    """A final grade of an organization with its validity. Written when a case becomes final;
    afterwards only a downgrade or cancellation (with a `GradeChange`) alters it."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="grades", verbose_name=_("组织")
    )
    case = models.OneToOneField(
        "evaluation.Case", on_delete=models.PROTECT, related_name="final_grade", verbose_name=_("评估申请")
    )
    grade = models.CharField(_("等级"), max_length=2, choices=Grade.choices)
    framework = models.ForeignKey(
        "evaluation.Framework", on_delete=models.PROTECT, related_name="+", verbose_name=_("指标体系")
    )
    awarded_on = models.DateField(_("授予日期"))
    valid_from = models.DateField(_("有效期起"))
    valid_until = models.DateField(_("有效期至"), db_index=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=GradeStatus.choices, default=GradeStatus.VALID, db_index=True
    )

    class Meta:
        verbose_name = _("评估等级")
        verbose_name_plural = _("评估等级")
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="grade_validity_in_order"
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.grade}"


class GradeChange(models.Model):
    """A downgrade or cancellation by the district, with the reason and the return of the
    certificate and plaque (due within 15 days)."""

    grade = models.ForeignKey(OrganizationGrade, on_delete=models.PROTECT, related_name="changes")
    kind = models.CharField(_("类型"), max_length=16, choices=GradeChangeKind.choices)
    from_grade = models.CharField(_("原等级"), max_length=2, choices=Grade.choices)
    to_grade = models.CharField(_("新等级"), max_length=2, choices=Grade.choices, blank=True)
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_on = models.DateField(_("决定日期"))
    return_due_on = models.DateField(_("证书牌匾交回期限"))
    certificate_returned_on = models.DateField(_("证书交回日期"), null=True, blank=True)
    plaque_returned_on = models.DateField(_("牌匾交回日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("等级变更")
        verbose_name_plural = _("等级变更")
        ordering = ["-decided_on", "-pk"]

    def __str__(self):
        return f"{self.grade} · {self.get_kind_display()}"


class GradeReviewFlag(models.Model):
    """A reason to review a valid grade, raised from registry data (annual reports, penalties,
    credit listings) by `evaluation.services.grades.flag_grades_for_review`."""

    grade = models.ForeignKey(OrganizationGrade, on_delete=models.CASCADE, related_name="review_flags")
    cause = models.CharField(_("原因"), max_length=24, choices=ReviewCause.choices)
    source_key = models.CharField(
        _("来源"), max_length=64, help_text=_("引起复查的记录，如 penalty:12，同一记录只提示一次。")
    )
    details = models.TextField(_("说明"), blank=True)
    raised_on = models.DateField(_("提示日期"))
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolution = models.TextField(_("处理意见"), blank=True)

    class Meta:
        verbose_name = _("等级复查提示")
        verbose_name_plural = _("等级复查提示")
        ordering = ["-raised_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["grade", "source_key"], name="review_flag_once_per_source"),
        ]

    def __str__(self):
        return f"{self.grade} · {self.get_cause_display()}"
