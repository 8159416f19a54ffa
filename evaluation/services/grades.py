"""Final grades and what happens after the award (DESIGN.md section 9).

A grade is awarded when its case becomes final. Afterwards registry data (annual-report
results, penalties, credit listings) may flag it for review, and the district may downgrade or
cancel it with a reason; the organization then returns its certificate and plaque within
`RETURN_DAYS` days, which is tracked here.
"""

import datetime
from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import record
from registry.enums import AnnualReportResult
from registry.models import AdministrativePenalty, AnnualReport, CreditListing

from ..enums import Grade, GradeChangeKind, GradeStatus, ReviewCause, grade_rank
from ..models import Case, GradeChange, GradeReviewFlag, Notice, OrganizationGrade
from ..selectors.grades import grades_in_force
from . import cases, certificates, grading

RETURN_DAYS = 15


def award_date(case: Case) -> datetime.date:
    """The day a case that becomes final is awarded its grade: the last day of its campaign's
    notice.

    Grades become final when the notice ends with no open appeal (DESIGN.md section 9): an appeal
    still open then delays the finalization, not the award. So every grade of a campaign is
    awarded on one day, the day its notice ends, whenever the daily job runs or the committee
    decides an appeal; otherwise, under the calendar-year rule (valid from 1 January after the
    award), a finalization or an appeal decided after 1 January would shift the validity by a
    whole year, and under the five-year rule each late case would run to a different day.
    """
    return Notice.objects.values_list("ends_on", flat=True).get(campaign_id=case.campaign_id)


