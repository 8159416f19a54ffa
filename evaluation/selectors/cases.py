"""Reads of evaluation cases, scoped by role: the one answer to "which cases may this user see",
used by every list, page, action and download of cases and their evidence."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from registry.access import held_roles
from registry.enums import Role, UnitLevel
from registry.models import Organization, OrganizationAccount

from ..enums import AgencyRole, CampaignPurpose, CaseAction, CaseState, EligibilityRule
from ..models import (
    AgencyMember,
    Assignment,
    Campaign,
    Case,
    CommitteeMember,
    EligibilityCheck,
    EvidenceFile,
    Indicator,
    Notice,
    SelfAssessment,
)

OFFICER_ROLES = (Role.DISTRICT_OFFICER, Role.CITY_OFFICER)
# The committee sees a case once moderation has produced its total and proposed grade.
COMMITTEE_STATES = (CaseState.MODERATED, CaseState.DECIDED, CaseState.IN_NOTICE, CaseState.FINAL)
# The officers' queue: cases waiting for someone; ineligible, withdrawn, closed and final ones are done.
CLOSED_STATES = (CaseState.INELIGIBLE, CaseState.WITHDRAWN, CaseState.CLOSED, CaseState.FINAL)
# The steps of its case whose reasons the organization reads: its own, the officers' answers to
# its application, and the public notice. The agency's and the committee's steps (allocate,
# assign, complete scoring, reopen, moderate, decide) are shown bare: their reasons are internal
# deliberation, such as a lead's remark on an assessor's scores.
APPLICANT_REASONED_STEPS = (
    CaseAction.SUBMIT,
    CaseAction.WITHDRAW,
    CaseAction.CONFIRM_ELIGIBLE,
    CaseAction.REFUSE,
    CaseAction.PUBLISH,
    CaseAction.FINALIZE,
    CaseAction.CLOSE,
)


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


# Back-office roles that may have cases in their scope (the others have none to list).
CASE_ROLES = (*OFFICER_ROLES, Role.AGENCY_MANAGER, Role.ASSESSOR, Role.COMMITTEE_MEMBER)


def may_see_cases(user) -> bool:
    """Does the user hold a role through which cases can be in scope (for the back-office menu)?"""
    if not _active(user):
        return False
    return user.is_superuser or any(held.role in CASE_ROLES for held in held_roles(user))


def officer_condition(user, authority_path_field: str) -> Q:
    """Campaigns whose authority is at or below a unit where the user is a district or city
    officer: `evaluation.services.cases.is_campaign_officer` as a query condition."""
    condition = Q(pk__in=[])
    for held in held_roles(user):
        if held.role in OFFICER_ROLES and held.unit is not None:
            condition |= Q(**{f"{authority_path_field}__startswith": held.unit.path})
    return condition


def _own_organizations(user) -> QuerySet:
    return OrganizationAccount.objects.filter(user=user).values("organization")


def cases_for_user(user) -> QuerySet[Case]:
    """Organization accounts see their organization's cases; district and city officers the cases
    of campaigns of their unit or below; agency managers the cases allocated to their agency;
    assessors the cases they are assigned to; committee members their committee's cases from
    moderation on; active superusers all."""
    if not _active(user):
        return Case.objects.none()
    cases = Case.objects.select_related("campaign", "organization", "framework", "agency")
    if user.is_superuser:
        return cases
    managed_agencies = AgencyMember.objects.filter(user=user, role=AgencyRole.MANAGER).values("agency")
    committees = CommitteeMember.objects.filter(user=user).values("committee")
    condition = (
        Q(organization__in=_own_organizations(user))
        | officer_condition(user, "campaign__authority__path")
        | Q(agency__in=managed_agencies)
        | Q(pk__in=Assignment.objects.filter(assessor=user).values("case"))
        | Q(campaign__committee__in=committees, state__in=COMMITTEE_STATES)
    )
    return cases.filter(condition)


def eligibility_results(case: Case) -> list[EligibilityCheck]:
    """The case's eligibility checks in the order the rules are listed (DESIGN.md section 9)."""
    order = list(EligibilityRule.values)
    return sorted(case.eligibility_checks.select_related("overridden_by"), key=lambda check: order.index(check.rule))


def open_cases_for_user(user) -> QuerySet[Case]:
    """The queue: cases still in progress, the longest-waiting first."""
    return cases_for_user(user).exclude(state__in=CLOSED_STATES).order_by("last_action_at", "pk")


def own_cases(user) -> QuerySet[Case]:
    """The evaluation cases of the organization the user acts for (the site's area), newest first;
    its venture projects' reviews are read through the projects."""
    if not _active(user):
        return Case.objects.none()
    return (
        Case.objects.filter(organization__in=_own_organizations(user), campaign__purpose=CampaignPurpose.EVALUATION)
        .select_related("campaign", "organization", "framework")
        .order_by("-created_at", "-pk")
    )


