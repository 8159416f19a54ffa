"""An evaluation case's state machine (DESIGN.md section 9): the one writer of `Case.state`.

`act_on_case` checks that the action is allowed from the current state, that the actor is the
party who takes it, and that the case is ready for it (each phase's own module says what
"ready" means); then it records the step in the timeline and applies the step's effects.
The phase modules (`applying`, `eligibility`, `assignment`, `scoring`, `moderation`,
`committee`, `notices`, `grades`) do their own writes and call `cases.act_on_case` to move on.

Until the committee has decided, a case may leave the process: the organization withdraws it, or
the campaign's officer closes it (终止评估) with a reason; either way it is left out of the notice
and never graded, and the people working on it are told.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record
from registry.access import held_roles
from registry.enums import Role
from registry.models import OrganizationAccount
from registry.services.notifications import notify

from ..enums import AgencyRole, CampaignPurpose, CaseAction, CaseState
from ..models import AgencyMember, Assignment, Case, CaseEvent, CommitteeMember

A, S = CaseAction, CaseState


class Party:
    """Who may take an action."""

    APPLICANT = "applicant"  # an account of the organization
    OFFICER = "officer"  # a district or city officer over the campaign's authority
    AGENCY_MANAGER = "agency_manager"  # a manager of the agency the case is allocated to
    LEAD = "lead"  # the case's lead assessor
    COMMITTEE = "committee"  # a member of the campaign's committee, or an officer recording for it
    SYSTEM = "system"  # the daily job (no actor), or an officer


@dataclass(frozen=True)
class Transition:
    to_state: str
    party: str
    needs_reason: bool


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, A.SUBMIT): Transition(S.APPLIED, Party.APPLICANT, False),
    (S.APPLIED, A.CONFIRM_ELIGIBLE): Transition(S.ELIGIBLE, Party.OFFICER, False),
    (S.APPLIED, A.REFUSE): Transition(S.INELIGIBLE, Party.OFFICER, True),
    (S.ELIGIBLE, A.ALLOCATE): Transition(S.ALLOCATED, Party.OFFICER, False),
    (S.DRAFT, A.OPEN_REVIEW): Transition(S.ALLOCATED, Party.OFFICER, False),
    (S.ALLOCATED, A.ASSIGN): Transition(S.SCORING, Party.AGENCY_MANAGER, False),
    (S.SCORING, A.COMPLETE_SCORING): Transition(S.MODERATION, Party.LEAD, False),
    (S.MODERATION, A.REOPEN): Transition(S.SCORING, Party.LEAD, True),
    (S.MODERATION, A.MODERATE): Transition(S.MODERATED, Party.LEAD, False),
    (S.MODERATED, A.DECIDE): Transition(S.DECIDED, Party.COMMITTEE, False),
    (S.DECIDED, A.PUBLISH): Transition(S.IN_NOTICE, Party.OFFICER, False),
    (S.IN_NOTICE, A.FINALIZE): Transition(S.FINAL, Party.SYSTEM, False),
    # Leaving the process before the committee has decided. The organization may withdraw its
    # case; the campaign's officer may close it (终止评估) with a reason, so that a case stuck on
    # the way (its organization deregistered, its agency never assigning a team) does not hold up
    # the campaign's notice (`notices.publish_notice` waits for every UNDECIDED_STATES case).
    (S.DRAFT, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.APPLIED, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.ELIGIBLE, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.ALLOCATED, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.SCORING, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.MODERATION, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.MODERATED, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.DRAFT, A.CLOSE): Transition(S.CLOSED, Party.OFFICER, True),
    (S.APPLIED, A.CLOSE): Transition(S.CLOSED, Party.OFFICER, True),
    (S.ELIGIBLE, A.CLOSE): Transition(S.CLOSED, Party.OFFICER, True),
    (S.ALLOCATED, A.CLOSE): Transition(S.CLOSED, Party.OFFICER, True),
    (S.SCORING, A.CLOSE): Transition(S.CLOSED, Party.OFFICER, True),
    (S.MODERATION, A.CLOSE): Transition(S.CLOSED, Party.OFFICER, True),
    (S.MODERATED, A.CLOSE): Transition(S.CLOSED, Party.OFFICER, True),
}

# Cases on their way to the committee's decision: a campaign has one notice, published once none
# of its cases is in one of these states.
UNDECIDED_STATES = (S.APPLIED, S.ELIGIBLE, S.ALLOCATED, S.SCORING, S.MODERATION, S.MODERATED)


# A venture review's case is opened by the call's officer straight for the expert panel, is scored
# and moderated, and ends there: the funding decision belongs to the federation app. An
# evaluation's case never skips its application and eligibility review.
VENTURE_ACTIONS = frozenset({A.OPEN_REVIEW, A.WITHDRAW, A.ASSIGN, A.COMPLETE_SCORING, A.REOPEN, A.MODERATE})


def _belongs_to_purpose(case: Case, action: str) -> bool:
    if case.campaign.purpose != CampaignPurpose.VENTURE:
        return action != A.OPEN_REVIEW
    if action == A.WITHDRAW:
        # A project is withdrawn through its call (`federation.venture.withdraw_project`), only
        # before the panel has it.
        return case.state == S.DRAFT
    return action in VENTURE_ACTIONS


def is_campaign_officer(user, campaign) -> bool:
    """A district or city officer whose unit is the campaign's authority or above it."""
    if user is None:
        return False
    if user.is_superuser and user.is_active:
        return True
    authority_path = campaign.authority.path
    return any(
        held.role in (Role.DISTRICT_OFFICER, Role.CITY_OFFICER)
        and held.unit is not None
        and authority_path.startswith(held.unit.path)
        for held in held_roles(user)
    )


