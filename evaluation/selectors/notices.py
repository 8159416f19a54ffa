"""Reads of notices, appeals and complaints: what the public sees of a notice, and which appeals
each role may read (the back-office queue and the attachments' download use the same scope)."""

import datetime

from django.db.models import Q, QuerySet

from registry.models import OrganizationAccount

from ..enums import AppealKind, AppealState, CaseState, grade_rank
from ..models import Appeal, AppealAttachment, Case, Notice
from .committee import committee_campaigns_for_user

PUBLISHED_STATES = (CaseState.IN_NOTICE, CaseState.FINAL)


# --- The public notice -------------------------------------------------------------------------------


def public_notices(today: datetime.date) -> QuerySet[Notice]:
    """Notices that have begun (a notice published ahead of its start stays hidden until then)."""
    return Notice.objects.filter(starts_on__lte=today).select_related("campaign").order_by("-starts_on", "-pk")


def published_grades(notice: Notice) -> list[Case]:
    """The graded cases of a notice, best grade first, then by name; cases decided without a
    grade are not listed."""
    published = (
        Case.objects.filter(campaign_id=notice.campaign_id, state__in=PUBLISHED_STATES)
        .exclude(decided_grade="")
        .select_related("organization")
        .order_by("organization__name", "pk")
    )
    return sorted(published, key=lambda case: -grade_rank(case.decided_grade))


def decided_appeals(notice: Notice) -> QuerySet[Appeal]:
    """Decided appeals and complaints of a notice, whose outcomes are public. Who complained and
    what they wrote are not part of it."""
    return (
        Appeal.objects.filter(case__campaign_id=notice.campaign_id)
        .exclude(state=AppealState.OPEN)
        .select_related("case__organization")
        .order_by("decided_at", "pk")
    )


def cases_open_to_complaints(notice: Notice) -> QuerySet[Case]:
    """The listed (graded) cases of a notice that are not final yet."""
    return (
        Case.objects.filter(campaign_id=notice.campaign_id, state=CaseState.IN_NOTICE)
        .exclude(decided_grade="")
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


# --- Appeals by role ---------------------------------------------------------------------------------


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def appeals_for_user(user) -> QuerySet[Appeal]:
    """The campaign's officers and its committee's members read every appeal and complaint of
    it; an organization's accounts read their own organization's appeals (never the complaints
    about it); active superusers all."""
    if not _active(user):
        return Appeal.objects.none()
    own = OrganizationAccount.objects.filter(user=user).values("organization")
    return Appeal.objects.select_related("case__organization", "case__campaign", "lodged_by").filter(
        Q(case__campaign__in=committee_campaigns_for_user(user).values("pk"))
        | Q(kind=AppealKind.APPEAL, case__organization__in=own)
    )


def appeal_attachments_for_user(user) -> QuerySet[AppealAttachment]:
    return AppealAttachment.objects.filter(appeal__in=appeals_for_user(user))
