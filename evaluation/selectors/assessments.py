"""Reads of assignments and scores, scoped to the person asking (DESIGN.md section 9).

Assessors see their own assignments only (`assignments_for_user`: their scoring sheets, which
stay readable, and read-only, once the campaign's scoring has closed). Through the registry they
see the cases assigned to them, and only while the campaign's scoring phase is open
(`cases_for_assessor`, DESIGN.md section 5): never another case of their agency, and nothing
once scoring has closed. Nobody sees an assessor's scores before the rules below allow it.
"""

import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from ..enums import AgencyRole, CaseState
from ..models import AgencyMember, Assignment, Case, Indicator, Score
from ..services.cases import is_campaign_officer

# States in which every assessor's scores are in: officers may read them all.
SCORING_COMPLETE = (CaseState.MODERATION, CaseState.MODERATED, CaseState.DECIDED, CaseState.IN_NOTICE, CaseState.FINAL)


def _agencies_where(user, role: str) -> QuerySet:
    return AgencyMember.objects.filter(user=user, role=role).values("agency")


def assignments_for_user(user) -> QuerySet[Assignment]:
    """The user's own assignments, newest case activity first: every scoring page looks the
    assignment up here, so another assessor's address answers 404."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(assessor=user)
        .select_related("case__organization", "case__campaign", "case__framework", "case__agency")
        .order_by("-case__last_action_at", "-pk")
    )


def cases_for_assessor(user, today: datetime.date | None = None) -> QuerySet[Case]:
    """The cases assigned to the user, while their campaign's scoring phase is open (until
    `scoring_closes_on`): DESIGN.md section 5. No other case of the agency, and none afterwards."""
    today = today or timezone.localdate()
    assigned = Assignment.objects.filter(assessor=user).values("case")
    return Case.objects.filter(pk__in=assigned, campaign__scoring_closes_on__gte=today)


def cases_for_agency_manager(user) -> QuerySet[Case]:
    """Cases allocated to the agencies the user manages, with their teams."""
    return (
        Case.objects.filter(agency__in=_agencies_where(user, AgencyRole.MANAGER))
        .select_related("organization", "campaign", "agency")
        .prefetch_related("assignments__assessor")
    )


def managed_assignments_for_lead(user) -> QuerySet[Assignment]:
    """Every assignment of the cases the user leads (whose scores the lead may reopen)."""
    return Assignment.objects.filter(case__in=Assignment.objects.filter(assessor=user, is_lead=True).values("case"))


def team_progress(case: Case) -> QuerySet[Assignment]:
    """The case's assignments with how many indicators each assessor has scored."""
    return case.assignments.select_related("assessor").annotate(scored=Count("scores"))


def scored_leaves(framework) -> QuerySet[Indicator]:
    """The indicators that are scored: those without children, in the framework's order."""
    return framework.indicators.filter(children__isnull=True).order_by("position", "pk")


def visible_scores(user, case: Case) -> QuerySet[Score]:
    """The scores of `case` the user may read.

    An assessor of the case (the lead included) always reads their own, and the others' only
    once their own are submitted, so no one is swayed by a colleague; campaign officers read all
    once scoring is complete.
    """
    scores = Score.objects.filter(assignment__case=case).select_related("assignment__assessor", "indicator")
    own = Assignment.objects.filter(case=case, assessor=user).first() if user.is_authenticated else None
    if own is not None:
        return scores if own.submitted_at is not None else scores.filter(assignment=own)
    if case.state in SCORING_COMPLETE and is_campaign_officer(user, case.campaign):
        return scores
    return scores.none()
