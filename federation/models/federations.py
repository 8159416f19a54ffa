from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.enums import UnitLevel


class Federation(models.Model):
    """A street's federation of community social organizations (街道社区社会组织联合会).
    At most one per street; a street may have none yet."""

    street = models.OneToOneField(
        "registry.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="federation",
        limit_choices_to={"level": UnitLevel.STREET},
        verbose_name=_("街道"),
    )
    name = models.CharField(_("名称"), max_length=200, unique=True)
    founded_on = models.DateField(_("成立日期"), null=True, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("联合会")
        verbose_name_plural = _("联合会")
        ordering = ["street__code"]

    def __str__(self):
        return self.name


class FederationStaff(models.Model):
    """A user who works for a federation (the federation staff role)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="federation_roles", verbose_name=_("用户")
    )
    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="staff", verbose_name=_("联合会"))

    class Meta:
        verbose_name = _("联合会工作人员")
        verbose_name_plural = _("联合会工作人员")
        constraints = [models.UniqueConstraint(fields=["user", "federation"], name="federation_staff_unique")]

    def __str__(self):
        return f"{self.user} · {self.federation}"


class Membership(models.Model):
    """An organization's membership of its street's federation. Leaving sets `left_on`; the row
    stays as the record of the membership."""

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("联合会")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.CASCADE,
        related_name="federation_memberships",
        verbose_name=_("会员组织"),
    )
    joined_on = models.DateField(_("入会日期"))
    left_on = models.DateField(_("退会日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("会员")
        verbose_name_plural = _("会员")
        ordering = ["federation", "joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "organization"],
                condition=models.Q(left_on__isnull=True),
                name="federation_membership_one_current",
                violation_error_message=_("该组织已是本联合会的会员。"),
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True) | models.Q(left_on__gte=models.F("joined_on")),
                name="federation_membership_left_after_joined",
                violation_error_message=_("退会日期不能早于入会日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.federation}"
