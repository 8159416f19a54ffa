"""Reads for the committee and moderation back office: the campaigns a user works on, and
their meetings. `campaigns_for_officer` is `services.cases.is_campaign_officer` as a query;
`committee_campaigns_for_user` is what `services.committee.may_act_for_committee` asks."""

from django.db.models import Count, Q, QuerySet

from ..enums import CampaignPurpose, Vote
from ..models import Campaign, CaseDecision, Meeting
from .cases import officer_condition


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def campaigns_for_officer(user, purpose: str | None = CampaignPurpose.EVALUATION) -> QuerySet[Campaign]:
    """Campaigns of `purpose` (by default evaluations, which have a committee; None: any)
    whose authority is at or below the unit of one of the user's district or city roles; every
    one for an active superuser."""
    if not _active(user):
        return Campaign.objects.none()
    campaigns = Campaign.objects.all() if purpose is None else Campaign.objects.filter(purpose=purpose)
    if user.is_superuser:
        return campaigns
    return campaigns.filter(officer_condition(user, "authority__path"))


def committee_campaigns_for_user(user) -> QuerySet[Campaign]:
    """Campaigns the user may act on for the committee: as their officer or as a member."""
    if not _active(user):
        return Campaign.objects.none()
    return Campaign.objects.filter(
        Q(pk__in=campaigns_for_officer(user).values("pk"))
        | Q(pk__in=Campaign.objects.filter(committee__members__user=user).values("pk"))
    )


def meetings_for_user(user) -> QuerySet[Meeting]:
    return Meeting.objects.filter(campaign__in=committee_campaigns_for_user(user).values("pk")).select_related(
        "campaign"
    )


def decisions_with_counts() -> QuerySet[CaseDecision]:
    """Decisions with their `yes`, `no` and `abstain` vote counts."""
    return CaseDecision.objects.annotate(
        yes=Count("votes", filter=Q(votes__vote=Vote.YES)),
        no=Count("votes", filter=Q(votes__vote=Vote.NO)),
        abstain=Count("votes", filter=Q(votes__vote=Vote.ABSTAIN)),
    ).order_by("at", "pk")
