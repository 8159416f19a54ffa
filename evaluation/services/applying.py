"""Applying for evaluation (DESIGN.md section 9, application phase): an organization's account
starts a case in an open campaign, scores itself against the campaign's framework for its kind,
and files evidence per indicator, all until the campaign's `applications_close_on` (an officer
extends the phase by changing the campaign's dates). Submitting and withdrawing go through
`cases.act_on_case`, which asks `check_ready_to_submit` first."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from registry.enums import OrganizationStatus
from registry.models import Organization, OrganizationAccount
from registry.uploads import store_private_file

from ..enums import CampaignPurpose, CaseState, grade_rank
from ..models import Campaign, CampaignFramework, Case, EvidenceFile, GradeBand, Indicator, SelfAssessment
from ..selectors.assessments import scored_leaves
from ..selectors.cases import campaigns_covering
from . import grading
from .grading import format_points, parse_points

# Organizations that exist and may be evaluated; closed ones (revoked, deregistered, lapsed) may not.
APPLYING_STATUSES = (OrganizationStatus.ACTIVE, OrganizationStatus.ABNORMAL, OrganizationStatus.FILED)
MAX_EVIDENCE_FILES = 200  # per case: a generous bound that keeps one case from filling the disk
MISSING_SHOWN = 10  # unscored indicators named in the refusal; the form marks them all


def _check_account(actor, organization_id: int) -> None:
    if actor is None or not OrganizationAccount.objects.filter(user=actor, organization_id=organization_id).exists():
        raise PermissionDenied(_("只有该组织的账号可以办理评估申请。"))


def applications_closed(campaign: Campaign, today: datetime.date) -> bool:
    """Has the campaign's application phase ended (after `applications_close_on`)? An officer
    extends it by changing the campaign's dates."""
    return today > campaign.applications_close_on


def closed_message(campaign: Campaign, what: str) -> str:
    """Why nothing more can be done on `campaign`'s applications: `what` says what was refused."""
    return _("“%(campaign)s”的申请已于%(date)s截止，%(what)s。") % {
        "campaign": campaign.name,
        "date": campaign.applications_close_on.isoformat(),
        "what": what,
    }


def _check_draft(case: Case, today: datetime.date | None) -> None:
    """The self-assessment and evidence change only while the case is a draft and the campaign
    still takes applications."""
    if case.state != CaseState.DRAFT:
        raise ValidationError(
            _("评估申请当前状态为“%(state)s”，不能再修改自评和佐证材料。") % {"state": case.get_state_display()}
        )
    if applications_closed(case.campaign, today or timezone.localdate()):
        raise ValidationError(closed_message(case.campaign, _("不能再修改自评和佐证材料")))


@transaction.atomic
def start_case(
    *,
    campaign: Campaign,
    organization: Organization,
    actor,
    today: datetime.date | None = None,
    purpose: str = CampaignPurpose.EVALUATION,
) -> Case:
    """An account of the organization opens its case (a draft) in a campaign of `purpose` whose
    applications are open and which has a framework for the organization's kind; one case per
    campaign. A venture project's submission opens its review case here too."""
    today = today or timezone.localdate()
    _check_account(actor, organization.pk)
    if campaign.purpose != purpose:
        raise ValidationError(_("“%(campaign)s”不接受此类申请。") % {"campaign": campaign.name})
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    if organization.status not in APPLYING_STATUSES:
        raise ValidationError(
            _("该组织当前状态为“%(status)s”，不能申请评估。") % {"status": organization.get_status_display()}
        )
    if not Campaign.objects.filter(campaigns_covering(organization), pk=campaign.pk).exists():
        raise ValidationError(_("该评估活动不是本组织登记管理机关组织的评估，不能申请。"))
    if not campaign.applications_open_on <= today <= campaign.applications_close_on:
        raise ValidationError(
            _("“%(campaign)s”的申请时间为%(open)s至%(close)s，现在不能申请。")
            % {
                "campaign": campaign.name,
                "open": campaign.applications_open_on.isoformat(),
                "close": campaign.applications_close_on.isoformat(),
            }
        )
    use = CampaignFramework.objects.filter(campaign=campaign, kind=organization.kind).select_related("framework")
    if not use.exists():
        raise ValidationError(
            _("“%(campaign)s”不接受%(kind)s申请。")
            % {"campaign": campaign.name, "kind": organization.get_kind_display()}
        )
    if Case.objects.filter(campaign=campaign, organization=organization).exists():
        raise ValidationError(_("本组织已申请“%(campaign)s”，不能重复申请。") % {"campaign": campaign.name})
    case = Case(campaign=campaign, organization=organization, framework=use.get().framework, applicant=actor)
    case.full_clean()
    case.save()
    return case


