"""Public notice, appeals and complaints, and the move to final grades (DESIGN.md section 9).

A campaign's decided grades are published together in one notice (公示) from `starts_on` for the
campaign's `notice_days`. During the notice the organization may lodge a written appeal from its
area and anyone may file a complaint; the committee decides each through
`committee.record_decision`. A case becomes final once the notice has ended and none of its
appeals or complaints is still open; finalizing awards the grade (`grades.award_grade`) as of
the notice's last day (`grades.award_date`), whenever the finalization runs.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from registry.models import OrganizationAccount
from registry.uploads import check_upload, store_private_file

from ..enums import AppealKind, AppealState, CaseAction, CaseState, Grade
from ..models import Appeal, AppealAttachment, Campaign, Case, CaseDecision, Notice
from . import cases, committee

MAX_ATTACHMENTS = 5
MAX_TEXT_LENGTH = 5000
# Cases still on their way to the committee: a campaign has one notice, so publishing it before
# they are decided would leave them without one for good. One that will not get there is
# withdrawn by its organization or closed by the officer (`cases.TRANSITIONS`), and stays out.
UNDECIDED_STATES = cases.UNDECIDED_STATES


def notice_ends_on(campaign: Campaign, starts_on: datetime.date) -> datetime.date:
    """The last day of a notice starting on `starts_on` (both days count)."""
    return starts_on + datetime.timedelta(days=campaign.notice_days - 1)


def is_running(notice: Notice, today: datetime.date) -> bool:
    return notice.starts_on <= today <= notice.ends_on


def check_notice_start(starts_on: datetime.date, today: datetime.date) -> None:
    """A notice starts at most a year from today: a later date is a slip (and one near the end
    of the calendar would leave no date for its last day)."""
    try:
        latest = today.replace(year=today.year + 1)
    except ValueError:  # today is 29 February
        latest = today.replace(year=today.year + 1, day=28)
    if starts_on > latest:
        raise ValidationError(_("公示开始日期不能晚于%(date)s（一年以内）。") % {"date": latest.isoformat()})


@transaction.atomic
def publish_notice(*, campaign: Campaign, actor, starts_on: datetime.date) -> Notice:
    """A campaign officer publishes the decided grades from `starts_on`; every decided case moves
    into the notice. A past `starts_on` is accepted so that earlier notices can be recorded; a
    future one at most a year ahead."""
    campaign = Campaign.objects.select_for_update().select_related("authority").get(pk=campaign.pk)
    if not cases.is_campaign_officer(actor, campaign):
        raise PermissionDenied(_("只有该评估活动所属登记管理机关的工作人员可以发布公示。"))
    if not isinstance(starts_on, datetime.date):
        raise ValidationError({"starts_on": _("请填写公示开始日期。")})
    check_notice_start(starts_on, timezone.localdate())
    if Notice.objects.filter(campaign=campaign).exists():
        raise ValidationError(_("该评估活动已经发布过公示。"))
    undecided = campaign.cases.filter(state__in=UNDECIDED_STATES).count()
    if undecided:
        raise ValidationError(
            _(
                "尚有%(count)d件评估申请未经评估委员会审定。公示须在全部审定后发布；"
                "不再继续评估的申请，可由组织撤回，或在评估申请页面终止评估。"
            )
            % {"count": undecided}
        )
    decided = list(campaign.cases.filter(state=CaseState.DECIDED))
    if not decided:
        raise ValidationError(_("该评估活动没有已审定的评估申请，不能发布公示。"))
    notice = Notice(
        campaign=campaign, starts_on=starts_on, ends_on=notice_ends_on(campaign, starts_on), published_by=actor
    )
    notice.full_clean()
    notice.save()
    record(
        actor=actor,
        action="notice.publish",
        target=notice,
        after={"starts_on": notice.starts_on, "ends_on": notice.ends_on, "cases": len(decided)},
    )
    for case in decided:
        cases.act_on_case(case=case, action=CaseAction.PUBLISH, actor=actor)
    return notice


def check_published(case: Case) -> None:
    """Ready to move into the notice: the campaign's notice exists (`publish_notice` creates it first)."""
    if not Notice.objects.filter(campaign_id=case.campaign_id).exists():
        raise ValidationError(_("该评估活动尚未发布公示。"))


