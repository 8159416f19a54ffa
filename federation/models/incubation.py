from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.enums import UnitLevel

from ..enums import IncubationServiceKind, IncubationStage


class SupportCentre(models.Model):
    """A street's support centre for community organizations (社区社会组织服务中心), which incubates
    groups not yet filed or registered."""

    street = models.OneToOneField(
        "registry.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="support_centre",
        limit_choices_to={"level": UnitLevel.STREET},
        verbose_name=_("街道"),
    )
    name = models.CharField(_("名称"), max_length=200, unique=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    opened_on = models.DateField(_("启用日期"), null=True, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("社会组织服务中心")
        verbose_name_plural = _("社会组织服务中心")
        ordering = ["street__code"]

    def __str__(self):
        return self.name


class Incubation(models.Model):
    """A group incubated by a support centre, from its application to graduation or withdrawal.
    The group is not an organization yet: its facts are kept here and carried into the filing or
    registration it goes on to (`application`). The stage changes only through
    `federation.incubation.move_incubation`."""

    centre = models.ForeignKey(SupportCentre, on_delete=models.PROTECT, related_name="incubations")
    group_name = models.CharField(_("团队名称"), max_length=200)
    community = models.ForeignKey(
        "registry.AdministrativeUnit",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": UnitLevel.COMMUNITY},
        verbose_name=_("所在社区"),
    )
    contact_person = models.CharField(_("负责人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    activities = models.TextField(_("主要活动"))
    stage = models.CharField(
        _("阶段"), max_length=16, choices=IncubationStage.choices, default=IncubationStage.APPLIED, db_index=True
    )
    mentor = models.CharField(_("导师"), max_length=100, blank=True)
    started_on = models.DateField(_("入驻日期"), null=True, blank=True)
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    stage_note = models.TextField(_("最近办理说明"), blank=True)
    application = models.OneToOneField(
        "registry.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incubation",
        verbose_name=_("出壳后的备案或登记申请"),
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("孵化记录")
        verbose_name_plural = _("孵化记录")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | (models.Q(started_on__isnull=False) & models.Q(ended_on__gte=models.F("started_on"))),
                name="incubation_ends_after_it_starts",
            ),
        ]

    def __str__(self):
        return f"{self.centre} · {self.group_name}"


class IncubationService(models.Model):
    """A service the centre gave an incubated group: space, training or project coaching."""

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("服务类型"), max_length=16, choices=IncubationServiceKind.choices)
    provided_on = models.DateField(_("服务日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("孵化服务")
        verbose_name_plural = _("孵化服务")
        ordering = ["provided_on", "pk"]

    def __str__(self):
        return f"{self.incubation} · {self.get_kind_display()}"


class IncubationEvent(models.Model):
    """One step of an incubation's history: its entry (no `from_stage`) and each stage move, with
    who made it, when and why. Written once, by `federation.incubation`."""

    incubation = models.ForeignKey(Incubation, on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(_("原阶段"), max_length=16, choices=IncubationStage.choices, blank=True)
    to_stage = models.CharField(_("新阶段"), max_length=16, choices=IncubationStage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("办理人")
    )
    note = models.TextField(_("说明"), blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("孵化办理记录")
        verbose_name_plural = _("孵化办理记录")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.incubation} · {self.get_to_stage_display()}"