def save_self_assessment(
    *, case: Case, actor, entries: dict[int, tuple[object, str]], today: datetime.date | None = None
) -> Case:
    """Save the organization's points and notes, `{indicator_id: (points, note)}`, for scored
    indicators of the case's framework, while the case is a draft and applications are open
    (`today`, by default the real one, is no later than the campaign's `applications_close_on`).

    Saving may be partial: blank points clear an indicator. Valid entries are saved even when
    others are not; then a ValidationError keyed by indicator id (as a string) says why each
    refused value was not saved, so the form can show them beside what was typed.
    """
    saved, errors = _save_valid_entries(case=case, actor=actor, entries=entries, today=today)
    case.self_assessment_total = saved.self_assessment_total
    if errors:
        raise ValidationError(errors)
    return case


@transaction.atomic
def _save_valid_entries(*, case: Case, actor, entries, today) -> tuple[Case, dict[str, ValidationError]]:
    case = Case.objects.select_for_update().select_related("campaign").get(pk=case.pk)
    _check_account(actor, case.organization_id)
    _check_draft(case, today)
    scored = {indicator.pk: indicator for indicator in scored_leaves(case.framework)}
    existing = {entry.indicator_id: entry for entry in case.self_assessments.all()}
    errors: dict[str, ValidationError] = {}
    new, changed, cleared = {}, [], []  # new entries by indicator: one each, whatever the keys
    for indicator_id, (raw_points, note) in entries.items():
        indicator = scored.get(_as_id(indicator_id))
        note = (note or "").strip()
        if indicator is None:
            errors[str(indicator_id)] = ValidationError(_("该指标不是本评估指标体系的评分项。"))
            continue
        try:
            points = parse_points(raw_points, indicator.max_points)
        except ValidationError as error:
            errors[str(indicator.pk)] = error
            continue
        if points is None:
            if note:
                errors[str(indicator.pk)] = ValidationError(_("填写说明时请同时填写自评分。"))
            elif indicator.pk in existing:
                cleared.append(existing[indicator.pk].pk)
            continue
        entry = existing.get(indicator.pk)
        if entry is None:
            new[indicator.pk] = SelfAssessment(case=case, indicator=indicator, points=points, note=note)
        elif (entry.points, entry.note) != (points, note):
            entry.points, entry.note = points, note
            changed.append(entry)
    # A whole framework is saved at once: a few queries, not one per indicator.
    SelfAssessment.objects.filter(pk__in=cleared).delete()
    SelfAssessment.objects.bulk_create(new.values())
    SelfAssessment.objects.bulk_update(changed, ["points", "note"])
    case.self_assessment_total = case.self_assessments.aggregate(total=Sum("points"))["total"]
    case.save(update_fields=["self_assessment_total"])
    return case, errors


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def attach_evidence(
    *, case: Case, indicator: Indicator, actor, upload, today: datetime.date | None = None
) -> EvidenceFile:
    """File a document as evidence for one scored indicator of a draft case while applications
    are open, checked by content and size (`registry.uploads`), up to MAX_EVIDENCE_FILES per case."""
    case = Case.objects.select_for_update().select_related("campaign").get(pk=case.pk)
    _check_account(actor, case.organization_id)
    _check_draft(case, today)
    if not scored_leaves(case.framework).filter(pk=indicator.pk).exists():
        raise ValidationError({"indicator": _("请选择本评估指标体系的评分项。")})
    if case.evidence_files.count() >= MAX_EVIDENCE_FILES:
        raise ValidationError(
            {"file": _("每个评估申请最多上传%(limit)d个佐证材料文件。") % {"limit": MAX_EVIDENCE_FILES}}
        )
    if case.evidence_files.filter(indicator=indicator).count() >= settings.UPLOAD_MAX_FILES_PER_ITEM:
        raise ValidationError(
            {"file": _("每个评分项最多上传%(limit)d个佐证材料文件。") % {"limit": settings.UPLOAD_MAX_FILES_PER_ITEM}}
        )
    evidence = store_private_file(EvidenceFile(case=case, indicator=indicator, uploaded_by=actor), upload)
    record(
        actor=actor,
        action="evidence.attach",
        target=evidence,
        after=_evidence_facts(evidence),
        organization=case.organization,
    )
    return evidence


