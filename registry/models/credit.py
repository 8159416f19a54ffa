"""Credit lists (活动异常名录, 严重违法失信名单), the listings the daily review proposes, and
administrative penalties (DESIGN.md section 6).

Rows are written only by `registry.services.credit`, which also keeps the organization's status
in step with the abnormal list.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..enums import CreditList, CreditProposalStatus, ListingCause, PenaltyKind


class CreditListing(models.Model):
    """One stay of an organization on a credit list. Current while `removed_on` is empty; an
    organization has at most one current listing per list."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="credit_listings", verbose_name=_("组织")
    )
    list = models.CharField(_("名录"), max_length=32, choices=CreditList.choices)
    cause = models.CharField(_("列入事由"), max_length=32, choices=ListingCause.choices)
    details = models.TextField(_("情况说明"), blank=True)
    listed_on = models.DateField(_("列入日期"))
    listed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作出列入决定的人员"),
        help_text=_("为空表示由系统按规定自动作出。"),
    )
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    removal_reason = models.TextField(_("移出理由"), blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("作出移出决定的人员"),
    )
    # An abnormal listing moved after two years points to the serious listing that replaced it.
    moved_to = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="moved_from",
        verbose_name=_("转入的名单记录"),
    )

    class Meta:
        verbose_name = _("信用名录记录")
        verbose_name_plural = _("信用名录记录")
        ordering = ["-listed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "list"],
                condition=Q(removed_on__isnull=True),
                name="credit_listing_one_current_per_list",
                violation_error_message=_("该组织已在此名录中，不能重复列入。"),
            ),
            models.CheckConstraint(
                name="credit_listing_removed_after_listed",
                condition=Q(removed_on__isnull=True) | Q(removed_on__gte=F("listed_on")),
                violation_error_message=_("移出日期不能早于列入日期。"),
            ),
            models.CheckConstraint(name="credit_listing_list_valid", condition=Q(list__in=CreditList.values)),
        ]
        indexes = [models.Index(fields=["list", "removed_on", "listed_on"])]

    def __str__(self):
        return f"{self.organization} · {self.get_list_display()}"

    @property
    def is_current(self) -> bool:
        return self.removed_on is None


class CreditProposal(models.Model):
    """A listing on the abnormal list proposed by the daily review (an annual report overdue past
    the grace period), for an officer who manages the organization to confirm or dismiss. Not
    public: only a confirmed proposal's listing is. At most one open proposal per organization and
    cause; a confirmed one points to the listing it became, a dismissed one carries the reason."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="credit_proposals", verbose_name=_("组织")
    )
    cause = models.CharField(_("拟列入事由"), max_length=32, choices=ListingCause.choices)
    details = models.TextField(_("情况说明"), blank=True)
    proposed_on = models.DateField(_("提出日期"))
    status = models.CharField(
        _("处理状态"), max_length=16, choices=CreditProposalStatus.choices, default=CreditProposalStatus.OPEN
    )
    decided_on = models.DateField(_("处理日期"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人员"),
    )
    decision_reason = models.TextField(_("处理意见"), blank=True)
    listing = models.OneToOneField(
        CreditListing,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="proposal",
        verbose_name=_("列入记录"),
    )

    class Meta:
        verbose_name = _("拟列入活动异常名录")
        verbose_name_plural = _("拟列入活动异常名录")
        ordering = ["-proposed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "cause"],
                condition=Q(status=CreditProposalStatus.OPEN),
                name="credit_proposal_one_open_per_cause",
                violation_error_message=_("该组织已有待处理的同一事由的拟列入建议。"),
            ),
            models.CheckConstraint(
                name="credit_proposal_status_valid", condition=Q(status__in=CreditProposalStatus.values)
            ),
            models.CheckConstraint(
                name="credit_proposal_confirmed_has_listing",
                condition=Q(status=CreditProposalStatus.CONFIRMED, listing__isnull=False)
                | (~Q(status=CreditProposalStatus.CONFIRMED) & Q(listing__isnull=True)),
            ),
            models.CheckConstraint(
                name="credit_proposal_decided_when_closed",
                condition=Q(status=CreditProposalStatus.OPEN, decided_on__isnull=True)
                | (~Q(status=CreditProposalStatus.OPEN) & Q(decided_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="credit_proposal_dismissal_has_reason",
                condition=~Q(status=CreditProposalStatus.DISMISSED) | ~Q(decision_reason=""),
                violation_error_message=_("不予列入须填写理由。"),
            ),
        ]
        indexes = [models.Index(fields=["status", "proposed_on"], name="credit_proposal_status_idx")]

    def __str__(self):
        return f"{self.organization} · {self.get_cause_display()} · {self.proposed_on.isoformat()}"


class AdministrativePenalty(models.Model):
    """An administrative penalty decided against an organization. A fine has an amount; a
    suspension of activities (限期停止活动) has its period."""

    organization = models.ForeignKey(
        "registry.Organization", on_delete=models.PROTECT, related_name="penalties", verbose_name=_("组织")
    )
    kind = models.CharField(_("处罚种类"), max_length=16, choices=PenaltyKind.choices)
    amount = models.DecimalField(_("罚款金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True)
    decided_on = models.DateField(_("决定日期"))
    decision_number = models.CharField(_("处罚决定书文号"), max_length=100)
    # Both set on a suspension, neither on another kind. The database also admits a suspension
    # without a period, as recorded before the period was kept; the services require one.
    suspended_from = models.DateField(_("停止活动起始日期"), null=True, blank=True)
    suspended_until = models.DateField(_("停止活动截止日期"), null=True, blank=True)
    reason = models.TextField(_("处罚事由"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人员"),
    )

    class Meta:
        verbose_name = _("行政处罚")
        verbose_name_plural = _("行政处罚")
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="penalty_fine_has_amount",
                condition=(
                    Q(kind=PenaltyKind.FINE, amount__gt=0) | (~Q(kind=PenaltyKind.FINE) & Q(amount__isnull=True))
                ),
                violation_error_message=_("罚款须填写大于零的金额，其他处罚不填金额。"),
            ),
            models.CheckConstraint(name="penalty_kind_valid", condition=Q(kind__in=PenaltyKind.values)),
            models.CheckConstraint(
                name="penalty_suspension_period",
                condition=(
                    Q(suspended_from__isnull=True, suspended_until__isnull=True)
                    | Q(
                        kind=PenaltyKind.SUSPENSION,
                        suspended_from__isnull=False,
                        suspended_until__isnull=False,
                        suspended_until__gte=F("suspended_from"),
                    )
                ),
                violation_error_message=_("停止活动期限只用于限期停止活动，截止日期不能早于起始日期。"),
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.get_kind_display()} · {self.decision_number}"
