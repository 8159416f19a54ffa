"""The people of evaluation: independent agencies with their assessors, and committees.
Frameworks, campaigns and scores come with the evaluation issue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import AgencyRole


class Agency(models.Model):
    """A third-party evaluation agency (第三方评估机构)."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("对应的社会组织"),
        help_text=_("评估机构本身是登记的社会组织时填写，用于回避检查。"),
    )
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("评估机构")
        verbose_name_plural = _("评估机构")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AgencyMember(models.Model):
    """An agency's manager or assessor."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_roles", verbose_name=_("用户")
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="members", verbose_name=_("评估机构"))
    role = models.CharField(_("角色"), max_length=32, choices=AgencyRole.choices)

    class Meta:
        verbose_name = _("评估机构人员")
        verbose_name_plural = _("评估机构人员")
        constraints = [models.UniqueConstraint(fields=["user", "agency", "role"], name="agency_member_unique")]

    def __str__(self):
        return f"{self.user} · {self.agency} · {self.get_role_display()}"


class Committee(models.Model):
    """An evaluation committee (评估委员会) of a registration authority."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    authority = models.ForeignKey(
        "registry.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="committees",
        verbose_name=_("登记管理机关"),
    )

    class Meta:
        verbose_name = _("评估委员会")
        verbose_name_plural = _("评估委员会")

    def __str__(self):
        return self.name


class CommitteeMember(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="committee_roles", verbose_name=_("用户")
    )
    committee = models.ForeignKey(
        Committee, on_delete=models.CASCADE, related_name="members", verbose_name=_("评估委员会")
    )

    class Meta:
        verbose_name = _("评估委员会委员")
        verbose_name_plural = _("评估委员会委员")
        constraints = [models.UniqueConstraint(fields=["user", "committee"], name="committee_member_unique")]

    def __str__(self):
        return f"{self.user} · {self.committee}"
