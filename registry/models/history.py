from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationChange(models.Model):
    """One changed field of an organization's registered facts. Written once, never edited."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.CASCADE, related_name="changes", verbose_name=_("组织")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("变更人"),
    )
    changed_at = models.DateTimeField(_("变更时间"), auto_now_add=True, db_index=True)
    field = models.CharField(_("字段"), max_length=64)
    old_value = models.TextField(_("原值"), blank=True)
    new_value = models.TextField(_("新值"), blank=True)
    is_public = models.BooleanField(_("公开"), default=True)
    source = models.CharField(_("来源"), max_length=64, blank=True, help_text=_("如：后台编辑、表格导入"))

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"{self.organization} · {self.field}"

    @property
    def field_label(self) -> str:
        """The changed field's name as people read it."""
        organization_model = self._meta.get_field("organization").related_model
        return str(organization_model._meta.get_field(self.field).verbose_name)
