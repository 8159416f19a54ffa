from django.db import models
from django.utils.translation import gettext_lazy as _

from .actions import action_label


class AuditEntryRefused(Exception):
    """An audit entry was about to be changed or deleted: the log is append-only."""


class AuditEntryQuerySet(models.QuerySet):
    """Bulk UPDATE and DELETE bypass `save()` and `delete()`: refuse them here as well."""

    def update(self, **kwargs):
        raise AuditEntryRefused(_("审计记录只能新增，不能修改。"))

    def delete(self):
        raise AuditEntryRefused(_("审计记录不能删除。"))


class AuditEntry(models.Model):
    """One decision or state change: who, when, what, why, before and after. Written once, never edited.

    The actor, the target and the organization are plain values, not foreign keys: deleting a user or
    an organization must neither touch the log nor be blocked by it, and the log stays readable after.
    The database refuses UPDATE and DELETE on the table (triggers, migration 0002); `save()` and
    `delete()` refuse too, so the mistake shows up before it reaches the database.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor_id = models.IntegerField(_("操作人编号"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True, help_text=_("空表示系统自动完成"))
    action = models.CharField(_("事项代码"), max_length=64, db_index=True)
    action_label = models.CharField(_("事项"), max_length=100)
    target_type = models.CharField(_("对象类型"), max_length=100, db_index=True)
    target_id = models.CharField(_("对象编号"), max_length=64)
    target_repr = models.CharField(_("对象"), max_length=255)
    organization_id = models.IntegerField(_("组织编号"), null=True, blank=True, db_index=True)
    organization_name = models.CharField(_("组织"), max_length=200, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self):
        return f"{self.action_label} · {self.target_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditEntryRefused(_("审计记录只能新增，不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEntryRefused(_("审计记录不能删除。"))

    def get_action_display(self) -> str:
        """The action's label in the reader's language; the stored label if the code is retired."""
        try:
            return str(action_label(self.action))
        except LookupError:
            return self.action_label

    get_action_display.short_description = _("事项")
