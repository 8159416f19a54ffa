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
