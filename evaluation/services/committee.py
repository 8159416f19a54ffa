"""The evaluation committee (DESIGN.md section 9): meetings with their attendance, and the vote
on each case's grade (or on an appeal).

A meeting may decide only with at least two thirds of ALL members present, and a grade passes
with yes votes from more than half of ALL members, not of those present; both are counted
against `Meeting.members_total`, the size of the committee when the meeting was recorded.
Integer arithmetic throughout, so that no fraction is ever rounded the wrong way.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from ..enums import CaseAction, CaseState, Grade, Vote
from ..models import Appeal, Campaign, Case, CaseDecision, CaseVote, CommitteeMember, Meeting
from ..selectors.committee import committee_campaigns_for_user
from . import cases, moderation


def may_act_for_committee(user, campaign: Campaign) -> bool:
    """An officer over the campaign's authority, or a member of its committee (the state
    machine's `Party.COMMITTEE`, asked of a campaign rather than of a case)."""
    return committee_campaigns_for_user(user).filter(pk=campaign.pk).exists()


@transaction.atomic
def record_meeting(
    *, campaign: Campaign, held_on: datetime.date, attendees: list[CommitteeMember], actor, notes: str = ""
) -> Meeting:
    """Record a meeting of the campaign's committee and who attended; the committee's size now
    is kept with it for the quorum and the votes."""
    if not may_act_for_committee(actor, campaign):
        raise PermissionDenied(_("只有评估委员会委员或评估活动的主管工作人员可以记录会议。"))
    errors = {}
    if held_on is None:
        errors["held_on"] = _("请填写会议日期。")
    elif held_on > timezone.localdate():
        errors["held_on"] = _("会议日期不能晚于今天：请在会议召开后记录出席情况。")
    attendee_ids = {member.pk for member in attendees}
    members = set(CommitteeMember.objects.filter(committee_id=campaign.committee_id).values_list("pk", flat=True))
    if not attendee_ids:
        errors["attendees"] = _("请选择出席会议的委员。")
    elif attendee_ids - members:
        errors["attendees"] = _("出席人员须为本评估活动评估委员会的委员。")
    if errors:
        raise ValidationError(errors)
    meeting = Meeting(
        campaign=campaign, held_on=held_on, members_total=len(members), recorded_by=actor, notes=notes.strip()
    )
    meeting.full_clean()
    meeting.save()
    meeting.attendees.set(attendee_ids)
    return meeting


def has_quorum(meeting: Meeting) -> bool:
    """At least two thirds of all members present."""
    return 3 * meeting.attendees.count() >= 2 * meeting.members_total


def quorum_needed(members_total: int) -> int:
    """The fewest members present that make a quorum (for messages and pages)."""
    return (2 * members_total + 2) // 3


def passes(yes_votes: int, members_total: int) -> bool:
    """Yes votes from more than half of all members."""
    return 2 * yes_votes > members_total


def yes_votes_needed(members_total: int) -> int:
    return members_total // 2 + 1


def _check_votes(meeting: Meeting, case: Case, appeal: Appeal | None, votes: dict[CommitteeMember, str]) -> None:
    """Attendees only, each once: a dict holds one vote per member, and a meeting votes once on
    a case (or an appeal); a failed vote is taken again at another meeting."""
    if CaseDecision.objects.filter(meeting=meeting, case=case, appeal=appeal).exists():
        raise ValidationError(_("本次会议已就此表决，每位委员只能表决一次；如需重新表决，请另行召开会议。"))
    attendees = set(meeting.attendees.values_list("pk", flat=True))
    errors = []
    if not votes:
        errors.append(_("请记录出席委员的表决意见。"))
    if any(member.pk not in attendees for member in votes):
        errors.append(_("只有出席本次会议的委员可以表决。"))
    if any(vote not in Vote.values for vote in votes.values()):
        errors.append(_("表决意见只能是同意、不同意或弃权。"))
    if errors:
        raise ValidationError({"votes": errors})


