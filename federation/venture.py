"""Writes of venture philanthropy (公益创投, DESIGN.md section 8).

A call is the district's: its officers (those of the evaluation campaign behind it) create it,
send the submitted projects to the expert panel, decide the funding, publish the results, review
the reports and stop a project's funding. An organization's accounts draft, submit and withdraw
its project and file its reports.

The experts' work is the evaluation app's, not a copy of it: submitting a project opens its
organization's case in the call's campaign (`evaluation.services.applying.start_case`), and
sending it to the panel moves the case to the panel's agency (`act_on_case`, OPEN_REVIEW); the
agency manager then assigns experts, who score, and the lead moderates, as in any evaluation.
A moderated case's total is the project's score.

`_move` is the one writer of a project's state: it records the step in the timeline.
"""

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import changes, record
from evaluation.enums import AgencyRole, CampaignPurpose, CaseAction, CaseState
from evaluation.models import Framework
from evaluation.services import cases as evaluation_cases
from evaluation.services.applying import APPLYING_STATUSES, start_case
from evaluation.services.campaigns import REVIEW_FIELDS, save_review_campaign
from registry.models import AdministrativeUnit, Organization, OrganizationAccount
from registry.services.notifications import notify

from .enums import ProjectReportKind, ProjectReportResult, ProjectState
from .models import ProjectEvent, ProjectReport, VentureCall, VentureProject, VentureTier
from .models.venture import GRANTED_STATES
from .venture_selectors import committed_amount, rule_results

State = ProjectState
MONEY_LIMIT = Decimal("1e10")  # the amount columns hold 12 digits, two of them decimals

# The call's own fields (the rest, REVIEW_FIELDS and `sheet`, are its campaign's).
CALL_FIELDS = (
    "panel",
    "guide",
    "budget",
    "project_starts_on",
    "project_ends_on",
    "midterm_due_on",
    "final_due_on",
    "check_credit_lists",
    "check_annual_report",
    "check_ban",
    "ban_years",
)
PROJECT_FIELDS = ("tier", "title", "need", "plan", "budget_plan", "amount_requested", "outcomes")
# The texts a draft may leave blank but a submission needs.
SUBMISSION_FIELDS = ("need", "plan", "budget_plan", "outcomes")


# --- Who may act ----------------------------------------------------------------------------------


def is_call_officer(user, call: VentureCall) -> bool:
    """The district (or city) officers over the call's authority: the evaluation campaign's."""
    return evaluation_cases.is_campaign_officer(user, call.campaign) if user is not None else False


def _ensure_officer(user, call: VentureCall) -> None:
    if not is_call_officer(user, call):
        raise PermissionDenied(_("只有组织该公益创投的民政部门工作人员可以办理。"))


def _ensure_account(user, organization_id: int) -> None:
    if user is None or not OrganizationAccount.objects.filter(user=user, organization_id=organization_id).exists():
        raise PermissionDenied(_("只有该组织的账号可以办理公益创投项目。"))


def _move(project: VentureProject, to_state: str, actor, reason: str = "") -> VentureProject:
    ProjectEvent.objects.create(
        project=project, from_state=project.state, to_state=to_state, actor=actor, reason=reason
    )
    record(
        actor=actor,
        action=f"venture.{to_state}",
        target=project,
        reason=reason,
        before={"state": State(project.state).label},
        after={
            "state": State(to_state).label,
            "granted_amount": project.granted_amount,
            "paid_amount": project.paid_amount,
        },
        organization=project.organization,
    )
    project.state = to_state
    project.save()
    return project


def _locked(project: VentureProject) -> VentureProject:
    return VentureProject.objects.select_for_update().select_related("call__campaign", "tier").get(pk=project.pk)


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: _("%(label)s须为数字（元）。") % {"label": label}}) from None
    # Bounded before rounding: quantizing a huge number raises instead of answering.
    if not amount.is_finite() or not 0 < amount < MONEY_LIMIT or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(
            {field: _("%(label)s须为大于零、小于一百亿、最多两位小数的金额（元）。") % {"label": label}}
        )
    return amount


# --- Calls ----------------------------------------------------------------------------------------


