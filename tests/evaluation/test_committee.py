"""The committee: meetings decide only with two thirds of ALL members present, and a grade passes
with yes votes from more than half of ALL members; every vote is stored."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluation.enums import AppealKind, CaseAction, CaseState, Grade, Vote
from evaluation.models import Appeal, CaseDecision, CaseVote, Committee, CommitteeMember
from evaluation.services.committee import check_decided, has_quorum, record_decision, record_meeting
from evaluation.services.people import add_committee_member
from registry.enums import Role
from tests.factories import UserFactory

HELD_ON = datetime.date(2026, 11, 20)


@pytest.fixture
def nine_members(evaluation):
    """The fixture's committee grown to nine members."""
    for n in range(3, 9):
        add_committee_member(user=UserFactory(username=f"member{n}"), committee=evaluation.committee)
    return list(CommitteeMember.objects.filter(committee=evaluation.committee).order_by("pk"))


def meet(evaluation, attendees, actor=None):
    return record_meeting(
        campaign=evaluation.campaign, held_on=HELD_ON, attendees=attendees, actor=actor or evaluation.officer
    )


def test_two_of_three_present_is_a_quorum_and_one_is_not(evaluation):
    assert has_quorum(meet(evaluation, evaluation.members[:2]))
    assert not has_quorum(meet(evaluation, evaluation.members[:1]))


def test_with_nine_members_six_present_is_a_quorum_and_five_is_not(evaluation, nine_members):
    six = meet(evaluation, nine_members[:6])
    assert (six.members_total, six.attendees.count()) == (9, 6)
    assert has_quorum(six)
    assert not has_quorum(meet(evaluation, nine_members[:5]))


def test_members_total_is_the_committee_size_when_the_meeting_is_recorded(evaluation):
    meeting = meet(evaluation, evaluation.members[:2])
    add_committee_member(user=UserFactory(username="member_later"), committee=evaluation.committee)
    meeting.refresh_from_db()
    assert meeting.members_total == 3
    assert meet(evaluation, evaluation.members[:2]).members_total == 4


def test_a_meeting_without_quorum_cannot_decide(evaluation, make_case):
    case = make_case(state=CaseState.MODERATED, proposed_grade=Grade.A4)
    meeting = meet(evaluation, evaluation.members[:1])
    with pytest.raises(ValidationError, match="三分之二"):
        record_decision(
            meeting=meeting,
            case=case,
            grade=Grade.A4,
            votes={evaluation.members[0]: Vote.YES},
            actor=evaluation.officer,
        )
    assert not CaseDecision.objects.exists()


def test_passing_with_two_of_three_moves_the_case_to_decided(evaluation, make_case):
    case = make_case(state=CaseState.MODERATED, proposed_grade=Grade.A4)
    first, second, _absent = evaluation.members
    meeting = meet(evaluation, [first, second])
    decision = record_decision(
        meeting=meeting, case=case, grade=Grade.A4, votes={first: Vote.YES, second: Vote.YES}, actor=first.user
    )
    case.refresh_from_db()
    assert decision.passed
    assert (case.state, case.decided_grade) == (CaseState.DECIDED, Grade.A4)
    assert case.events.get().action == CaseAction.DECIDE
    assert {(v.member, v.vote) for v in decision.votes.all()} == {(first, Vote.YES), (second, Vote.YES)}
    check_decided(case)


def test_majority_is_of_all_members_not_of_those_present(evaluation, nine_members, make_case):
    case = make_case(state=CaseState.MODERATED, proposed_grade=Grade.A3)
    meeting = meet(evaluation, nine_members[:6])
    # Four yes of six present is a majority of those present, but not of the nine members.
    votes = {member: Vote.YES for member in nine_members[:4]} | {
        nine_members[4]: Vote.NO,
        nine_members[5]: Vote.ABSTAIN,
    }
    failed = record_decision(meeting=meeting, case=case, grade=Grade.A3, votes=votes, actor=evaluation.officer)
    case.refresh_from_db()
    assert not failed.passed
    assert (case.state, case.decided_grade) == (CaseState.MODERATED, "")
    assert CaseVote.objects.filter(decision=failed).count() == 6  # the failed vote is on record too
    with pytest.raises(ValidationError, match="尚未表决通过"):
        check_decided(case)

    votes[nine_members[4]] = Vote.YES  # five of nine, at the next meeting
    passed = record_decision(
        meeting=meet(evaluation, nine_members[:6]), case=case, grade=Grade.A3, votes=votes, actor=evaluation.officer
    )
    case.refresh_from_db()
    assert passed.passed
    assert (case.state, case.decided_grade) == (CaseState.DECIDED, Grade.A3)


