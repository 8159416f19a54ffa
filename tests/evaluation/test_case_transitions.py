"""Every allowed and every refused transition of a case's state machine (`TRANSITIONS`), by
each party: the organization's account, a campaign officer, the agency manager, the lead
assessor, a committee member, another organization's account and an officer of another
district. Allowed steps are set up to be ready (each phase's precondition met) and go through
`act_on_case` with nothing patched."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evaluation.enums import CampaignPurpose, CaseAction, CaseState, EligibilityRule, Grade
from evaluation.models import Assignment, CaseDecision, CaseEvent, EligibilityCheck, Meeting, Notice, OrganizationGrade
from evaluation.services.applying import save_self_assessment
from evaluation.services.cases import TRANSITIONS, VENTURE_ACTIONS, Party, act_on_case
from registry.enums import Role, UnitLevel
from registry.services.roles import link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org

A, S = CaseAction, CaseState

# Which of the people below each party of the state machine is.
PARTY_MEMBERS = {
    Party.APPLICANT: {"applicant"},
    Party.OFFICER: {"officer"},
    Party.AGENCY_MANAGER: {"agency_manager"},
    Party.LEAD: {"lead"},
    Party.COMMITTEE: {"committee_member", "officer"},  # an officer may record for the committee
    Party.SYSTEM: {"officer"},  # the daily job has no actor; an officer may run it
}


@pytest.fixture
def people(evaluation, tree, make_officer) -> dict:
    other = create_org(street=tree.badaguan, name="八大关志愿者协会")
    other_account = UserFactory(username="other_account")
    link_organization_account(user=other_account, organization=other)
    shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    return {
        "applicant": evaluation.account,
        "officer": evaluation.officer,
        "agency_manager": evaluation.manager,
        "lead": evaluation.assessors[0],
        "committee_member": evaluation.members[0].user,
        "other_account": other_account,
        "other_district_officer": make_officer(Role.DISTRICT_OFFICER, shibei),
    }


def team(case, evaluation, *, submitted=False):
    """The lead (assessor 0) and assessor 1 on the case."""
    submitted_at = timezone.now() if submitted else None
    for n, assessor in enumerate(evaluation.assessors[:2]):
        Assignment.objects.create(
            case=case, assessor=assessor, is_lead=n == 0, assigned_by=evaluation.manager, submitted_at=submitted_at
        )


def for_action(evaluation, action):
    """Opening a review belongs to venture reviews only: the campaign becomes one for it."""
    if action == A.OPEN_REVIEW:
        evaluation.campaign.purpose = CampaignPurpose.VENTURE
        evaluation.campaign.save()


def assert_moved(case, action, actor, to_state, reason=""):
    event = CaseEvent.objects.get(case=case)
    assert (event.action, event.actor, event.to_state, event.reason) == (action, actor, to_state, reason)
    case.refresh_from_db()
    assert case.state == to_state


# --- Refused: the wrong party --------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS), ids=lambda value: str(value))
def test_every_transition_is_refused_to_every_other_party(evaluation, make_case, people, state, action):
    for_action(evaluation, action)
    # Every party exists for this case: it is allocated and has a lead.
    case = make_case(state=state, agency=evaluation.agency)
    team(case, evaluation)
    allowed = PARTY_MEMBERS[TRANSITIONS[(state, action)].party]
    for name, user in people.items():
        if name in allowed:
            continue
        with pytest.raises(PermissionDenied):
            act_on_case(case=case, action=action, actor=user, reason="理由", extra={"agency": evaluation.agency})
    case.refresh_from_db()
    assert case.state == state and not case.events.exists()


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS), ids=lambda value: str(value))
def test_a_deactivated_party_is_refused(evaluation, make_case, people, state, action):
    for_action(evaluation, action)
    case = make_case(state=state, agency=evaluation.agency)
    team(case, evaluation)
    for name in PARTY_MEMBERS[TRANSITIONS[(state, action)].party]:
        user = people[name]
        user.is_active = False
        user.save()
        user.refresh_from_db()
        with pytest.raises(PermissionDenied):
            act_on_case(case=case, action=action, actor=user, reason="理由", extra={"agency": evaluation.agency})


@pytest.mark.parametrize("state", S.values)
def test_every_action_not_in_the_table_is_refused_from_each_state(evaluation, make_case, state):
    """Even a superuser (every party at once) cannot take a step the table does not allow."""
    superuser = UserFactory(username="root", is_superuser=True)
    case = make_case(state=state, agency=evaluation.agency)
    refused = [action for action in A.values if (state, action) not in TRANSITIONS]
    assert refused
    for action in refused:
        with pytest.raises(ValidationError) as error:
            act_on_case(case=case, action=action, actor=superuser, reason="理由", extra={"agency": evaluation.agency})
        assert f"不能“{A(action).label}”" in error.value.messages[0]
    case.refresh_from_db()
    assert case.state == state and not case.events.exists()


def test_the_final_states_allow_nothing():
    for state in (S.INELIGIBLE, S.WITHDRAWN, S.CLOSED, S.FINAL):
        assert not [action for (from_state, action) in TRANSITIONS if from_state == state]


# --- Allowed: each step by its party, when ready -------------------------------------------------------


def test_applicant_submits_a_complete_draft(evaluation, make_case):
    case = make_case()
    leaves = evaluation.framework.indicators.filter(children__isnull=True)
    save_self_assessment(case=case, actor=evaluation.account, entries={leaf.pk: ("10", "") for leaf in leaves})
    act_on_case(case=case, action=A.SUBMIT, actor=evaluation.account)
    assert_moved(case, A.SUBMIT, evaluation.account, S.APPLIED)
    assert case.submitted_at is not None and case.eligibility_checks.count() == len(EligibilityRule.values)


def test_applicant_cannot_submit_an_incomplete_draft(evaluation, make_case):
    case = make_case()
    with pytest.raises(ValidationError):
        act_on_case(case=case, action=A.SUBMIT, actor=evaluation.account)
    case.refresh_from_db()
    assert case.state == S.DRAFT and not case.events.exists()


# Until the committee has decided, the organization may withdraw and the officer may close.
BEFORE_DECISION = [S.DRAFT, S.APPLIED, S.ELIGIBLE, S.ALLOCATED, S.SCORING, S.MODERATION, S.MODERATED]


@pytest.mark.parametrize("state", BEFORE_DECISION)
def test_applicant_withdraws(evaluation, make_case, state):
    case = make_case(state=state)
    act_on_case(case=case, action=A.WITHDRAW, actor=evaluation.account)
    assert_moved(case, A.WITHDRAW, evaluation.account, S.WITHDRAWN)


@pytest.mark.parametrize("state", BEFORE_DECISION)
def test_officer_closes_with_a_reason_only(evaluation, make_case, state):
    case = make_case(state=state)
    with pytest.raises(ValidationError) as error:
        act_on_case(case=case, action=A.CLOSE, actor=evaluation.officer, reason=" ")
    assert error.value.message_dict == {"reason": ["请填写理由或意见。"]}
    act_on_case(case=case, action=A.CLOSE, actor=evaluation.officer, reason="该组织已注销")
    assert_moved(case, A.CLOSE, evaluation.officer, S.CLOSED, "该组织已注销")


@pytest.mark.parametrize("state", [S.DECIDED, S.IN_NOTICE, S.FINAL, S.INELIGIBLE, S.WITHDRAWN, S.CLOSED])
def test_a_decided_or_ended_case_can_be_neither_withdrawn_nor_closed(evaluation, make_case, state):
    assert not {(state, A.WITHDRAW), (state, A.CLOSE)} & set(TRANSITIONS)


def test_officer_confirms_an_applicant_whose_checks_are_satisfied(evaluation, make_case):
    case = make_case(state=S.APPLIED)
    for rule in EligibilityRule.values:
        EligibilityCheck.objects.create(case=case, rule=rule, passed=True, reason="符合")
    act_on_case(case=case, action=A.CONFIRM_ELIGIBLE, actor=evaluation.officer)
    assert_moved(case, A.CONFIRM_ELIGIBLE, evaluation.officer, S.ELIGIBLE)


def test_officer_cannot_confirm_while_a_check_fails(evaluation, make_case):
    case = make_case(state=S.APPLIED)
    for rule in EligibilityRule.values:
        EligibilityCheck.objects.create(case=case, rule=rule, passed=rule != EligibilityRule.PENALTIES, reason="—")
    with pytest.raises(ValidationError) as error:
        act_on_case(case=case, action=A.CONFIRM_ELIGIBLE, actor=evaluation.officer)
    assert "规定年限内无行政处罚" in error.value.messages[0]


def test_officer_refuses_with_a_reason_only(evaluation, make_case):
    case = make_case(state=S.APPLIED)
    with pytest.raises(ValidationError) as error:
        act_on_case(case=case, action=A.REFUSE, actor=evaluation.officer, reason="  ")
    assert error.value.message_dict == {"reason": ["请填写理由或意见。"]}
    act_on_case(case=case, action=A.REFUSE, actor=evaluation.officer, reason="2025年度报告不合格")
    assert_moved(case, A.REFUSE, evaluation.officer, S.INELIGIBLE, "2025年度报告不合格")


def test_officer_allocates_to_an_agency(evaluation, make_case):
    case = make_case(state=S.ELIGIBLE)
    with pytest.raises(ValidationError) as error:
        act_on_case(case=case, action=A.ALLOCATE, actor=evaluation.officer, extra={"agency": None})
    assert error.value.message_dict == {"agency": ["请选择评估机构。"]}
    act_on_case(case=case, action=A.ALLOCATE, actor=evaluation.officer, extra={"agency": evaluation.agency})
    assert_moved(case, A.ALLOCATE, evaluation.officer, S.ALLOCATED)
    assert case.agency == evaluation.agency


def test_officer_opens_a_venture_review_for_the_panel(evaluation, make_case):
    for_action(evaluation, A.OPEN_REVIEW)
    case = make_case(state=S.DRAFT)
    with pytest.raises(ValidationError) as error:
        act_on_case(case=case, action=A.OPEN_REVIEW, actor=evaluation.officer, extra={"agency": None})
    assert error.value.message_dict == {"agency": ["请选择评估机构。"]}
    act_on_case(case=case, action=A.OPEN_REVIEW, actor=evaluation.officer, extra={"agency": evaluation.agency})
    assert_moved(case, A.OPEN_REVIEW, evaluation.officer, S.ALLOCATED)
    assert case.agency == evaluation.agency and case.submitted_at is not None


@pytest.mark.parametrize("action", [A.SUBMIT, A.OPEN_REVIEW])
def test_each_purpose_refuses_the_other_purposes_steps(evaluation, make_case, action):
    """A venture review never submits an application; an evaluation never skips to the panel."""
    if action == A.SUBMIT:
        for_action(evaluation, A.OPEN_REVIEW)
    case = make_case(state=S.DRAFT)
    actor = evaluation.account if action == A.SUBMIT else evaluation.officer
    with pytest.raises(ValidationError, match="不能"):
        act_on_case(case=case, action=action, actor=actor, extra={"agency": evaluation.agency})
    case.refresh_from_db()
    assert case.state == S.DRAFT and not case.events.exists()
    assert (action in VENTURE_ACTIONS) == (action == A.OPEN_REVIEW)


def test_agency_manager_assigns_a_team(evaluation, make_case):
    case = make_case(state=S.ALLOCATED, agency=evaluation.agency)
    team(case, evaluation)
    act_on_case(case=case, action=A.ASSIGN, actor=evaluation.manager)
    assert_moved(case, A.ASSIGN, evaluation.manager, S.SCORING)


def test_lead_completes_scoring_once_every_assessor_submitted(evaluation, make_case):
    case = make_case(state=S.SCORING, agency=evaluation.agency)
    team(case, evaluation, submitted=True)
    act_on_case(case=case, action=A.COMPLETE_SCORING, actor=evaluation.assessors[0])
    assert_moved(case, A.COMPLETE_SCORING, evaluation.assessors[0], S.MODERATION)


def test_lead_reopens_scoring_with_a_reason_only(evaluation, make_case):
    case = make_case(state=S.MODERATION, agency=evaluation.agency)
    team(case, evaluation, submitted=True)
    with pytest.raises(ValidationError):
        act_on_case(case=case, action=A.REOPEN, actor=evaluation.assessors[0])
    act_on_case(case=case, action=A.REOPEN, actor=evaluation.assessors[0], reason="财务管理评分需复核")
    assert_moved(case, A.REOPEN, evaluation.assessors[0], S.SCORING, "财务管理评分需复核")


def test_lead_finishes_moderation(evaluation, make_case):
    case = make_case(state=S.MODERATION, agency=evaluation.agency)
    team(case, evaluation, submitted=True)
    act_on_case(case=case, action=A.MODERATE, actor=evaluation.assessors[0])
    assert_moved(case, A.MODERATE, evaluation.assessors[0], S.MODERATED)


@pytest.mark.parametrize("who", ["committee_member", "officer"])
def test_the_committee_decides_a_case_it_has_voted_on(evaluation, make_case, people, who):
    case = make_case(state=S.MODERATED, agency=evaluation.agency, decided_grade=Grade.A4)
    meeting = Meeting.objects.create(
        campaign=evaluation.campaign,
        held_on=datetime.date(2026, 11, 1),
        members_total=3,
        recorded_by=evaluation.officer,
    )
    CaseDecision.objects.create(case=case, meeting=meeting, grade=Grade.A4, passed=True)
    act_on_case(case=case, action=A.DECIDE, actor=people[who])
    assert_moved(case, A.DECIDE, people[who], S.DECIDED)


def test_officer_publishes_a_decided_case_once_the_notice_exists(evaluation, make_case):
    case = make_case(state=S.DECIDED, agency=evaluation.agency, decided_grade=Grade.A4)
    Notice.objects.create(
        campaign=evaluation.campaign,
        starts_on=datetime.date(2026, 11, 10),
        ends_on=datetime.date(2026, 11, 16),
        published_by=evaluation.officer,
    )
    act_on_case(case=case, action=A.PUBLISH, actor=evaluation.officer)
    assert_moved(case, A.PUBLISH, evaluation.officer, S.IN_NOTICE)


@pytest.mark.parametrize("who", [None, "officer"])
def test_the_system_finalizes_after_the_notice_and_awards_the_grade(evaluation, make_case, people, who):
    case = make_case(state=S.IN_NOTICE, agency=evaluation.agency, decided_grade=Grade.A4, total=Decimal("85.0"))
    Notice.objects.create(
        campaign=evaluation.campaign,
        starts_on=datetime.date(2026, 11, 10),
        ends_on=datetime.date(2026, 11, 16),
        published_by=evaluation.officer,
    )
    actor = people[who] if who else None
    act_on_case(case=case, action=A.FINALIZE, actor=actor, extra={"today": datetime.date(2026, 11, 17)})
    assert_moved(case, A.FINALIZE, actor, S.FINAL)
    grade = OrganizationGrade.objects.get(case=case)
    assert (grade.grade, grade.valid_from, grade.valid_until) == (
        Grade.A4,
        datetime.date(2027, 1, 1),
        datetime.date(2031, 12, 31),
    )


def test_every_allowed_transition_has_a_test_above():
    """A new row in TRANSITIONS must come with its allowed-step test here."""
    tested = {
        (S.DRAFT, A.SUBMIT),
        (S.DRAFT, A.WITHDRAW),
        (S.APPLIED, A.WITHDRAW),
        (S.APPLIED, A.CONFIRM_ELIGIBLE),
        (S.APPLIED, A.REFUSE),
        (S.ELIGIBLE, A.ALLOCATE),
        (S.DRAFT, A.OPEN_REVIEW),
        (S.ALLOCATED, A.ASSIGN),
        (S.SCORING, A.COMPLETE_SCORING),
        (S.MODERATION, A.REOPEN),
        (S.MODERATION, A.MODERATE),
        (S.MODERATED, A.DECIDE),
        (S.DECIDED, A.PUBLISH),
        (S.IN_NOTICE, A.FINALIZE),
        *((state, A.WITHDRAW) for state in BEFORE_DECISION),
        *((state, A.CLOSE) for state in BEFORE_DECISION),
    }
    assert set(TRANSITIONS) == tested
