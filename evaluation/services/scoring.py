"""Scoring (DESIGN.md section 9): each assessor scores each scored indicator of the case's
framework, on their own; submitting locks the scores until the lead reopens them. Scores are
saved, submitted and reopened only until the campaign's `scoring_closes_on` (an officer extends
the phase by changing the campaign's dates); completing scoring and moderation go on after it."""

import datetime
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from ..enums import CaseAction, CaseState
from ..models import Assignment, Case, Score, ScoreReopening
from ..selectors.assessments import scored_leaves
from ..selectors.people import person_name
from . import cases
from .grading import format_points, parse_points

_url = URLValidator(schemes=["http", "https"])


def scoring_closed(campaign, today: datetime.date) -> bool:
    """Has the campaign's scoring phase ended (after `scoring_closes_on`)? An officer extends it
    by changing the campaign's dates."""
    return today > campaign.scoring_closes_on


def scoring_closed_message(campaign, what: str = "") -> str:
    """Why scores cannot change any more; `what` says what was refused."""
    return _("“%(campaign)s”的评分已于%(date)s截止，%(what)s。") % {
        "campaign": campaign.name,
        "date": campaign.scoring_closes_on.isoformat(),
        "what": what or _("不能再保存或提交评分"),
    }


def _check_scoring_open(campaign, today: datetime.date | None, what: str = "") -> None:
    if scoring_closed(campaign, today or timezone.localdate()):
        raise ValidationError(scoring_closed_message(campaign, what))


def _locked_assignment(assignment: Assignment, actor, today: datetime.date | None) -> Assignment:
    """The assignment re-read under a row lock, once the actor may still change its scores:
    their own, unsubmitted, on a case in scoring, while the campaign's scoring is open."""
    assignment = (
        Assignment.objects.select_for_update().select_related("case__framework", "case__campaign").get(pk=assignment.pk)
    )
    if actor is None or assignment.assessor_id != actor.pk:
        raise PermissionDenied(_("只有被指派的评估专家本人可以评分。"))
    if assignment.case.state != CaseState.SCORING:
        raise ValidationError(
            _("评估申请当前状态为“%(state)s”，不能评分。") % {"state": assignment.case.get_state_display()}
        )
    _check_scoring_open(assignment.case.campaign, today)
    if assignment.submitted_at is not None:
        raise ValidationError(_("评分已提交并锁定；如需修改，请组长退回。"))
    return assignment


def _evidence_links(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    for line in lines:
        if not line.startswith("/"):  # a link to a page of this site, such as an evidence download
            try:
                _url(line)
            except ValidationError:
                raise ValidationError(
                    _("佐证材料链接每行一个，须为以http://、https://或/开头的网址：%(line)s") % {"line": line}
                ) from None
    return "\n".join(lines)


@transaction.atomic
def save_scores(
    *, assignment: Assignment, actor, entries: Mapping, visit_date=None, today: datetime.date | None = None
) -> Assignment:
    """Save the assessor's work so far, while scoring is open on `today` (by default the real
    one). `entries` maps an indicator's pk to a mapping with `points` (as typed; blank leaves
    the indicator unscored), `comment` and `evidence_links`. `visit_date`, when given, records
    the on-site visit.

    Partial work is saved, but nothing at all when any entry is invalid: every error is raised
    at once, keyed by the indicator's code, so the form can show them beside what was typed.
    """
    assignment = _locked_assignment(assignment, actor, today)
    leaves = {str(indicator.pk): indicator for indicator in scored_leaves(assignment.case.framework)}
    existing = {score.indicator_id: score for score in assignment.scores.all()}
    errors: dict[str, list[str]] = {}
    to_save, to_delete = [], []
    for key, entry in entries.items():
        indicator = leaves.get(str(key))
        if indicator is None:
            errors.setdefault("__all__", []).append(_("所填指标不是本指标体系的评分指标。"))
            continue
        comment = (entry.get("comment") or "").strip()
        try:
            points = parse_points(entry.get("points"), indicator.max_points)
            links = _evidence_links(entry.get("evidence_links", ""))
        except ValidationError as error:
            errors.setdefault(indicator.code, []).extend(error.messages)
            continue
        if points is None:
            if comment or links:
                errors.setdefault(indicator.code, []).append(_("填写说明或佐证材料链接时，请同时填写得分。"))
            elif indicator.pk in existing:
                to_delete.append(existing[indicator.pk].pk)
            continue
        score = existing.get(indicator.pk) or Score(assignment=assignment, indicator=indicator)
        score.points, score.comment, score.evidence_links = points, comment, links
        to_save.append(score)
    if errors:
        raise ValidationError(errors)
    Score.objects.filter(pk__in=to_delete).delete()
    for score in to_save:
        score.save()
    if visit_date is not None:
        assignment.visit_date = visit_date
        assignment.save(update_fields=["visit_date"])
    return assignment


@transaction.atomic
def submit_scores(*, assignment: Assignment, actor, today: datetime.date | None = None) -> Assignment:
    """Submit and lock the scores, while scoring is open on `today` (by default the real one):
    every scored indicator has points, every score below full marks says why, and the on-site
    visit date is recorded (and past)."""
    today = today or timezone.localdate()
    assignment = _locked_assignment(assignment, actor, today)
    scores = {score.indicator_id: score for score in assignment.scores.all()}
    errors: dict[str, list[str]] = {}
    for indicator in scored_leaves(assignment.case.framework):
        score = scores.get(indicator.pk)
        if score is None:
            errors.setdefault(indicator.code, []).append(_("尚未评分。"))
        elif score.points < indicator.max_points and not score.comment.strip():
            errors.setdefault(indicator.code, []).append(_("未得满分，请填写扣分说明。"))
    if assignment.visit_date is None:
        errors["visit_date"] = [_("请填写实地评估日期。")]
    elif assignment.visit_date > today:
        errors["visit_date"] = [_("实地评估日期不能晚于今天。")]
    if errors:
        raise ValidationError(errors)
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["submitted_at"])
    record(
        actor=actor,
        action="scores.submit",
        target=assignment,
        after={"submitted_at": assignment.submitted_at, "visit_date": assignment.visit_date},
        organization=assignment.case.organization,
    )
    return assignment