def is_party(user, case: Case, party: str) -> bool:
    if party == Party.SYSTEM:
        return user is None or is_campaign_officer(user, case.campaign)
    if user is None or not user.is_active:
        return False
    if party == Party.APPLICANT:
        return OrganizationAccount.objects.filter(user=user, organization_id=case.organization_id).exists()
    if party == Party.OFFICER:
        return is_campaign_officer(user, case.campaign)
    if party == Party.AGENCY_MANAGER:
        return case.agency_id is not None and (
            AgencyMember.objects.filter(user=user, agency_id=case.agency_id, role=AgencyRole.MANAGER).exists()
        )
    if party == Party.LEAD:
        return Assignment.objects.filter(case=case, assessor=user, is_lead=True).exists()
    if party == Party.COMMITTEE:
        return is_campaign_officer(user, case.campaign) or (
            CommitteeMember.objects.filter(user=user, committee_id=case.campaign.committee_id).exists()
        )
    raise ValueError(party)


def allowed_actions(user, case: Case) -> list[str]:
    """The actions `user` may take on `case` now (for buttons and queues)."""
    return [
        action
        for (state, action), transition in TRANSITIONS.items()
        if state == case.state and _belongs_to_purpose(case, action) and is_party(user, case, transition.party)
    ]


def _check_ready(case: Case, action: str, extra: dict[str, Any]) -> None:
    """Each phase's own precondition, raising ValidationError with the reason."""
    # Imported here: the phase modules import this one to call `act_on_case`.
    from . import applying, assignment, committee, eligibility, moderation, notices, scoring

    if action == A.SUBMIT:
        applying.check_ready_to_submit(case, today=extra.get("today") or timezone.localdate())
    elif action == A.CONFIRM_ELIGIBLE:
        eligibility.check_all_satisfied(case)
    elif action in (A.ALLOCATE, A.OPEN_REVIEW):
        if extra.get("agency") is None:
            raise ValidationError({"agency": _("请选择评估机构。")})
        assignment.check_agency_may_take(case, extra["agency"])
    elif action == A.ASSIGN:
        assignment.check_team(case)
    elif action == A.COMPLETE_SCORING:
        scoring.check_all_submitted(case)
    elif action == A.MODERATE:
        moderation.check_reconciled(case)
    elif action == A.DECIDE:
        committee.check_decided(case)
    elif action == A.PUBLISH:
        notices.check_published(case)
    elif action == A.FINALIZE:
        notices.check_may_finalize(case, today=extra.get("today") or timezone.localdate())