def _check_grade(case: Case, grade: str, appeal: Appeal | None) -> None:
    """A grade of the case's framework; for the case itself (not an appeal, which may change the
    outcome) no better than moderation proposed."""
    if grade not in ("", *Grade.values):
        raise ValidationError({"grade": _("请选择有效的等级。")})
    if grade and not case.framework.bands.filter(grade=grade).exists():
        raise ValidationError({"grade": _("该指标体系没有%(grade)s等级。") % {"grade": grade}})
    if appeal is not None or grade in moderation.decidable_grades(case):
        return
    if not case.proposed_grade:
        raise ValidationError({"grade": _("该评估申请的复核汇总得分未达到任何等级，只能不予评定等级。")})
    raise ValidationError(
        {
            "grade": _(
                "该评估申请复核汇总的建议等级为%(proposed)s（按总分和否决项确定），"
                "评估委员会可以维持或调低，不能审定为%(grade)s。"
            )
            % {"proposed": case.proposed_grade, "grade": grade}
        }
    )


def _check_held_after_moderation(meeting: Meeting, case: Case) -> None:
    """A meeting decides on what moderation gave it, so not on a case moderated after the
    meeting was held. Cases put into a state without their timeline have no date to compare."""
    moderated_at = (
        case.events.filter(to_state=CaseState.MODERATED).order_by("-at", "-pk").values_list("at", flat=True).first()
    )
    if moderated_at is not None and meeting.held_on < timezone.localdate(moderated_at):
        raise ValidationError(
            _("该评估申请于%(date)s完成复核汇总，不能由此前召开的会议审定。")
            % {"date": timezone.localdate(moderated_at).isoformat()}
        )


@transaction.atomic
def record_decision(
    *,
    meeting: Meeting,
    case: Case,
    grade: str,
    votes: dict[CommitteeMember, str],
    actor,
    appeal: Appeal | None = None,
) -> CaseDecision:
    """The committee's vote at `meeting` on `grade` ("" for no grade) for `case`, or on
    `appeal`. Each attendee votes once; the decision and every vote are stored whether it passes
    or not. A passed decision on a case (not an appeal) sets its decided grade and moves it to
    decided; the appeals service acts on a passed appeal decision itself.

    The grade is one of the case framework's bands, and for the case itself one its proposed
    grade reaches (`moderation.decidable_grades`): the committee may lower what moderation
    proposed, not raise it; an appeal may change it either way. A meeting held before the case
    was moderated cannot decide it.
    """
    case = Case.objects.select_for_update().select_related("campaign", "framework").get(pk=case.pk)
    if not may_act_for_committee(actor, meeting.campaign):
        raise PermissionDenied(_("只有评估委员会委员或评估活动的主管工作人员可以记录表决。"))
    if case.campaign_id != meeting.campaign_id:
        raise ValidationError(_("该评估申请不属于本次会议的评估活动。"))
    if appeal is None and case.state != CaseState.MODERATED:
        raise ValidationError(
            _("评估申请当前状态为“%(state)s”，不能由评估委员会审定等级。") % {"state": case.get_state_display()}
        )
    if appeal is not None and appeal.case_id != case.pk:
        raise ValidationError(_("该复核或投诉不属于此评估申请。"))
    _check_grade(case, grade, appeal)
    _check_held_after_moderation(meeting, case)
    if not has_quorum(meeting):
        raise ValidationError(
            _("出席委员不足全体委员的三分之二（%(total)d人中须至少%(needed)d人出席），本次会议不能表决。")
            % {"total": meeting.members_total, "needed": quorum_needed(meeting.members_total)}
        )
    _check_votes(meeting, case, appeal, votes)
    yes_votes = sum(vote == Vote.YES for vote in votes.values())
    decision = CaseDecision.objects.create(
        case=case, meeting=meeting, appeal=appeal, grade=grade, passed=passes(yes_votes, meeting.members_total)
    )
    CaseVote.objects.bulk_create(
        CaseVote(decision=decision, member=member, vote=vote) for member, vote in votes.items()
    )
    record(
        actor=actor,
        action="committee.decision",
        target=decision,
        before={"decided_grade": case.decided_grade or None},
        after={
            "grade": grade or None,
            "passed": decision.passed,
            "appeal": appeal,
            "votes": {str(member): Vote(vote).label for member, vote in votes.items()},
        },
        organization=case.organization,
    )
    if decision.passed and appeal is None:
        case.decided_grade = grade
        case.save(update_fields=["decided_grade"])
        cases.act_on_case(case=case, action=CaseAction.DECIDE, actor=actor)
    return decision


def check_decided(case: Case) -> None:
    """Ready to be decided: the committee passed a grade for the case (an appeal's decision
    does not count)."""
    if not CaseDecision.objects.filter(case=case, appeal__isnull=True, passed=True).exists():
        raise ValidationError(_("评估委员会尚未表决通过该评估申请的等级。"))
