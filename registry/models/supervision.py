from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import SupervisionKind, SupervisionStatus
from .files import PrivateFile


class SupervisionRecord(models.Model):
    """An observation, complaint or inspection about one organization.

    Written by `registry.services.supervision.record_supervision`; afterwards only the follow-up
    status changes, and only through `follow_up`, which leaves a `SupervisionFollowUp` row.
    `closed_at` is set exactly when the status becomes closed.
    """

    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        related_name="supervision_records",
        verbose_name=_("组织"),
    )
    kind = models.CharField(_("类型"), max_length=16, choices=SupervisionKind.choices)
    occurred_on = models.DateField(_("发生日期"))
    summary = models.CharField(_("摘要"), max_length=200)
    details = models.TextField(_("详细情况"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True, db_index=True)
    status = models.CharField(
        _("处理状态"), max_length=16, choices=SupervisionStatus.choices, default=SupervisionStatus.OPEN
    )
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("监督记录")
        verbose_name_plural = _("监督记录")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=SupervisionStatus.CLOSED, closed_at__isnull=False)
                | (~models.Q(status=SupervisionStatus.CLOSED) & models.Q(closed_at__isnull=True)),
                name="supervision_closed_at_iff_closed",
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.get_kind_display()} · {self.summary}"


class SupervisionFollowUp(models.Model):
    """One change of a record's follow-up status, with its note. Written once, never edited."""

    record = models.ForeignKey(
        SupervisionRecord, on_delete=models.CASCADE, related_name="follow_ups", verbose_name=_("监督记录")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("处理人")
    )
    from_status = models.CharField(_("原状态"), max_length=16, choices=SupervisionStatus.choices)
    to_status = models.CharField(_("新状态"), max_length=16, choices=SupervisionStatus.choices)
    note = models.TextField(_("处理意见"))
    at = models.DateTimeField(_("处理时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("处理记录")
        verbose_name_plural = _("处理记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.record_id} · {self.get_from_status_display()} → {self.get_to_status_display()}"


class SupervisionAttachment(PrivateFile):
    """A photo, scan or document recorded with a supervision record (checked by content, private)."""

    storage_folder = "supervision"

    record = models.ForeignKey(
        SupervisionRecord, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("监督记录")
    )

    class Meta(PrivateFile.Meta):
        verbose_name = _("监督附件")
        verbose_name_plural = _("监督附件")

    def __str__(self):
        return self.original_name