def test_only_attendees_vote_and_each_once(evaluation, make_case):
    case = make_case(state=CaseState.MODERATED)
    first, second, absent = evaluation.members
    meeting = meet(evaluation, [first, second])
    with pytest.raises(ValidationError, match="只有出席"):
        record_decision(
            meeting=meeting,
            case=case,
            grade=Grade.A4,
            votes={first: Vote.YES, absent: Vote.YES},
            actor=evaluation.officer,
        )
    with pytest.raises(ValidationError, match="同意、不同意或弃权"):
        record_decision(meeting=meeting, case=case, grade=Grade.A4, votes={first: "maybe"}, actor=evaluation.officer)
    assert not CaseDecision.objects.exists()

    record_decision(meeting=meeting, case=case, grade=Grade.A4, votes={first: Vote.NO}, actor=evaluation.officer)
    with pytest.raises(ValidationError, match="只能表决一次"):
        record_decision(
            meeting=meeting, case=case, grade=Grade.A4, votes={first: Vote.YES, second: Vote.YES}, actor=first.user
        )
    assert CaseDecision.objects.count() == 1
    case.refresh_from_db()
    assert case.state == CaseState.MODERATED
    # At another meeting the committee votes again.
    again = meet(evaluation, [first, second])
    record_decision(
        meeting=again, case=case, grade=Grade.A4, votes={first: Vote.YES, second: Vote.YES}, actor=first.user
    )
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED


def test_a_case_is_decided_only_once_and_only_when_moderated(evaluation, make_case):
    meeting = meet(evaluation, evaluation.members)
    votes = dict.fromkeys(evaluation.members, Vote.YES)
    waiting = make_case(state=CaseState.MODERATION)
    with pytest.raises(ValidationError, match="复核汇总中"):
        record_decision(meeting=meeting, case=waiting, grade=Grade.A4, votes=votes, actor=evaluation.officer)
    waiting.state = CaseState.MODERATED
    waiting.save()
    record_decision(meeting=meeting, case=waiting, grade=Grade.A4, votes=votes, actor=evaluation.officer)
    with pytest.raises(ValidationError, match="已审定"):
        record_decision(meeting=meeting, case=waiting, grade=Grade.A5, votes=votes, actor=evaluation.officer)
    waiting.refresh_from_db()
    assert waiting.decided_grade == Grade.A4


def test_an_appeal_decision_leaves_the_case_where_it_is(evaluation, make_case):
    case = make_case(state=CaseState.IN_NOTICE, decided_grade=Grade.A4)
    appeal = Appeal.objects.create(case=case, kind=AppealKind.APPEAL, lodged_by=evaluation.account, text="请求复核")
    meeting = meet(evaluation, evaluation.members)
    decision = record_decision(
        meeting=meeting,
        case=case,
        grade=Grade.A5,
        votes=dict.fromkeys(evaluation.members, Vote.YES),
        actor=evaluation.officer,
        appeal=appeal,
    )
    case.refresh_from_db()
    assert (decision.passed, decision.appeal) == (True, appeal)
    assert (case.state, case.decided_grade) == (CaseState.IN_NOTICE, Grade.A4)
    with pytest.raises(ValidationError):
        check_decided(case)  # an appeal's decision is not the case's


def test_who_may_record_meetings_and_decisions(evaluation, tree, make_officer, make_case):
    member = evaluation.members[0]
    assert meet(evaluation, evaluation.members, actor=member.user).recorded_by == member.user
    outsiders = [
        evaluation.assessors[0],
        evaluation.account,
        make_officer(Role.STREET_OFFICER, tree.zhanshan),
        # a member of another authority's committee
        add_committee_member(
            user=UserFactory(username="other_member"),
            committee=Committee.objects.create(name="其他评估委员会", authority=tree.city),
        ).user,
    ]
    for outsider in outsiders:
        with pytest.raises(PermissionDenied):
            meet(evaluation, evaluation.members, actor=outsider)
    meeting = meet(evaluation, evaluation.members)
    case = make_case(state=CaseState.MODERATED)
    with pytest.raises(PermissionDenied):
        record_decision(
            meeting=meeting,
            case=case,
            grade=Grade.A4,
            votes=dict.fromkeys(evaluation.members, Vote.YES),
            actor=evaluation.assessors[0],
        )
    case.refresh_from_db()
    assert case.state == CaseState.MODERATED


def test_meeting_is_validated(evaluation, tree):
    stranger = add_committee_member(
        user=UserFactory(username="stranger"),
        committee=Committee.objects.create(name="其他委员会", authority=tree.city),
    )
    cases = [
        ({"attendees": []}, "attendees", "请选择"),
        ({"attendees": [evaluation.members[0], stranger]}, "attendees", "须为本评估活动评估委员会的委员"),
        ({"held_on": datetime.date(2099, 1, 1)}, "held_on", "不能晚于今天"),
    ]
    for change, field, message in cases:
        arguments = {"held_on": HELD_ON, "attendees": evaluation.members} | change
        with pytest.raises(ValidationError) as refused:
            record_meeting(campaign=evaluation.campaign, actor=evaluation.officer, **arguments)
        assert message in refused.value.message_dict[field][0]
