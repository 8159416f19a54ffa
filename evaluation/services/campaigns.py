"""Campaigns (DESIGN.md section 9): one a year per registration authority, with a framework per
kind of organization, the phase dates and the rules each phase reads.

A campaign is run by the city or district officers who reach its authority
(`selectors.campaigns.campaign_authorities_for_user`). Taking a framework up freezes it (see
`services.frameworks`), so the framework row is locked while it is checked and linked.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from audit.services import changes, record
from registry.enums import OrganizationKind

from ..enums import CampaignPurpose
from ..models import Campaign, CampaignFramework, Case, Framework, Notice
from ..selectors.campaigns import campaign_authorities_for_user
from .frameworks import framework_problems

CAMPAIGN_FIELDS = (
    "name",
    "year",
    "committee",
    "applications_open_on",
    "applications_close_on",
    "scoring_closes_on",
    "notice_days",
    "certificate_threshold",
    "validity_rule",
    "aggregation",
    "disagreement_share",
    "check_years_registered",
    "min_years_registered",
    "check_annual_report",
    "check_credit_lists",
    "check_penalties",
    "penalty_years",
    "check_grade_status",
    "reapply_window_months",
)


def framework_key(kind: str) -> str:
    """The error key (and form field) of the framework chosen for `kind`."""
    return f"framework_{kind}"


def _one_a_year_message(campaign: Campaign) -> str:
    return _("%(authority)s %(year)d 年度已有评估活动，每个登记管理机关每年只能开展一次评估。") % {
        "authority": campaign.authority.name,
        "year": campaign.year,
    }


def _check_dates(campaign: Campaign, errors: dict) -> None:
    if campaign.applications_close_on < campaign.applications_open_on:
        errors["applications_close_on"] = _("申请截止日期不能早于申请开始日期。")
    if campaign.scoring_closes_on < campaign.applications_close_on:
        errors["scoring_closes_on"] = _("评分截止日期不能早于申请截止日期。")


def _check_frameworks(campaign: Campaign, frameworks: dict[str, Framework], errors: dict) -> None:
    if not frameworks:
        errors["__all__"] = _("请至少为一类组织选择指标体系。")
        return
    for kind, framework in frameworks.items():
        label = OrganizationKind(kind).label
        if kind not in framework.applies_to:
            errors[framework_key(kind)] = _("指标体系“%(framework)s”不适用于%(kind)s。") % {
                "framework": framework,
                "kind": label,
            }
        elif problems := framework_problems(framework, graded=campaign.purpose == CampaignPurpose.EVALUATION):
            errors[framework_key(kind)] = [
                _("指标体系“%(framework)s”尚不完整，不能使用：") % {"framework": framework},
                *problems,
            ]
    if campaign.pk is None:
        return
    # Cases keep the framework they were made with; a kind that has some keeps it too.
    for kind in OrganizationKind.values:
        chosen = frameworks.get(kind)
        cases = Case.objects.filter(campaign=campaign, organization__kind=kind)
        if chosen is not None:
            cases = cases.exclude(framework=chosen)
        if cases.exists():
            errors[framework_key(kind)] = _("已有%(kind)s的评估申请，不能更换或取消其指标体系。") % {
                "kind": OrganizationKind(kind).label
            }


def _facts(campaign: Campaign) -> dict:
    """What the audit log keeps of a campaign: its fields and the framework of each kind."""
    facts = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}
    if campaign.pk is not None:
        facts |= {framework_key(row.kind): row.framework for row in campaign.frameworks.select_related("framework")}
    return facts


def _save(campaign: Campaign, *, data: dict, frameworks: dict[str, Framework], actor) -> Campaign:
    if not campaign_authorities_for_user(actor).filter(pk=campaign.authority_id).exists():
        raise ValidationError({"authority": _("只能为您任职的市、区登记管理机关开展评估活动。")})
    created = campaign.pk is None
    before = {} if created else _facts(campaign)
    for name in CAMPAIGN_FIELDS:
        setattr(campaign, name, data[name])
    # Locked: a framework cannot be edited while a campaign takes it up, nor the reverse.
    locked = Framework.objects.select_for_update().in_bulk([framework.pk for framework in frameworks.values()])
    frameworks = {kind: locked[framework.pk] for kind, framework in frameworks.items()}
    errors: dict = {}
    _check_dates(campaign, errors)
    if campaign.purpose == CampaignPurpose.EVALUATION:
        if campaign.committee is None or campaign.committee.authority_id != campaign.authority_id:
            errors["committee"] = _("请选择%(authority)s的评估委员会。") % {"authority": campaign.authority.name}
        others = Campaign.objects.filter(
            authority=campaign.authority, year=campaign.year, purpose=CampaignPurpose.EVALUATION
        ).exclude(pk=campaign.pk)
        if others.exists():
            errors["year"] = _one_a_year_message(campaign)
    _check_frameworks(campaign, frameworks, errors)
    if errors:
        raise ValidationError(errors)
    campaign.full_clean()
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:  # another officer created the year's campaign meanwhile
        raise ValidationError({"year": _one_a_year_message(campaign)}) from None
    campaign.frameworks.exclude(kind__in=list(frameworks)).delete()
    for kind, framework in frameworks.items():
        CampaignFramework.objects.update_or_create(campaign=campaign, kind=kind, defaults={"framework": framework})
    if created:
        record(actor=actor, action="campaign.create", target=campaign, after=_facts(campaign))
    else:
        old, new = changes(before, _facts(campaign))
        record(actor=actor, action="campaign.change", target=campaign, before=old, after=new)
    return campaign


@transaction.atomic
def create_campaign(*, authority, data: dict, frameworks: dict[str, Framework], actor) -> Campaign:
    """A campaign of `authority` with `data` (every name of CAMPAIGN_FIELDS) and a framework per
    kind; every problem comes back in one ValidationError keyed by field (`framework_<kind>`)."""
    return _save(Campaign(authority=authority), data=data, frameworks=frameworks, actor=actor)


@transaction.atomic
def change_campaign(*, campaign: Campaign, data: dict, frameworks: dict[str, Framework], actor) -> Campaign:
    """The same rules as `create_campaign`; the authority stays. A kind that already has cases
    keeps its framework."""
    campaign = Campaign.objects.select_for_update().select_related("authority").get(pk=campaign.pk)
    return _save(campaign, data=data, frameworks=frameworks, actor=actor)


# What a venture review reads of a campaign; every eligibility rule is off (the call checks its
# own) and there is no committee, notice or certificate.
REVIEW_FIELDS = ("name", "year", "applications_open_on", "applications_close_on", "scoring_closes_on")


@transaction.atomic
def save_review_campaign(*, campaign: Campaign | None, authority, data: dict, framework: Framework, actor) -> Campaign:
    """The campaign behind a venture-philanthropy call: `data` holds REVIEW_FIELDS, `framework`
    is the scoring sheet, used for every kind of organization it applies to. Created when
    `campaign` is None, else changed; the same checks as an evaluation's campaign."""
    if campaign is None:
        campaign = Campaign(authority=authority, purpose=CampaignPurpose.VENTURE)
        for switch in ("check_years_registered", "check_annual_report", "check_credit_lists", "check_penalties"):
            setattr(campaign, switch, False)
        campaign.check_grade_status = False
    else:
        campaign = Campaign.objects.select_for_update().select_related("authority").get(pk=campaign.pk)
    full = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS} | {name: data[name] for name in REVIEW_FIELDS}
    kinds = [kind for kind in OrganizationKind.values if kind in framework.applies_to]
    return _save(campaign, data=full, frameworks=dict.fromkeys(kinds, framework), actor=actor)


@transaction.atomic
def delete_campaign(*, campaign: Campaign, actor) -> None:
    """Only a campaign nobody has applied to yet (say, one created by mistake) can go: its
    committee's meetings and its public notice are records that stay with it."""
    if not campaign_authorities_for_user(actor).filter(pk=campaign.authority_id).exists():
        raise ValidationError(_("只能删除您任职的市、区登记管理机关的评估活动。"))
    if campaign.cases.exists():
        raise ValidationError(_("该评估活动已有评估申请，不能删除。"))
    if campaign.meetings.exists():
        raise ValidationError(_("该评估活动已有评估委员会会议记录，不能删除。"))
    if Notice.objects.filter(campaign=campaign).exists():
        raise ValidationError(_("该评估活动已发布公示，不能删除。"))
    # The entry outlives the row: it names the campaign and keeps its facts.
    record(actor=actor, action="campaign.delete", target=campaign, before=_facts(campaign))
    campaign.delete()