def _check_call(call: VentureCall, tiers: list[dict], errors: dict) -> None:
    campaign = call.campaign
    if call.project_starts_on < campaign.scoring_closes_on:
        errors["project_starts_on"] = _("项目实施应在专家评审结束之后开始。")
    if call.project_ends_on < call.project_starts_on:
        errors["project_ends_on"] = _("实施结束日期不能早于开始日期。")
    if not call.project_starts_on <= call.midterm_due_on <= call.project_ends_on:
        errors["midterm_due_on"] = _("中期报告截止日期应在项目实施期内。")
    if call.final_due_on < call.project_ends_on:
        errors["final_due_on"] = _("结项报告截止日期不能早于实施结束日期。")
    if not tiers:
        errors["tiers"] = _("请至少设置一个资助档次。")
    names = [tier["name"] for tier in tiers]
    if len(set(names)) != len(names):
        errors["tiers"] = _("资助档次的名称不能重复。")
    for tier in tiers:
        if tier["max_amount"] > call.budget:
            errors["tiers"] = _("资助档次“%(name)s”的上限超过了资助总预算。") % {"name": tier["name"]}


def _call_facts(call: VentureCall) -> dict:
    """What the audit log keeps of a call (its campaign's facts are the campaign's entry)."""
    facts = {name: getattr(call, name) for name in CALL_FIELDS}
    if call.pk is not None:
        facts |= {f"tier {tier.name}": [tier.max_amount, tier.places] for tier in call.tiers.all()}
    return facts


@transaction.atomic
def save_call(
    *, call: VentureCall | None, authority: AdministrativeUnit, data: dict, tiers: list[dict], actor
) -> VentureCall:
    """Create (`call` None) or change a call: `data` holds REVIEW_FIELDS (its campaign's name,
    year, submission dates and the end of the experts' review), `sheet` (the scoring sheet, a
    framework) and CALL_FIELDS; `tiers` is a list of {name, max_amount, places}. A tier that
    projects have chosen stays. Every problem comes back in one ValidationError keyed by field."""
    sheet: Framework = data["sheet"]
    try:
        campaign = save_review_campaign(
            campaign=call.campaign if call else None,
            authority=authority,
            data={name: data[name] for name in REVIEW_FIELDS},
            framework=sheet,
            actor=actor,
        )
    except ValidationError as error:
        # The campaign keys a sheet problem by the kind it was checked for; here there is one sheet.
        raise ValidationError(
            {(key if not key.startswith("framework_") else "sheet"): value for key, value in error.message_dict.items()}
        ) from None
    if call is None:
        call, before = VentureCall(campaign=campaign), None
    else:
        call = VentureCall.objects.select_for_update().get(pk=call.pk)
        call.campaign, before = campaign, _call_facts(call)
        if call.results_published_at is not None:
            raise ValidationError(_("结果已公布的公益创投不能再修改。"))
    for name in CALL_FIELDS:
        setattr(call, name, data[name])
    errors: dict = {}
    _check_call(call, tiers, errors)
    if call.pk is not None:
        kept = {tier["name"] for tier in tiers}
        chosen = call.tiers.exclude(name__in=kept).filter(projects__isnull=False).distinct()
        if chosen.exists():
            errors["tiers"] = _("已有项目申报“%(names)s”，不能删除这些档次。") % {
                "names": "、".join(tier.name for tier in chosen)
            }
        if call.budget < committed_amount(call):
            errors["budget"] = _("资助总预算不能少于已立项资助的金额。")
    if errors:
        raise ValidationError(errors)
    call.full_clean()
    call.save()
    existing = {tier.name: tier for tier in call.tiers.all()}
    for row in tiers:
        tier = existing.pop(row["name"], None) or VentureTier(call=call, name=row["name"])
        tier.max_amount, tier.places = row["max_amount"], row.get("places")
        tier.full_clean()
        tier.save()
    for tier in existing.values():  # unchosen tiers that were left out
        tier.delete()
    if before is None:
        record(actor=actor, action="venture_call.create", target=call, after=_call_facts(call))
    else:
        old, new = changes(before, _call_facts(call))
        record(actor=actor, action="venture_call.change", target=call, before=old, after=new)
    return call


@transaction.atomic
def open_review(*, call: VentureCall, actor, today: datetime.date | None = None) -> int:
    """After the submission period, send every submitted project to the call's expert panel: its
    case goes to the panel's agency, whose manager assigns the experts. Returns how many went."""
    today = today or timezone.localdate()
    _ensure_officer(actor, call)
    call = VentureCall.objects.select_for_update().select_related("campaign", "panel").get(pk=call.pk)
    if today <= call.campaign.applications_close_on:
        raise ValidationError(
            _("申报截止日期为%(date)s，截止后才能提交专家评审。")
            % {"date": call.campaign.applications_close_on.isoformat()}
        )
    # Only the projects' rows: PostgreSQL cannot lock the nullable side of the join to their cases.
    projects = list(call.projects.select_for_update(of=("self",)).filter(state=State.SUBMITTED).select_related("case"))
    for project in projects:
        evaluation_cases.act_on_case(
            case=project.case, action=CaseAction.OPEN_REVIEW, actor=actor, extra={"agency": call.panel}
        )
        _move(project, State.IN_REVIEW, actor)
    record(actor=actor, action="venture_call.open_review", target=call, after={"projects": len(projects)})
    managers = [member.user for member in call.panel.members.filter(role=AgencyRole.MANAGER).select_related("user")]
    if projects and managers:
        notify(
            users=managers,
            message=_("“%(call)s”有%(count)d个项目待指派评审专家。") % {"call": call.name, "count": len(projects)},
        )
    return len(projects)


