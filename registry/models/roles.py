from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import ROLE_LEVEL, Role, UnitLevel


class UnitRole(models.Model):
    """A staff user's role on an administrative unit (city, district, street or community).

    The level of the unit must match the role (see `ROLE_LEVEL`).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="unit_roles", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=32, choices=[(r.value, r.label) for r in Role.unit_roles()])
    unit = models.ForeignKey(
        "registry.AdministrativeUnit", on_delete=models.CASCADE, related_name="roles", verbose_name=_("单位")
    )

    class Meta:
        verbose_name = _("单位角色")
        verbose_name_plural = _("单位角色")
        constraints = [models.UniqueConstraint(fields=["user", "role", "unit"], name="unit_role_unique")]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    def clean(self):
        expected = ROLE_LEVEL.get(self.role)
        if self.unit_id and expected and self.unit.level != expected:
            raise ValidationError(
                {
                    "unit": _("%(role)s须授予在%(level)s级单位上。")
                    % {"role": Role(self.role).label, "level": UnitLevel(expected).label}
                }
            )


class OrganizationAccount(models.Model):
    """A user who acts for one organization. A user acts for at most one organization."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="organization_account",
        verbose_name=_("用户"),
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.CASCADE, related_name="accounts", verbose_name=_("组织")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织账号")
        verbose_name_plural = _("组织账号")

    def __str__(self):
        return f"{self.user} · {self.organization}"


class OrganizationClaim(models.Model):
    """A person's request to act for an existing organization, decided by an officer who manages
    it. Approval links an OrganizationAccount; the request stays as the record."""

    class State(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已同意")
        REJECTED = "rejected", _("未同意")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="organization_claims", verbose_name=_("申请人")
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.CASCADE, related_name="claims", verbose_name=_("组织")
    )
    statement = models.TextField(_("说明"), help_text=_("如：本人为该组织法定代表人或其授权的工作人员。"))
    state = models.CharField(_("状态"), max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.TextField(_("审核意见"), blank=True)

    class Meta:
        verbose_name = _("组织账号认领")
        verbose_name_plural = _("组织账号认领")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization"],
                condition=models.Q(state="pending"),
                name="organization_claim_one_pending",
                violation_error_message=_("您已提交过认领该组织的申请，正在审核中。"),
            )
        ]

    def __str__(self):
        return f"{self.user} · {self.organization}"
