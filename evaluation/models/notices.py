from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.files import PrivateFile

from ..enums import AppealKind, AppealState, Grade


class Notice(models.Model):
    """The public notice (公示) of a campaign's decided grades, from `starts_on` to `ends_on`."""

    campaign = models.OneToOneField(
        "evaluation.Campaign", on_delete=models.PROTECT, related_name="notice", verbose_name=_("评估活动")
    )
    starts_on = models.DateField(_("公示开始日期"))
    ends_on = models.DateField(_("公示结束日期"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("评估结果公示")
        verbose_name_plural = _("评估结果公示")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="notice_dates_in_order")
        ]

    def __str__(self):
        return f"{self.campaign} · {self.starts_on}—{self.ends_on}"


class Appeal(models.Model):
    """A written appeal by the organization (from its area) or a complaint by anyone, lodged
    during the notice and decided by the committee; the outcome is published."""

    case = models.ForeignKey("evaluation.Case", on_delete=models.PROTECT, related_name="appeals")
    kind = models.CharField(_("类型"), max_length=16, choices=AppealKind.choices)
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complainant_name = models.CharField(_("投诉人"), max_length=100, blank=True)
    complainant_contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    text = models.TextField(_("理由"))
    lodged_at = models.DateTimeField(_("提出时间"), auto_now_add=True)
    state = models.CharField(_("处理状态"), max_length=16, choices=AppealState.choices, default=AppealState.OPEN)
    outcome = models.TextField(_("处理结果"), blank=True)
    grade_after = models.CharField(
        _("复核后等级"), max_length=2, choices=Grade.choices, blank=True, help_text=_("成立且改变等级时填写。")
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("复核与投诉")
        verbose_name_plural = _("复核与投诉")
        ordering = ["-lodged_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state=AppealState.OPEN, decided_at__isnull=True)
                | (~models.Q(state=AppealState.OPEN) & models.Q(decided_at__isnull=False) & ~models.Q(outcome="")),
                name="appeal_decided_with_outcome",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.case}"


class AppealAttachment(PrivateFile):
    storage_folder = "appeals"

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")

    class Meta(PrivateFile.Meta):
        verbose_name = _("复核附件")
        verbose_name_plural = _("复核附件")

    def __str__(self):
        return self.original_name