def _apply_effects(case: Case, action: str, extra: dict[str, Any], actor, reason: str) -> None:
    from . import eligibility, grades

    if action == A.SUBMIT:
        case.submitted_at = timezone.now()
        case.save(update_fields=["submitted_at"])
        eligibility.run_checks(case)
    elif action == A.ALLOCATE:
        case.agency = extra["agency"]
        case.save(update_fields=["agency"])
    elif action == A.OPEN_REVIEW:
        case.agency = extra["agency"]
        case.submitted_at = timezone.now()
        case.save(update_fields=["agency", "submitted_at"])
    elif action == A.FINALIZE:
        grades.award_grade(case, on=grades.award_date(case))
    elif action in (A.WITHDRAW, A.CLOSE):
        _notify_stopped(case, action, actor, reason)


def _notify_stopped(case: Case, action: str, actor, reason: str) -> None:
    """Tell the people working on a case that it has left the process: once allocated, the
    agency's managers and the case's assessors; when an officer closed it, the organization's
    accounts too (never the actor). Stored and e-mailed in the bureau's language, whatever the
    request's. A venture project's organization hears from its call (federation) instead."""
    if case.campaign.purpose == CampaignPurpose.VENTURE:
        return
    users = set()
    if action == A.CLOSE:
        users |= {
            account.user
            for account in OrganizationAccount.objects.filter(
                organization_id=case.organization_id, user__is_active=True
            ).select_related("user")
        }
    if case.agency_id is not None:
        users |= {
            member.user
            for member in AgencyMember.objects.filter(
                agency_id=case.agency_id, role=AgencyRole.MANAGER, user__is_active=True
            ).select_related("user")
        }
    users |= {
        assignment.assessor
        for assignment in case.assignments.select_related("assessor")
        if assignment.assessor.is_active
    }
    users.discard(actor)
    if not users:
        return
    facts = {"campaign": case.campaign.name, "organization": case.organization.name}
    with translation.override(settings.LANGUAGE_CODE):
        if action == A.CLOSE:
            message = (
                _("“%(campaign)s”中%(organization)s的评估申请已由登记管理机关终止评估，不再参加评估和等级评定。")
                % facts
            )
            message += _("理由：%(reason)s") % {"reason": reason}
        else:
            message = _("“%(campaign)s”中%(organization)s的评估申请已由该组织撤回，不再参加评估和等级评定。") % facts
            if reason:
                message += _("说明：%(reason)s") % {"reason": reason}
    notify(users=sorted(users, key=lambda user: user.pk), message=message)


@transaction.atomic
def act_on_case(*, case: Case, action: str, actor, reason: str = "", extra: dict[str, Any] | None = None) -> Case:
    """Take `action` on `case` as `actor` (None: the daily job); the only writer of case states."""
    extra = extra or {}
    case = Case.objects.select_for_update().select_related("campaign__authority").get(pk=case.pk)
    transition = TRANSITIONS.get((case.state, action))
    if transition is None or not _belongs_to_purpose(case, action):
        raise ValidationError(
            _("评估申请当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": case.get_state_display(), "action": CaseAction(action).label}
        )
    if not is_party(actor, case, transition.party):
        raise PermissionDenied(_("您无权对该评估申请办理“%(action)s”。") % {"action": CaseAction(action).label})
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationError({"reason": _("请填写理由或意见。")})
    _check_ready(case, action, extra)
    CaseEvent.objects.create(
        case=case, action=action, from_state=case.state, to_state=transition.to_state, actor=actor, reason=reason
    )
    record(
        actor=actor,
        action=f"case.{action}",
        target=case,
        reason=reason,
        before={"state": CaseState(case.state).label},
        after={"state": CaseState(transition.to_state).label},
        organization=case.organization,
    )
    case.state = transition.to_state
    case.last_action_at = timezone.now()
    case.save(update_fields=["state", "last_action_at"])
    _apply_effects(case, action, extra, actor, reason)
    return case