@transaction.atomic
def publish_results(*, call: VentureCall, actor) -> VentureCall:
    """Publish the funding decisions on the site, once every reviewed project has one."""
    _ensure_officer(actor, call)
    call = VentureCall.objects.select_for_update().select_related("campaign").get(pk=call.pk)
    if call.results_published_at is not None:
        raise ValidationError(_("结果已经公布。"))
    waiting = call.projects.filter(state__in=[State.SUBMITTED, State.IN_REVIEW]).count()
    if waiting:
        raise ValidationError(_("还有%(count)d个项目未作出资助决定，不能公布结果。") % {"count": waiting})
    if not call.projects.filter(state=State.FUNDED).exists():
        raise ValidationError(_("尚无立项资助的项目，不能公布结果。"))
    call.results_published_at = timezone.now()
    call.save(update_fields=["results_published_at"])
    record(
        actor=actor,
        action="venture_call.publish_results",
        target=call,
        before={"results_published_at": None},
        after={"results_published_at": call.results_published_at},
    )
    return call


# --- Projects -------------------------------------------------------------------------------------


def _check_submissions_open(call: VentureCall, today: datetime.date) -> None:
    campaign = call.campaign
    if not campaign.applications_open_on <= today <= campaign.applications_close_on:
        raise ValidationError(
            _("“%(call)s”的申报时间为%(open)s至%(close)s，现在不能申报。")
            % {
                "call": call.name,
                "open": campaign.applications_open_on.isoformat(),
                "close": campaign.applications_close_on.isoformat(),
            }
        )