def _case_in_running_notice(case: Case, today: datetime.date) -> Case:
    """The case, locked against finalizing meanwhile, if its notice is running."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    notice = Notice.objects.filter(campaign_id=case.campaign_id).first()
    if case.state != CaseState.IN_NOTICE or notice is None:
        raise ValidationError(_("该评估结果不在公示中。"))
    if not is_running(notice, today):
        raise ValidationError(
            _("公示期为%(start)s至%(end)s，只能在公示期内提出。")
            % {"start": notice.starts_on.isoformat(), "end": notice.ends_on.isoformat()}
        )
    return case


def _required_text(text: str, field: str, label: str, max_length: int) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(text) > max_length:
        raise ValidationError({field: _("%(label)s不能超过%(max)d个字。") % {"label": label, "max": max_length}})
    return text


@transaction.atomic
def lodge_appeal(*, case: Case, actor, text: str, uploads=()) -> Appeal:
    """An account of the case's organization lodges a written appeal during the notice, with up
    to `MAX_ATTACHMENTS` files (checked by content: PDF or images)."""
    if (
        actor is None
        or not OrganizationAccount.objects.filter(user=actor, organization_id=case.organization_id).exists()
    ):
        raise PermissionDenied(_("只有该组织的账号可以提出复核申请。"))
    case = _case_in_running_notice(case, timezone.localdate())
    text = _required_text(text, "text", _("复核理由"), MAX_TEXT_LENGTH)
    uploads = list(uploads)
    if len(uploads) > MAX_ATTACHMENTS:
        raise ValidationError({"uploads": _("附件最多%(max)d个。") % {"max": MAX_ATTACHMENTS}})
    # Every file is checked before any is stored, so a refused one leaves no stored file behind.
    for upload in uploads:
        try:
            check_upload(upload)
        except ValidationError as error:
            raise ValidationError({"uploads": error.messages}) from error
    appeal = Appeal(case=case, kind=AppealKind.APPEAL, lodged_by=actor, text=text)
    appeal.full_clean()
    appeal.save()
    for upload in uploads:
        store_private_file(AppealAttachment(appeal=appeal, uploaded_by=actor), upload)
    record(actor=actor, action="appeal.lodge", target=appeal, reason=text, organization=case.organization)
    return appeal


@transaction.atomic
def lodge_complaint(*, case: Case, name: str, contact: str, text: str) -> Appeal:
    """Anyone files a complaint about a case in notice, with a name and a way to reach them."""
    case = _case_in_running_notice(case, timezone.localdate())
    name_field = Appeal._meta.get_field("complainant_name")
    contact_field = Appeal._meta.get_field("complainant_contact")
    appeal = Appeal(
        case=case,
        kind=AppealKind.COMPLAINT,
        complainant_name=_required_text(name, "name", _("姓名"), name_field.max_length),
        complainant_contact=_required_text(contact, "contact", _("联系方式"), contact_field.max_length),
        text=_required_text(text, "text", _("投诉内容"), MAX_TEXT_LENGTH),
    )
    appeal.full_clean()
    appeal.save()
    # The complainant has no account: the log names nobody, and keeps their contact out of it.
    record(actor=None, action="appeal.complaint", target=appeal, reason=appeal.text, organization=case.organization)
    return appeal


@transaction.atomic
def decide_appeal(
    *, appeal: Appeal, meeting, upheld: bool, outcome: str, grade_after: str, votes, actor
) -> CaseDecision:
    """The committee votes at `meeting` on the proposed outcome of an open appeal or complaint.

    What is put to the vote is the grade the case will have: `grade_after` when the appeal is
    upheld with one, otherwise the decided grade unchanged. When the vote passes (quorum and
    majority of all members, checked by `committee.record_decision`), the appeal is upheld or
    dismissed with its outcome, and an upheld `grade_after` becomes the case's decided grade.
    When it fails, the appeal stays open for another vote. Returns the committee's decision.
    """
    appeal = Appeal.objects.select_for_update().select_related("case__campaign").get(pk=appeal.pk)
    if not committee.may_act_for_committee(actor, appeal.case.campaign):
        raise PermissionDenied(_("只有评估委员会委员或评估活动的主管工作人员可以处理复核申请和投诉。"))
    if appeal.state != AppealState.OPEN:
        raise ValidationError(_("该复核申请或投诉已经处理。"))
    outcome = _required_text(outcome, "outcome", _("处理结果"), MAX_TEXT_LENGTH)
    grade_after = grade_after or ""
    if grade_after and grade_after not in Grade.values:
        raise ValidationError({"grade_after": _("请选择有效的等级。")})
    if grade_after and not upheld:
        raise ValidationError({"grade_after": _("复核申请或投诉不成立时，等级不变，不填写复核后等级。")})
    case = appeal.case
    grade = grade_after or case.decided_grade
    decision = committee.record_decision(
        meeting=meeting, case=case, grade=grade, votes=votes, actor=actor, appeal=appeal
    )
    if not decision.passed:
        return decision
    appeal.state = AppealState.UPHELD if upheld else AppealState.DISMISSED
    appeal.outcome = outcome
    appeal.grade_after = grade_after
    appeal.decided_at = timezone.now()
    appeal.full_clean()
    appeal.save(update_fields=["state", "outcome", "grade_after", "decided_at"])
    record(
        actor=actor,
        action="appeal.decide",
        target=appeal,
        reason=outcome,
        before={"state": AppealState.OPEN.label, "decided_grade": case.decided_grade or None},
        after={"state": AppealState(appeal.state).label, "decided_grade": grade_after or case.decided_grade or None},
        organization=case.organization,
    )
    if grade_after and grade_after != case.decided_grade:
        Case.objects.filter(pk=case.pk).update(decided_grade=grade_after)
    return decision


def check_may_finalize(case: Case, today: datetime.date) -> None:
    """Ready to become final: the notice has ended and no appeal or complaint is still open."""
    notice = Notice.objects.filter(campaign_id=case.campaign_id).first()
    if notice is None:
        raise ValidationError(_("该评估活动尚未发布公示。"))
    if today <= notice.ends_on:
        raise ValidationError(_("公示期至%(end)s结束，结束后才能确定等级。") % {"end": notice.ends_on.isoformat()})
    open_count = case.appeals.filter(state=AppealState.OPEN).count()
    if open_count:
        raise ValidationError(
            _("该评估申请尚有%(count)d件复核申请或投诉未处理，处理后才能确定等级。") % {"count": open_count}
        )


def finalizable_cases(campaign: Campaign, today: datetime.date):
    """The campaign's cases in notice that `check_may_finalize` would let through, in one query."""
    return (
        Case.objects.filter(campaign=campaign, state=CaseState.IN_NOTICE, campaign__notice__ends_on__lt=today)
        .exclude(appeals__state=AppealState.OPEN)
        .order_by("pk")
    )


@transaction.atomic
def finalize_campaign(*, campaign: Campaign, today: datetime.date, actor=None) -> int:
    """Make final every case of the campaign that may be (the daily job, or an officer's button),
    awarding its grade; returns how many. Cases with an open appeal wait for its decision."""
    if actor is not None and not cases.is_campaign_officer(actor, campaign):
        raise PermissionDenied(_("只有该评估活动所属登记管理机关的工作人员可以确定等级。"))
    count = 0
    for case in finalizable_cases(campaign, today):
        cases.act_on_case(case=case, action=CaseAction.FINALIZE, actor=actor, extra={"today": today})
        count += 1
    return count


def finalize_ended_notices(*, today: datetime.date) -> dict[str, int]:
    """The daily run: finalize every campaign whose notice has ended."""
    campaigns = Campaign.objects.filter(notice__ends_on__lt=today, cases__state=CaseState.IN_NOTICE).distinct()
    finalized = {campaign.name: finalize_campaign(campaign=campaign, today=today) for campaign in campaigns}
    return {name: count for name, count in finalized.items() if count}
