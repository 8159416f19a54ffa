from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..enums import SINGLE_SEAT_ROLES, CouncilRole


class CouncilSeat(models.Model):
    """A seat on a federation's council, held by a member organization (through the person it
    delegates) for a term. Ending a term sets `ended_on`; the row stays as the record."""

    federation = models.ForeignKey(
        "federation.Federation", on_delete=models.CASCADE, related_name="council_seats", verbose_name=_("联合会")
    )
    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("会员组织")
    )
    role = models.CharField(_("职务"), max_length=20, choices=CouncilRole.choices)
    person_name = models.CharField(_("担任人"), max_length=50)
    started_on = models.DateField(_("任职日期"))
    ended_on = models.DateField(_("离任日期"), null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("理事会职务")
        verbose_name_plural = _("理事会职务")
        ordering = ["federation", "role", "started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "role"],
                condition=models.Q(ended_on__isnull=True, role__in=SINGLE_SEAT_ROLES),
                name="council_one_current_president_and_secretary",
                violation_error_message=_("该职务已有在任人员，请先办理离任。"),
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(ended_on__gte=models.F("started_on")),
                name="council_seat_ends_after_it_starts",
                violation_error_message=_("离任日期不能早于任职日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.federation} · {self.get_role_display()} · {self.person_name}"


class FederationReport(models.Model):
    """A federation's yearly report to its street office: its activities and member changes.
    The street office acknowledges it with a comment."""

    federation = models.ForeignKey(
        "federation.Federation", on_delete=models.CASCADE, related_name="reports", verbose_name=_("联合会")
    )
    year = models.PositiveIntegerField(_("报告年度"))
    activities = models.TextField(_("年度工作情况"))
    member_changes = models.TextField(_("会员变动情况"), help_text=_("报送时根据会员记录生成，可补充说明。"))
    members_at_year_end = models.PositiveIntegerField(_("年末会员数"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("报送人")
    )
    submitted_at = models.DateTimeField(_("报送时间"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("街道签收人"),
    )
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    street_comment = models.TextField(_("街道意见"), blank=True)

    class Meta:
        verbose_name = _("联合会年度报告")
        verbose_name_plural = _("联合会年度报告")
        ordering = ["-year", "federation"]
        constraints = [models.UniqueConstraint(fields=["federation", "year"], name="federation_report_per_year")]

    def __str__(self):
        return f"{self.federation} · {self.year}"