def _fill(project: VentureProject, data: dict) -> None:
    errors: dict = {}
    for name in PROJECT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "amount_requested":
            try:
                value = _money(value, name, _("申请资助金额"))
            except ValidationError as error:
                errors.update(error.message_dict)
                continue
        elif isinstance(value, str):
            value = value.strip()
        setattr(project, name, value)
    if project.tier_id is not None and project.tier.call_id != project.call_id:
        errors["tier"] = _("请选择本期公益创投的资助档次。")
    elif (
        project.tier_id is not None and project.amount_requested and project.amount_requested > project.tier.max_amount
    ):
        errors["amount_requested"] = _("申请资助金额不能超过“%(tier)s”的上限%(amount)s元。") % {
            "tier": project.tier.name,
            "amount": f"{project.tier.max_amount:,.2f}",
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_draft(
    *,
    project: VentureProject | None,
    call: VentureCall | None = None,
    organization: Organization | None = None,
    data: dict,
    actor,
    today: datetime.date | None = None,
) -> VentureProject:
    """Create (`project` None, with `call` and `organization`) or change a project's draft while
    the call takes submissions. Every field is checked; all problems come back at once."""
    today = today or timezone.localdate()
    if project is None:
        _ensure_account(actor, organization.pk)
        # Locked: of two drafts started at once (a double click), the second waits and sees the first.
        Organization.objects.select_for_update().only("pk").get(pk=organization.pk)
        if VentureProject.objects.filter(call=call, organization=organization).exists():
            raise ValidationError(_("每个组织每期公益创投只能申报一个项目。"))
        project = VentureProject(call=call, organization=organization, applicant=actor)
    else:
        project = _locked(project)
        _ensure_account(actor, project.organization_id)
        if project.state != State.DRAFT:
            raise ValidationError(_("项目已申报，不能再修改。"))
    _check_submissions_open(project.call, today)
    _fill(project, data)
    project.full_clean()
    project.save()
    return project


def _check_eligible(project: VentureProject, today: datetime.date) -> None:
    """Run the call's rules and refuse with every failure's reason; the results of a pass are
    kept on the project (saved with its next step)."""
    results = rule_results(project.call, project.organization, today)
    failures = [result["reason"] for result in results if not result["passed"]]
    if failures:
        raise ValidationError([_("不符合本期公益创投的申报条件："), *failures])
    project.eligibility = results


@transaction.atomic
def submit_project(*, project: VentureProject, actor, today: datetime.date | None = None) -> VentureProject:
    """Submit a complete draft. The call's eligibility rules run first (each gives its reason);
    then the project's review case is opened in the call's campaign."""
    today = today or timezone.localdate()
    project = _locked(project)
    _ensure_account(actor, project.organization_id)
    if project.state != State.DRAFT:
        raise ValidationError(_("项目当前状态为“%(state)s”，不能申报。") % {"state": project.get_state_display()})
    _check_submissions_open(project.call, today)
    if project.organization.status not in APPLYING_STATUSES:
        raise ValidationError(
            _("该组织当前状态为“%(status)s”，不能申报公益创投。")
            % {"status": project.organization.get_status_display()}
        )
    project.full_clean()
    missing = {
        name: _("申报前请填写%(label)s。") % {"label": VentureProject._meta.get_field(name).verbose_name}
        for name in SUBMISSION_FIELDS
        if not getattr(project, name).strip()
    }
    if missing:
        raise ValidationError(missing)
    _check_eligible(project, today)
    project.case = start_case(
        campaign=project.call.campaign,
        organization=project.organization,
        actor=actor,
        today=today,
        purpose=CampaignPurpose.VENTURE,
    )
    project.submitted_at = timezone.now()
    return _move(project, State.SUBMITTED, actor)


@transaction.atomic
def withdraw_project(*, project: VentureProject, actor, reason: str = "") -> VentureProject:
    """The organization withdraws its draft or submitted project (not once the experts have it)."""
    project = _locked(project)
    _ensure_account(actor, project.organization_id)
    if project.state not in (State.DRAFT, State.SUBMITTED):
        raise ValidationError(_("项目已提交专家评审，不能撤回。"))
    if project.case is not None:
        evaluation_cases.act_on_case(case=project.case, action=CaseAction.WITHDRAW, actor=actor, reason=reason)
    return _move(project, State.WITHDRAWN, actor, reason.strip())


@transaction.atomic
def decide_funding(
    *,
    project: VentureProject,
    fund: bool,
    amount=None,
    reason: str = "",
    actor,
    today: datetime.date | None = None,
) -> VentureProject:
    """The district's decision on a project the experts have scored (its case moderated): fund it
    with an amount within its tier, its request and what is left of the budget, or decline it
    with a reason.

    The call's row is locked first, so two officers funding at the same moment add up against
    the same budget: the second sees the first's grant and is refused if the budget would be
    exceeded."""
    today = today or timezone.localdate()
    call = VentureCall.objects.select_for_update().select_related("campaign").get(pk=project.call_id)
    _ensure_officer(actor, call)
    project = _locked(project)
    if call.results_published_at is not None:
        raise ValidationError(_("结果已公布，不能再作资助决定。"))
    if project.state != State.IN_REVIEW or project.case.state != CaseState.MODERATED:
        raise ValidationError(_("专家评审完成（复核汇总后）才能作资助决定。"))
    reason = (reason or "").strip()
    if not fund:
        if not reason:
            raise ValidationError({"reason": _("不予资助须填写理由。")})
        _move(project, State.NOT_FUNDED, actor, reason)
        notify(users=[project.applicant], message=_("您申报的项目“%(title)s”未获资助。") % {"title": project.title})
        return project
    amount = _money(amount, "amount", _("资助金额"))
    tier = project.tier
    if amount > tier.max_amount:
        raise ValidationError({"amount": _("资助金额不能超过“%(tier)s”的上限。") % {"tier": tier.name}})
    if amount > project.amount_requested:
        raise ValidationError({"amount": _("资助金额不能超过申请金额。")})
    if tier.places is not None and tier.projects.filter(state__in=GRANTED_STATES).count() >= tier.places:
        raise ValidationError(_("“%(tier)s”的%(places)d个名额已满。") % {"tier": tier.name, "places": tier.places})
    left = call.budget - committed_amount(call)
    if amount > left:
        raise ValidationError({"amount": _("资助金额超出预算：本期预算剩余%(left)s元。") % {"left": f"{left:,.2f}"}})
    _check_eligible(project, today)  # a listing or a missed report since submission stops the grant
    project.granted_amount = amount
    _move(project, State.FUNDED, actor, reason)
    notify(
        users=[project.applicant],
        message=_("您申报的项目“%(title)s”获得资助%(amount)s元。")
        % {"title": project.title, "amount": f"{amount:,.2f}"},
    )
    return project


@transaction.atomic
def stop_funding(*, project: VentureProject, paid_amount, reason: str, actor) -> VentureProject:
    """Stop a funded project (say, after a failed mid-term review): only what was already paid
    stays counted against the budget, and the organization may not apply for `ban_years`."""
    call = VentureCall.objects.select_for_update().get(pk=project.call_id)
    _ensure_officer(actor, call)
    project = _locked(project)
    if project.state != State.FUNDED:
        raise ValidationError(_("只有资助中的项目可以终止资助。"))
    reason = (reason or "").strip()
    errors = {}
    if not reason:
        errors["reason"] = _("终止资助须填写理由。")
    try:
        paid = Decimal(str(paid_amount).replace(",", "").strip())
        if not paid.is_finite() or paid < 0 or paid > project.granted_amount or paid != paid.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["paid_amount"] = _("已拨付金额须在0至资助金额%(amount)s元之间。") % {
            "amount": f"{project.granted_amount:,.2f}"
        }
    if errors:
        raise ValidationError(errors)
    project.paid_amount = paid
    _move(project, State.STOPPED, actor, reason)
    notify(
        users=[project.applicant],
        message=_("项目“%(title)s”已被终止资助：%(reason)s") % {"title": project.title, "reason": reason},
    )
    return project


# --- Reports --------------------------------------------------------------------------------------


@transaction.atomic
def file_report(*, project: VentureProject, kind: str, data: dict, actor) -> ProjectReport:
    """A funded project's mid-term report, then its final one once the mid-term is accepted; a
    returned report is corrected and filed again."""
    project = _locked(project)
    _ensure_account(actor, project.organization_id)
    if project.state != State.FUNDED:
        raise ValidationError(_("只有资助中的项目报送报告。"))
    kind = ProjectReportKind(kind)
    if (
        kind == ProjectReportKind.FINAL
        and not project.reports.filter(kind=ProjectReportKind.MIDTERM, result=ProjectReportResult.ACCEPTED).exists()
    ):
        raise ValidationError(_("中期报告审核通过后才能报送结项报告。"))
    report = project.reports.filter(kind=kind).first() or ProjectReport(project=project, kind=kind)
    if report.pk is not None and report.result != ProjectReportResult.RETURNED:
        raise ValidationError(_("%(kind)s已报送，待审核或已通过。") % {"kind": report.get_kind_display()})
    errors = {}
    for name in ("progress", "results"):
        setattr(report, name, (data.get(name) or "").strip())
    try:
        report.people_served = int(str(data.get("people_served", "")).strip())
        if report.people_served < 0:
            raise ValueError
    except ValueError:
        errors["people_served"] = _("服务人次须为不小于零的整数。")
    try:
        report.spent_amount = Decimal(str(data.get("spent_amount", "")).replace(",", "").strip())
        if not report.spent_amount.is_finite() or report.spent_amount < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["spent_amount"] = _("已使用资金须为不小于零的金额（元）。")
    else:
        if report.spent_amount > project.granted_amount:
            errors["spent_amount"] = _("已使用资金不能超过资助金额。")
    if errors:
        raise ValidationError(errors)
    report.submitted_by, report.submitted_at = actor, timezone.now()
    report.result, report.opinion, report.reviewed_by, report.reviewed_at = ProjectReportResult.PENDING, "", None, None
    report.full_clean()
    report.save()
    return report


@transaction.atomic
def review_report(*, report: ProjectReport, accept: bool, opinion: str, actor) -> ProjectReport:
    """The officer accepts a report, or returns it with an opinion; an accepted final report
    completes the project."""
    report = ProjectReport.objects.select_for_update().select_related("project__call__campaign").get(pk=report.pk)
    project = report.project
    _ensure_officer(actor, project.call)
    if report.result != ProjectReportResult.PENDING:
        raise ValidationError(_("该报告已审核。"))
    if project.state != State.FUNDED:
        raise ValidationError(_("项目当前状态为“%(state)s”，不能审核报告。") % {"state": project.get_state_display()})
    opinion = (opinion or "").strip()
    if not accept and not opinion:
        raise ValidationError({"opinion": _("退回修改须填写审核意见。")})
    report.result = ProjectReportResult.ACCEPTED if accept else ProjectReportResult.RETURNED
    report.opinion, report.reviewed_by, report.reviewed_at = opinion, actor, timezone.now()
    report.save()
    if accept and report.kind == ProjectReportKind.FINAL:
        _move(_locked(project), State.COMPLETED, actor, opinion)
    notify(
        users=[report.submitted_by],
        message=_("项目“%(title)s”的%(kind)s%(result)s。")
        % {"title": project.title, "kind": report.get_kind_display(), "result": report.get_result_display()},
    )
    return report