@transaction.atomic
def reopen_scores(*, assignment: Assignment, actor, reason: str, today: datetime.date | None = None) -> Assignment:
    """The lead unlocks an assessor's submitted scores, with a logged reason, while scoring is
    open on `today` (by default the real one): reopened scores could not be changed afterwards.
    A case already in moderation goes back to scoring.

    Every reconciliation of the case is withdrawn: the reopened assessor may change the points of
    any indicator, and with them its spread and aggregate, so an agreed figure would otherwise
    override the new scores and hide a disagreement they create. Moderation flags the indicators
    again where the new scores still differ, and the lead reconciles them afresh. The withdrawn
    points are listed in the reopening's reason, the record of why they are gone.
    """
    assignment = Assignment.objects.select_for_update().select_related("case__campaign").get(pk=assignment.pk)
    case = assignment.case
    if not cases.is_party(actor, case, cases.Party.LEAD):
        raise PermissionDenied(_("只有评估组长可以退回评分。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回理由。")})
    if case.state not in (CaseState.SCORING, CaseState.MODERATION):
        raise ValidationError(_("评估申请当前状态为“%(state)s”，不能退回评分。") % {"state": case.get_state_display()})
    _check_scoring_open(case.campaign, today, _("不能退回评分"))
    if assignment.submitted_at is None:
        raise ValidationError(_("%(name)s 的评分尚未提交，无需退回。") % {"name": person_name(assignment.assessor)})
    withdrawn = list(case.reconciliations.select_related("indicator").order_by("indicator__position"))
    logged = reason
    if withdrawn:
        logged += "\n" + _("同时撤销以下指标的协调得分：%(items)s。") % {
            "items": "、".join(
                _("%(code)s（%(points)s分）")
                % {"code": reconciliation.indicator.code, "points": format_points(reconciliation.points)}
                for reconciliation in withdrawn
            )
        }
        case.reconciliations.all().delete()
    ScoreReopening.objects.create(assignment=assignment, by=actor, reason=logged)
    record(
        actor=actor,
        action="scores.reopen",
        target=assignment,
        reason=logged,
        before={"submitted_at": assignment.submitted_at},
        after={"submitted_at": None},
        organization=case.organization,
    )
    assignment.submitted_at = None
    assignment.save(update_fields=["submitted_at"])
    if case.state == CaseState.MODERATION:
        cases.act_on_case(case=case, action=CaseAction.REOPEN, actor=actor, reason=reason)
    return assignment


def check_all_submitted(case: Case) -> None:
    """Every assessor of the case has submitted."""
    assignments = list(case.assignments.select_related("assessor"))
    if not assignments:
        raise ValidationError(_("尚未指派评估专家。"))
    waiting = [person_name(assignment.assessor) for assignment in assignments if assignment.submitted_at is None]
    if waiting:
        raise ValidationError(_("以下专家尚未提交评分：%(names)s。") % {"names": "、".join(waiting)})


def complete_scoring(case: Case, actor) -> Case:
    """The lead closes scoring once every assessor has submitted; the case goes to moderation."""
    return cases.act_on_case(case=case, action=CaseAction.COMPLETE_SCORING, actor=actor)