def award_grade(case: Case, on: datetime.date) -> OrganizationGrade | None:
    """The final grade of a case that has just become final, valid under its campaign's rule;
    None when the committee decided no grade."""
    if not case.decided_grade:
        return None
    valid_from, valid_until = grading.validity(case.campaign.validity_rule, on)
    grade = OrganizationGrade(
        organization_id=case.organization_id,
        case=case,
        grade=case.decided_grade,
        framework_id=case.framework_id,
        awarded_on=on,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    grade.full_clean()
    grade.save()
    # The finalizing actor is recorded on the case's own entry (case.finalize), in this transaction.
    record(
        actor=None,
        action="grade.award",
        target=grade,
        after={"grade": grade.grade, "valid_from": valid_from, "valid_until": valid_until},
        organization=case.organization,
    )
    return grade


# --- Review flags ---------------------------------------------------------------------------------


def _report_causes(reports: list[dict], awarded_on: datetime.date):
    """(cause, source_key, details) for a fail, or two basic passes in a row, whose (latest)
    result was set on or after the award."""
    by_year = {report["year"]: report for report in reports}
    for report in reports:
        # Results come with their time (`set_annual_report_result`); one set before the award
        # was known to the committee.
        if report["result_at"] is None or timezone.localdate(report["result_at"]) < awarded_on:
            continue
        if report["result"] == AnnualReportResult.FAIL:
            yield (
                ReviewCause.ANNUAL_REPORT_FAIL,
                f"annual-report:{report['pk']}",
                _("%(year)d年度报告检查结果为不合格。") % {"year": report["year"]},
            )
        previous = by_year.get(report["year"] - 1)
        if (
            report["result"] == AnnualReportResult.BASIC_PASS
            and previous is not None
            and previous["result"] == AnnualReportResult.BASIC_PASS
        ):
            yield (
                ReviewCause.TWO_BASIC_PASSES,
                f"annual-reports:{previous['pk']},{report['pk']}",
                _("%(first)d、%(second)d年度报告检查结果连续两年为基本合格。")
                % {"first": previous["year"], "second": report["year"]},
            )


@transaction.atomic
def flag_grades_for_review(today: datetime.date) -> int:
    """Flag each grade in force on `today` whose organization, since the award, got an annual
    report failed, two basic passes in a row, or an administrative penalty, or is on a credit
    list now. Each source record flags a grade once. Six queries whatever the number of grades;
    returns how many flags were raised."""
    in_force = grades_in_force(today)
    grades = list(in_force.values("pk", "organization_id", "awarded_on"))
    organizations = in_force.values("organization_id")
    reports = defaultdict(list)
    for report in AnnualReport.objects.filter(
        organization_id__in=organizations, result__in=(AnnualReportResult.FAIL, AnnualReportResult.BASIC_PASS)
    ).values("pk", "organization_id", "year", "result", "result_at"):
        reports[report["organization_id"]].append(report)
    penalties = defaultdict(list)
    for penalty in AdministrativePenalty.objects.filter(organization_id__in=organizations).values(
        "pk", "organization_id", "kind", "decided_on", "decision_number"
    ):
        penalties[penalty["organization_id"]].append(penalty)
    listings = defaultdict(list)
    for listing in CreditListing.objects.filter(organization_id__in=organizations, removed_on__isnull=True).values(
        "pk", "organization_id", "list", "listed_on"
    ):
        listings[listing["organization_id"]].append(listing)
    raised = set(GradeReviewFlag.objects.filter(grade__in=in_force.values("pk")).values_list("grade_id", "source_key"))
    # Stored text, so written in the bureau's language whatever the request's language.
    with translation.override("zh-hans"):
        penalty_kinds = dict(AdministrativePenalty._meta.get_field("kind").choices)
        list_names = dict(CreditListing._meta.get_field("list").choices)
        flags = []
        for grade in grades:
            organization, awarded_on = grade["organization_id"], grade["awarded_on"]
            causes = list(_report_causes(reports[organization], awarded_on))
            causes += [
                (
                    ReviewCause.PENALTY,
                    f"penalty:{penalty['pk']}",
                    _("%(date)s受到行政处罚（%(kind)s，%(number)s）。")
                    % {
                        "date": penalty["decided_on"].isoformat(),
                        "kind": penalty_kinds.get(penalty["kind"], penalty["kind"]),
                        "number": penalty["decision_number"],
                    },
                )
                for penalty in penalties[organization]
                if penalty["decided_on"] >= awarded_on
            ]
            causes += [
                (
                    ReviewCause.CREDIT_LISTING,
                    f"credit-listing:{listing['pk']}",
                    _("%(date)s列入%(list)s。")
                    % {"date": listing["listed_on"].isoformat(), "list": list_names.get(listing["list"], "")},
                )
                for listing in listings[organization]
            ]
            flags += [
                GradeReviewFlag(
                    grade_id=grade["pk"], cause=cause, source_key=key, details=str(details), raised_on=today
                )
                for cause, key, details in causes
                if (grade["pk"], key) not in raised
            ]
    GradeReviewFlag.objects.bulk_create(flags)
    return len(flags)


@transaction.atomic
def resolve_review_flag(*, flag: GradeReviewFlag, actor, resolution: str) -> GradeReviewFlag:
    """A district officer closes a flag after review without changing the grade, saying why.
    (A downgrade or cancellation resolves the grade's open flags itself.)"""
    flag = (
        GradeReviewFlag.objects.select_for_update().select_related("grade__case__campaign__authority").get(pk=flag.pk)
    )
    if not cases.is_campaign_officer(actor, flag.grade.case.campaign):
        raise PermissionDenied(_("只有该评估活动所属登记管理机关的工作人员可以处理复查提示。"))
    if flag.resolved_at is not None:
        raise ValidationError(_("该复查提示已经处理。"))
    resolution = (resolution or "").strip()
    if not resolution:
        raise ValidationError({"resolution": _("请填写处理意见。")})
    flag.resolved_at, flag.resolution = timezone.now(), resolution
    flag.save(update_fields=["resolved_at", "resolution"])
    record(
        actor=actor,
        action="grade.resolve_review",
        target=flag,
        reason=resolution,
        after={"grade": flag.grade.grade},
        organization=flag.grade.organization,
    )
    return flag


# --- Downgrading and cancelling -------------------------------------------------------------------


def _check_may_change(grade: OrganizationGrade, actor, reason: str, on: datetime.date) -> str:
    if not cases.is_campaign_officer(actor, grade.case.campaign):
        raise PermissionDenied(_("只有该评估活动所属登记管理机关的工作人员可以降低或取消等级。"))
    if grade.status == GradeStatus.CANCELLED:
        raise ValidationError(_("该等级已经取消。"))
    if not isinstance(on, datetime.date):
        raise ValidationError({"on": _("请填写决定日期。")})
    if on > timezone.localdate():
        raise ValidationError({"on": _("决定日期不能晚于今天。")})
    if on > grade.valid_until:
        raise ValidationError(_("该等级已于%(date)s期满，无须降低或取消。") % {"date": grade.valid_until.isoformat()})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写理由。")})
    return reason


def _record_change(*, grade: OrganizationGrade, kind: str, to_grade: str, reason: str, actor, on) -> GradeChange:
    change = GradeChange(
        grade=grade,
        kind=kind,
        from_grade=grade.grade,
        to_grade=to_grade,
        reason=reason,
        decided_by=actor,
        decided_on=on,
        return_due_on=on + datetime.timedelta(days=RETURN_DAYS),
    )
    change.full_clean()
    change.save()
    record(
        actor=actor,
        action=f"grade.{kind}",
        target=grade,
        reason=reason,
        before={"grade": grade.grade, "status": GradeStatus(grade.status).label},
        after={"grade": to_grade or None, "decided_on": on},
        organization=grade.organization,
    )
    grade.review_flags.filter(resolved_at__isnull=True).update(resolved_at=timezone.now(), resolution=reason)
    return change


def _locked(grade: OrganizationGrade) -> OrganizationGrade:
    # The organization before the grade, in the order issuing a certificate takes them (the
    # change revokes and may reissue it): see `certificates.lock_organization`.
    certificates.lock_organization(grade.organization_id)
    return (
        OrganizationGrade.objects.select_for_update(of=("self",))  # the grade only, not its campaign's rows
        .select_related("case__campaign__authority")
        .get(pk=grade.pk)
    )


@transaction.atomic
def downgrade_grade(*, grade: OrganizationGrade, to_grade: str, reason: str, actor, on: datetime.date) -> GradeChange:
    """A district officer lowers a grade in force, with a reason; open review flags are resolved
    with it, and the certificate and plaque are due back within `RETURN_DAYS` days.

    The certificate of the old grade is revoked; if the new grade still reaches the campaign's
    threshold, a new certificate with a new number replaces it.
    """
    grade = _locked(grade)
    reason = _check_may_change(grade, actor, reason, on)
    if to_grade not in Grade.values:
        raise ValidationError({"to_grade": _("请选择降低后的等级。")})
    if grade_rank(to_grade) >= grade_rank(grade.grade):
        raise ValidationError({"to_grade": _("降低后的等级须低于现有等级%(grade)s。") % {"grade": grade.grade}})
    change = _record_change(
        grade=grade, kind=GradeChangeKind.DOWNGRADE, to_grade=to_grade, reason=reason, actor=actor, on=on
    )
    grade.grade = to_grade
    grade.save(update_fields=["grade"])
    certificates.reissue_after_regrading(
        grade,
        reason=certificates.downgrade_reason(from_grade=change.from_grade, to_grade=to_grade, reason=reason),
        on=on,
        actor=actor,
    )
    return change


@transaction.atomic
def cancel_grade(*, grade: OrganizationGrade, reason: str, actor, on: datetime.date) -> GradeChange:
    """A district officer cancels a grade, with a reason; as for a downgrade, open review flags
    are resolved and the return of the certificate and plaque is tracked.

    The grade's certificate is revoked.
    """
    grade = _locked(grade)
    reason = _check_may_change(grade, actor, reason, on)
    change = _record_change(grade=grade, kind=GradeChangeKind.CANCEL, to_grade="", reason=reason, actor=actor, on=on)
    grade.status = GradeStatus.CANCELLED
    grade.save(update_fields=["status"])
    certificates.revoke_certificates(
        grade_record=grade, reason=certificates.cancellation_reason(reason), on=on, actor=actor
    )
    return change


@transaction.atomic
def record_return(
    *,
    change: GradeChange,
    actor,
    certificate_returned_on: datetime.date | None = None,
    plaque_returned_on: datetime.date | None = None,
) -> GradeChange:
    """A district officer records the day the certificate and/or the plaque came back."""
    change = (
        GradeChange.objects.select_for_update().select_related("grade__case__campaign__authority").get(pk=change.pk)
    )
    if not cases.is_campaign_officer(actor, change.grade.case.campaign):
        raise PermissionDenied(_("只有该评估活动所属登记管理机关的工作人员可以登记交回情况。"))
    if not needs_return(change):
        raise ValidationError(_("该等级未颁发证书和牌匾，无须交回。"))
    if certificate_returned_on is None and plaque_returned_on is None:
        raise ValidationError(_("请填写证书或牌匾的交回日期。"))
    today = timezone.localdate()
    for field, day in (
        ("certificate_returned_on", certificate_returned_on),
        ("plaque_returned_on", plaque_returned_on),
    ):
        if day is None:
            continue
        if day < change.decided_on:
            raise ValidationError({field: _("交回日期不能早于决定日期。")})
        if day > today:
            raise ValidationError({field: _("交回日期不能晚于今天。")})
        setattr(change, field, day)
    change.full_clean()
    change.save(update_fields=["certificate_returned_on", "plaque_returned_on"])
    record(
        actor=actor,
        action="grade.record_return",
        target=change,
        after={
            "certificate_returned_on": change.certificate_returned_on,
            "plaque_returned_on": change.plaque_returned_on,
        },
        organization=change.grade.organization,
    )
    return change


def _needs_return() -> Q:
    """Changes of a grade that came with a certificate and plaque (at or above its campaign's
    certificate threshold); below it there is nothing to return."""
    condition = Q(pk__in=[])
    for threshold in Grade.values:
        condition |= Q(
            grade__case__campaign__certificate_threshold=threshold,
            from_grade__in=[grade for grade in Grade.values if grading.reaches(grade, threshold)],
        )
    return condition


def needs_return(change: GradeChange) -> bool:
    return grading.reaches(change.from_grade, change.grade.case.campaign.certificate_threshold)


def is_overdue(change: GradeChange, today: datetime.date) -> bool:
    missing = change.certificate_returned_on is None or change.plaque_returned_on is None
    return missing and change.return_due_on < today and needs_return(change)


def overdue_returns(today: datetime.date):
    """Changes whose certificate or plaque is still out after its due day, earliest first."""
    return (
        GradeChange.objects.filter(_needs_return(), return_due_on__lt=today)
        .filter(Q(certificate_returned_on__isnull=True) | Q(plaque_returned_on__isnull=True))
        .select_related("grade__organization")
        .order_by("return_due_on", "pk")
    )
