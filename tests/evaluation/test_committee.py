"""The committee: meetings decide only with two thirds of ALL members present, and a grade passes
with yes votes from more than half of ALL members; every vote is stored."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from evaluation.enums import AppealKind, CaseAction, CaseState, Grade, Vote
from evaluation.models import Appeal, CaseDecision, CaseVote, Committee, CommitteeMember, Indicator
from evaluation.services.committee import check_decided, has_quorum, record_decision, record_meeting
from evaluation.services.moderation import moderate
from evaluation.services.people import add_committee_member
from registry.enums import Role
from tests.evaluation.test_moderation import score_case
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
    case = make_case(state=CaseState.MODERATED, proposed_grade=Grade.A4)
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
    waiting = make_case(state=CaseState.MODERATION, proposed_grade=Grade.A4)
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


# --- what the committee may decide, and when -----------------------------------------------------


@pytest.fixture
def moderated_now(evaluation, make_case):
    """moderated_now(points) → a case scored by the three assessors (code → each one's points)
    and moderated today through the service, with its total, proposed grade and timeline."""

    def make(points):
        case = score_case(make_case(state=CaseState.MODERATION), evaluation.assessors, points)
        return moderate(case, evaluation.assessors[0])

    return make


def decide(evaluation, case, grade, *, held_on=None, appeal=None):
    meeting = record_meeting(
        campaign=evaluation.campaign,
        held_on=held_on or timezone.localdate(),
        attendees=evaluation.members,
        actor=evaluation.officer,
    )
    return record_decision(
        meeting=meeting,
        case=case,
        grade=grade,
        votes=dict.fromkeys(evaluation.members, Vote.YES),
        actor=evaluation.officer,
        appeal=appeal,
    )


def grade_refusal(evaluation, case, grade, **options) -> str:
    with pytest.raises(ValidationError) as refused:
        decide(evaluation, case, grade, **options)
    return " ".join(refused.value.message_dict["grade"])


def test_the_committee_may_lower_the_proposed_grade_but_not_raise_it(evaluation, moderated_now):
    case = moderated_now({"1.1": [30, 30, 30], "1.2": [20, 20, 20], "2": [35, 35, 35]})
    assert (case.total, case.proposed_grade) == (Decimal("85.0"), Grade.A4)
    assert "建议等级为4A" in grade_refusal(evaluation, case, Grade.A5)
    assert not CaseDecision.objects.exists()
    decide(evaluation, case, Grade.A3)
    case.refresh_from_db()
    assert (case.state, case.decided_grade) == (CaseState.DECIDED, Grade.A3)


def test_a_veto_item_at_zero_caps_what_the_committee_may_decide(evaluation, moderated_now):
    Indicator.objects.filter(code="1.2").update(veto_caps_grade=Grade.A3)
    case = moderated_now({"1.1": [30, 30, 30], "1.2": [0, 0, 0], "2": [50, 50, 50]})
    assert (case.total, case.proposed_grade) == (Decimal("80.0"), Grade.A3)  # 4A by its total
    assert "不能审定为4A" in grade_refusal(evaluation, case, Grade.A4)
    decide(evaluation, case, "")  # no grade at all is lower still
    case.refresh_from_db()
    assert (case.state, case.decided_grade) == (CaseState.DECIDED, "")


def test_a_total_below_every_band_allows_no_grade_only(evaluation, moderated_now):
    case = moderated_now({"1.1": [20, 20, 20], "1.2": [20, 20, 20], "2": [30, 30, 30]})
    assert (case.total, case.proposed_grade) == (Decimal("70.0"), "")  # 3A needs more than 70
    assert "只能不予评定等级" in grade_refusal(evaluation, case, Grade.A3)


def test_only_grades_of_the_case_framework_are_decided_even_on_appeal(evaluation, make_case):
    case = make_case(state=CaseState.MODERATED, total=Decimal("95"), proposed_grade=Grade.A5)
    assert grade_refusal(evaluation, case, Grade.A2) == "该指标体系没有2A等级。"
    assert grade_refusal(evaluation, case, "6A") == "请选择有效的等级。"
    case.state, case.decided_grade = CaseState.IN_NOTICE, Grade.A5
    case.save()
    appeal = Appeal.objects.create(case=case, kind=AppealKind.COMPLAINT, complainant_name="张三", text="等级过高")
    assert grade_refusal(evaluation, case, Grade.A1, appeal=appeal) == "该指标体系没有1A等级。"
    assert decide(evaluation, case, Grade.A3, appeal=appeal).passed  # within the bands, an appeal may change it
    assert not CaseDecision.objects.filter(grade__in=[Grade.A2, Grade.A1]).exists()


def test_an_appeal_may_raise_the_grade_above_the_proposal(evaluation, moderated_now):
    case = moderated_now({"1.1": [30, 30, 30], "1.2": [20, 20, 20], "2": [35, 35, 35]})
    decide(evaluation, case, Grade.A4)
    case.state = CaseState.IN_NOTICE
    case.save()
    appeal = Appeal.objects.create(case=case, kind=AppealKind.APPEAL, lodged_by=evaluation.account, text="请求复核")
    assert decide(evaluation, case, Grade.A5, appeal=appeal).passed


def test_a_meeting_held_before_the_case_was_moderated_cannot_decide_it(evaluation, moderated_now):
    case = moderated_now({"1.1": [30, 30, 30], "1.2": [20, 20, 20], "2": [35, 35, 35]})
    today = timezone.localdate()
    with pytest.raises(ValidationError) as refused:
        decide(evaluation, case, Grade.A4, held_on=today - datetime.timedelta(days=1))
    assert refused.value.messages == [f"该评估申请于{today.isoformat()}完成复核汇总，不能由此前召开的会议审定。"]
    case.refresh_from_db()
    assert case.state == CaseState.MODERATED
    assert not CaseDecision.objects.exists()
    decide(evaluation, case, Grade.A4, held_on=today)  # a meeting on the same day may
    case.refresh_from_db()
    assert case.state == CaseState.DECIDED