def _evidence_facts(evidence: EvidenceFile) -> dict:
    """What the audit log keeps of a document: which indicator, its name and its checksum."""
    return {"indicator": evidence.indicator, "file": evidence.original_name, "sha256": evidence.sha256}


@transaction.atomic
def remove_evidence(*, evidence: EvidenceFile, actor, today: datetime.date | None = None) -> None:
    """Take back a document filed by mistake, while the case is a draft and applications are
    open; the file goes with it."""
    case = Case.objects.select_for_update().select_related("campaign").get(pk=evidence.case_id)
    _check_account(actor, case.organization_id)
    _check_draft(case, today)
    stored = evidence.file
    record(
        actor=actor,
        action="evidence.remove",
        target=evidence,
        before=_evidence_facts(evidence),
        organization=case.organization,
    )
    evidence.delete()
    transaction.on_commit(lambda: stored.delete(save=False))


def _band_label(band: GradeBand) -> str:
    bound = format_points(band.min_score)
    if band.inclusive:
        return _("%(grade)s（不低于%(points)s分）") % {"grade": band.grade, "points": bound}
    return _("%(grade)s（高于%(points)s分）") % {"grade": band.grade, "points": bound}


def check_ready_to_submit(case: Case, today: datetime.date | None = None) -> None:
    """The campaign still takes applications on `today` (by default the real one); every scored
    indicator has the organization's points; and when the framework sets a minimum self-assessed
    grade, the self-assessment reaches it (veto items scored 0 cap it)."""
    if applications_closed(case.campaign, today or timezone.localdate()):
        raise ValidationError(closed_message(case.campaign, _("不能再提交申请")))
    scores = {entry.indicator_id: entry.points for entry in case.self_assessments.all()}
    indicators = list(scored_leaves(case.framework))
    missing = [indicator for indicator in indicators if indicator.pk not in scores]
    if missing:
        names = "、".join(f"{indicator.code} {indicator.name}" for indicator in missing[:MISSING_SHOWN])
        if len(missing) > MISSING_SHOWN:
            names += _("等%(count)d项") % {"count": len(missing)}
        raise ValidationError(_("以下指标尚未自评：%(names)s。") % {"names": names})
    minimum = case.framework.self_assessment_min_grade
    if not minimum:
        return
    total = sum(scores.values(), Decimal(0))
    vetoed = [indicator for indicator in indicators if indicator.veto_caps_grade and scores[indicator.pk] == 0]
    grade = grading.framework_grade(case.framework, total, [indicator.veto_caps_grade for indicator in vetoed])
    if grading.reaches(grade, minimum):
        return
    band = case.framework.bands.filter(grade=minimum).first()
    wanted = _band_label(band) if band else minimum
    capping = [indicator for indicator in vetoed if grade_rank(indicator.veto_caps_grade) < grade_rank(minimum)]
    if capping and grading.reaches(grading.framework_grade(case.framework, total), minimum):
        raise ValidationError(
            _("“%(indicator)s”自评为0分，等级最高为%(cap)s，未达到%(grade)s，不能申请。")
            % {
                "indicator": f"{capping[0].code} {capping[0].name}",
                "cap": capping[0].veto_caps_grade,
                "grade": wanted,
            }
        )
    raise ValidationError(
        _("自评得分为%(total)s分，未达到%(grade)s，不能申请。") % {"total": format_points(total), "grade": wanted}
    )
