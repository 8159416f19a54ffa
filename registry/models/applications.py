from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import ApplicationAction, ApplicationKind, ApplicationState, MaterialKind
from .fields import PartlyEncryptedJSONField
from .files import PrivateFile
from .organizations import PERSONAL_FIELDS


class Application(models.Model):
    """An online filing: registration, community-group filing, change or deregistration.

    `proposed` holds the facts as the applicant entered them (a snapshot, so later changes to
    forms never alter what was filed); its personal data is encrypted at rest. The state changes
    only through `registry.services.applications.act_on_application`.
    """

    kind = models.CharField(_("申请类型"), max_length=32, choices=ApplicationKind.choices)
    state = models.CharField(
        _("状态"), max_length=16, choices=ApplicationState.choices, default=ApplicationState.DRAFT, db_index=True
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications", verbose_name=_("申请人")
    )
    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("组织"),
        help_text=_("变更、注销申请的组织；成立登记和备案在批准后关联新组织。"),
    )
    street = models.ForeignKey(
        "registry.AdministrativeUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("街道")
    )
    proposed = PartlyEncryptedJSONField(_("申请事项"), default=dict, blank=True, encrypted_keys=PERSONAL_FIELDS)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    # Set only while the application is returned for correction (补正): the day by which the
    # applicant should correct and resubmit it; any other step clears it (see act_on_application).
    correct_by = models.DateField(_("补正期限"), null=True, blank=True, db_index=True)
    last_action_at = models.DateTimeField(_("最近办理时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("申请")
        verbose_name_plural = _("申请")
        ordering = ["-last_action_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="application_change_names_organization",
                condition=~models.Q(kind__in=[ApplicationKind.CHANGE, ApplicationKind.DEREGISTRATION])
                | models.Q(organization__isnull=False),
            ),
            models.CheckConstraint(
                name="application_correct_by_only_when_returned",
                condition=models.Q(correct_by__isnull=True) | models.Q(state=ApplicationState.RETURNED),
            ),
        ]

    def __str__(self):
        name = self.organization.name if self.organization_id else self.proposed.get("name", "")
        return f"{self.get_kind_display()} · {name}"


class ApplicationEvent(models.Model):
    """One step of an application's timeline: who did what, when and why. Written once."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("办理事项"), max_length=16, choices=ApplicationAction.choices)
    from_state = models.CharField(_("原状态"), max_length=16, choices=ApplicationState.choices)
    to_state = models.CharField(_("新状态"), max_length=16, choices=ApplicationState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人")
    )
    reason = models.TextField(_("理由或意见"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.get_action_display()} · {self.actor}"


class Notification(models.Model):
    """An in-app message to a user; e-mail goes out for each through a background task."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("用户")
    )
    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("申请")
    )
    message = models.TextField(_("内容"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.message[:50]


class Material(PrivateFile):
    """A document filed with an application, checked by content and stored privately."""

    storage_folder = "materials"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("材料类型"), max_length=32, choices=MaterialKind.choices)

    class Meta(PrivateFile.Meta):
        verbose_name = _("申请材料")
        verbose_name_plural = _("申请材料")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"
