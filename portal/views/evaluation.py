"""An organization's evaluation in its own area of the site (DESIGN.md section 9): the campaigns
open to it and its cases, starting a case, the self-assessment against the framework, evidence
per indicator (until the campaign's applications close), submitting, withdrawing (until the
committee has decided, with an optional explanation), and the case's eligibility results and
timeline.
Every write goes through `evaluation.services`; every case is looked up among `own_cases`, so
another organization's case answers 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluation.enums import CaseAction, CaseState
from evaluation.models import Campaign, Case
from evaluation.selectors.cases import (
    eligibility_results,
    evidence_files_for_user,
    grade_shown_to_applicant,
    open_campaigns_for_organization,
    own_cases,
    self_assessment_sheet,
    timeline_for_applicant,
)
from evaluation.services import cases
from evaluation.services.applying import (
    MAX_EVIDENCE_FILES,
    applications_closed,
    attach_evidence,
    closed_message,
    remove_evidence,
    save_self_assessment,
    start_case,
)
from evaluation.views.params import as_id

from ..forms_evaluation import EvidenceForm, SelfAssessmentForm
from .applications import LOGIN_URL, account_organization

# The organization's own steps, offered as buttons on the case's page.
APPLICANT_ACTIONS = (CaseAction.SUBMIT, CaseAction.WITHDRAW)


def _messages_from(request, error: Exception) -> None:
    for message in error.messages if isinstance(error, ValidationError) else [str(error)]:
        messages.error(request, message)


def _own_case(request, pk: int) -> Case:
    return get_object_or_404(own_cases(request.user), pk=pk)


def _sheet(request, case: Case):
    return self_assessment_sheet(case, evidence_files_for_user(request.user))


def _editable(case: Case) -> bool:
    """The self-assessment and evidence change while the case is a draft and the campaign still
    takes applications (the services refuse otherwise; this spares the form)."""
    return case.state == CaseState.DRAFT and not applications_closed(case.campaign, timezone.localdate())


@login_required(login_url=LOGIN_URL)
def evaluation_home(request):
    organization = account_organization(request.user)
    if organization is None:
        raise Http404
    return render(
        request,
        "portal/account/evaluation/index.html",
        {
            "organization": organization,
            "campaigns": open_campaigns_for_organization(organization, timezone.localdate()),
            "cases": own_cases(request.user),
        },
    )


@login_required(login_url=LOGIN_URL)
def evaluation_start(request, campaign_pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    organization = account_organization(request.user)
    if organization is None:
        raise Http404
    campaign = get_object_or_404(Campaign, pk=campaign_pk)
    try:
        case = start_case(campaign=campaign, organization=organization, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
        return redirect("account_evaluation")
    messages.success(request, _("已创建评估申请。请填写自评并上传佐证材料，然后提交。"))
    return redirect("account_evaluation_self_assessment", pk=case.pk)


@login_required(login_url=LOGIN_URL)
def evaluation_case(request, pk: int):
    case = _own_case(request, pk)
    actions = [action for action in cases.allowed_actions(request.user, case) if action in APPLICANT_ACTIONS]
    editable = _editable(case)
    closed = case.state == CaseState.DRAFT and not editable
    return render(
        request,
        "portal/account/evaluation/case.html",
        {
            "case": case,
            "editable": editable,
            "closed_note": closed_message(case.campaign, _("不能再填写或提交申请")) if closed else "",
            "actions": [(action, CaseAction(action).label) for action in actions],
            "sheet": _sheet(request, case),
            "checks": eligibility_results(case) if case.state != CaseState.DRAFT else [],
            "timeline": timeline_for_applicant(case),
            "show_grade": grade_shown_to_applicant(case, timezone.localdate()),
        },
    )


@login_required(login_url=LOGIN_URL)
def evaluation_self_assessment(request, pk: int):
    """The self-assessment form: "save" keeps what is valid and shows what is not beside what
    was typed; "submit" saves, then submits if the case is ready."""
    case = _own_case(request, pk)
    if case.state != CaseState.DRAFT:
        messages.error(request, _("评估申请已提交，不能再修改自评。"))
        return redirect("account_evaluation_case", pk=case.pk)
    if not _editable(case):
        messages.error(request, closed_message(case.campaign, _("不能再修改自评")))
        return redirect("account_evaluation_case", pk=case.pk)
    if request.method != "POST":
        form = SelfAssessmentForm(sheet=_sheet(request, case))
        return _render_self_assessment(request, case, form)
    form = SelfAssessmentForm(request.POST, sheet=_sheet(request, case))
    form.is_valid()  # text boxes, all optional: always valid; the service judges the values
    try:
        save_self_assessment(case=case, actor=request.user, entries=form.entries())
    except ValidationError as error:
        form.add_service_errors(error)
        messages.warning(request, _("已保存填写正确的内容。请改正标出的指标。"))
        return _render_self_assessment(request, case, form)
    except PermissionDenied as error:
        _messages_from(request, error)
        return redirect("account_evaluation_case", pk=case.pk)
    if "submit" not in request.POST:
        messages.success(request, _("自评已保存。"))
        return redirect("account_evaluation_self_assessment", pk=case.pk)
    try:
        cases.act_on_case(case=case, action=CaseAction.SUBMIT, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
        return _render_self_assessment(request, case, form)
    messages.success(request, _("评估申请已提交，将自动检查资格条件。"))
    return redirect("account_evaluation_case", pk=case.pk)


def _render_self_assessment(request, case: Case, form: SelfAssessmentForm):
    # Read again: the subtotals and total show what is saved now.
    case.refresh_from_db(fields=["self_assessment_total"])
    form.sheet = _sheet(request, case)
    return render(
        request, "portal/account/evaluation/self_assessment.html", {"case": case, "form": form, "rows": form.rows()}
    )


@login_required(login_url=LOGIN_URL)
def evaluation_evidence(request, pk: int):
    """Evidence per scored indicator: the files filed so far, and an upload for each."""
    case = _own_case(request, pk)
    editable = _editable(case)
    refused = None  # (indicator id, bound form) of an upload that was refused
    if request.method == "POST":
        if case.state != CaseState.DRAFT:
            messages.error(request, _("评估申请已提交，不能再上传佐证材料。"))
            return redirect("account_evaluation_case", pk=case.pk)
        if not editable:
            messages.error(request, closed_message(case.campaign, _("不能再上传佐证材料")))
            return redirect("account_evaluation_case", pk=case.pk)
        form = EvidenceForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                evidence = _attach(request, case, form)
            except ValidationError as error:
                form.add_error(None, error.messages)
            except PermissionDenied as error:
                _messages_from(request, error)
                return redirect("account_evaluation_case", pk=case.pk)
            else:
                messages.success(request, _("已上传：%(name)s。") % {"name": evidence.original_name})
                return redirect("account_evaluation_evidence", pk=case.pk)
        reasons = [message for errors in form.errors.values() for message in errors]
        messages.error(request, _("文件未上传：%(reasons)s") % {"reasons": "；".join(reasons)})
        refused = (as_id(request.POST.get("indicator")), form)
    return render(
        request,
        "portal/account/evaluation/evidence.html",
        {
            "case": case,
            "editable": editable,
            "sheet": _sheet(request, case),
            "refused": refused,
            "max_files": MAX_EVIDENCE_FILES,
        },
    )


def _attach(request, case: Case, form: EvidenceForm):
    indicator = case.framework.indicators.filter(pk=form.cleaned_data["indicator"]).first()
    if indicator is None:
        raise ValidationError(_("请选择本评估指标体系的评分项。"))
    return attach_evidence(case=case, indicator=indicator, actor=request.user, upload=form.cleaned_data["file"])


@login_required(login_url=LOGIN_URL)
def evaluation_evidence_remove(request, pk: int, file_pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _own_case(request, pk)
    evidence = get_object_or_404(evidence_files_for_user(request.user).filter(case=case), pk=file_pk)
    try:
        remove_evidence(evidence=evidence, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("已删除：%(name)s。") % {"name": evidence.original_name})
    return redirect("account_evaluation_evidence", pk=case.pk)


@login_required(login_url=LOGIN_URL)
def evaluation_act(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    case = _own_case(request, pk)
    action = request.POST.get("action", "")
    if action not in APPLICANT_ACTIONS:
        raise Http404
    try:
        cases.act_on_case(case=case, action=action, actor=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("已%(action)s。") % {"action": CaseAction(action).label})
    return redirect("account_evaluation_case", pk=case.pk)
