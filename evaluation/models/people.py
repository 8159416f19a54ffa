"""The people of evaluation: independent agencies with their managers and assessors, and committees."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.validators import validate_uscc

from ..enums import AgencyRole


class Agency(models.Model):
    """A third-party evaluation agency (第三方评估机构)."""

    name = models.CharField(_("名称"), max_length=200, unique=True)
    uscc = models.CharField(
        _("统一社会信用代码"),
        max_length=18,
        unique=True,
        null=True,
        validators=[validate_uscc],
        help_text=_("评估机构自身的统一社会信用代码（可为企业或社会组织）。"),
    )
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
    """An agency's manager or assessor; an assessor lists areas of expertise."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agency_roles", verbose_name=_("用户")
    )
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="members", verbose_name=_("评估机构"))
    role = models.CharField(_("角色"), max_length=32, choices=AgencyRole.choices)
    expertise = models.CharField(
        _("专业领域"), max_length=200, blank=True, help_text=_("如：财务管理、社会工作、法律，多个以顿号分隔。")
    )

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
