"""Reads for moderation: the cases whose moderation page a user may open."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from ..enums import CaseState
from ..models import Assignment, Case
from .committee import campaigns_for_officer

MODERATION_STATES = (CaseState.MODERATION, CaseState.MODERATED)


def moderation_cases_for_user(user) -> QuerySet[Case]:
    """Cases in moderation or moderated (waiting for the committee, or for a venture call's
    funding decision) that the user leads, or that belong to a campaign the user is an officer of."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Case.objects.none()
    leads = Assignment.objects.filter(case=OuterRef("pk"), assessor=user, is_lead=True)
    return (
        Case.objects.filter(state__in=MODERATION_STATES)
        .filter(Q(Exists(leads)) | Q(campaign__in=campaigns_for_officer(user, purpose=None).values("pk")))
        .select_related("campaign", "organization", "framework")
    )


def leads_any_case(user) -> bool:
    return Assignment.objects.filter(assessor=user, is_lead=True).exists()