def campaigns_covering(organization: Organization) -> Q:
    """The campaigns an organization applies to: those of its registration authority; for a
    filed group (which has none), those of the district its street belongs to."""
    if organization.registration_authority_id is not None:
        return Q(authority_id=organization.registration_authority_id)
    path, step = organization.street.path, organization.street.steplen
    ancestors = [path[:end] for end in range(step, len(path), step)]
    return Q(authority__path__in=ancestors, authority__level=UnitLevel.DISTRICT)


def open_campaigns_for_organization(organization: Organization, today: datetime.date) -> QuerySet[Campaign]:
    """Evaluation campaigns the organization may apply to on `today`: applications open, a
    framework for its kind, and no case of it yet."""
    return (
        Campaign.objects.filter(
            campaigns_covering(organization),
            purpose=CampaignPurpose.EVALUATION,
            applications_open_on__lte=today,
            applications_close_on__gte=today,
            frameworks__kind=organization.kind,
        )
        .exclude(cases__organization=organization)
        .select_related("authority")
        .order_by("applications_close_on", "pk")
    )


def evidence_files_for_user(user) -> QuerySet[EvidenceFile]:
    """Evidence is read by the organization's accounts, the campaign's officers, and the case's
    assessors while they are assigned to it."""
    if not _active(user):
        return EvidenceFile.objects.none()
    files = EvidenceFile.objects.select_related("indicator")
    if user.is_superuser:
        return files
    return files.filter(
        Q(case__organization__in=_own_organizations(user))
        | officer_condition(user, "case__campaign__authority__path")
        | Q(case__in=Assignment.objects.filter(assessor=user).values("case"))
    )


@dataclass
class SheetRow:
    """One indicator of a case's self-assessment sheet: a heading with the points self-assessed
    below it, or a scored leaf with the organization's entry and evidence."""

    indicator: Indicator
    name: str  # as the organization's kind calls it
    is_leaf: bool
    entry: SelfAssessment | None = None
    evidence: list[EvidenceFile] = field(default_factory=list)
    subtotal: Decimal = Decimal(0)


def self_assessment_sheet(case: Case, evidence: QuerySet[EvidenceFile]) -> list[SheetRow]:
    """The case's framework in order, with the organization's points and notes on its leaves,
    their sums on the headings and, from `evidence` (the files the reader may open), the
    documents filed for each leaf. Three queries."""
    indicators = list(case.framework.indicators.order_by("position", "pk"))
    parent_of = {indicator.pk: indicator.parent_id for indicator in indicators}
    entries = {entry.indicator_id: entry for entry in case.self_assessments.all()}
    files = defaultdict(list)
    for evidence_file in evidence.filter(case=case).order_by("uploaded_at", "pk"):
        files[evidence_file.indicator_id].append(evidence_file)
    subtotals = defaultdict(Decimal)
    for indicator_id, entry in entries.items():
        ancestor = parent_of.get(indicator_id)
        while ancestor is not None:
            subtotals[ancestor] += entry.points
            ancestor = parent_of.get(ancestor)
    parents = set(parent_of.values())
    kind = case.organization.kind
    return [
        SheetRow(
            indicator=indicator,
            name=indicator.name_for(kind),
            is_leaf=indicator.pk not in parents,
            entry=entries.get(indicator.pk),
            evidence=files[indicator.pk],
            subtotal=subtotals[indicator.pk],
        )
        for indicator in indicators
    ]


@dataclass(frozen=True)
class TimelineStep:
    """One step of a case's timeline as its organization reads it (no actor; a reason or "")."""

    at: datetime.datetime
    action: str
    state: str
    reason: str


def timeline_for_applicant(case: Case) -> list[TimelineStep]:
    """The case's steps in order, with the reasons of `APPLICANT_REASONED_STEPS` only."""
    return [
        TimelineStep(
            at=event.at,
            action=event.get_action_display(),
            state=event.get_to_state_display(),
            reason=event.reason if event.action in APPLICANT_REASONED_STEPS else "",
        )
        for event in case.events.all()
    ]


def grade_shown_to_applicant(case: Case, today: datetime.date) -> bool:
    """The committee's grade (and the appeal against it) is the organization's from the first day
    of the public notice, when everyone sees it; a notice published ahead of its start moves the
    cases into it at once, so the state alone says too early. A final grade has been public."""
    if case.state == CaseState.FINAL:
        return True
    if case.state != CaseState.IN_NOTICE:
        return False
    return Notice.objects.filter(campaign_id=case.campaign_id, starts_on__lte=today).exists()
