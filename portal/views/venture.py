"""Venture philanthropy (公益创投, DESIGN.md section 8) on the site.

The organization's area (/account/venture/): the calls open to it and its projects, the project
form (a draft saved through `federation.venture.save_draft`), submitting and withdrawing, and a
funded project's mid-term and final reports. Every project is looked up among `own_projects`, so
another organization's project answers 404.

The public pages (/venture/): every call with its guide, tiers and dates, and the funded projects
once the district has published them; nothing about applicants, eligibility or reports.
"""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.enums import ProjectReportKind, ProjectReportResult, ProjectState
from federation.models import ProjectReport, VentureCall, VentureProject, VentureTier
from federation.models.venture import GRANTED_STATES
from federation.venture import file_report, save_draft, submit_project, withdraw_project
from federation.venture_selectors import (
    calls_covering_organization,
    open_calls_for_organization,
    own_projects,
    project_timeline,
    public_calls,
    published_results,
    rule_results,
)
from registry.views.scoped import add_service_errors

from ..models import DirectoryPage
from .applications import LOGIN_URL, account_organization

ACCOUNT_TEMPLATES = "portal/account/venture/"
PUBLIC_TEMPLATES = "portal/venture/"
PROJECT_TEXTS = ("title", "need", "plan", "budget_plan", "outcomes")
WITHDRAWABLE = (ProjectState.DRAFT, ProjectState.SUBMITTED)
# Amounts are stored with 12 digits, 2 of them cents: at most ten digits before the point.


# --- Forms ----------------------------------------------------------------------------------------


def _label_from(model, form: forms.Form) -> None:
    """Label and help text as on the model, and a Chinese 'please fill in' naming the field."""
    for name, field in form.fields.items():
        model_field = model._meta.get_field(name)
        field.label = model_field.verbose_name
        field.help_text = field.help_text or model_field.help_text
        field.error_messages["required"] = _("请填写%(label)s。") % {"label": field.label}


class ProjectForm(forms.Form):
    """What the organization types. Amounts are text boxes, so whatever was typed comes back as
    typed; `save_draft` judges the amount (a number, within the tier and bounds) and the dates."""

    tier = forms.ModelChoiceField(queryset=VentureTier.objects.none())
    title = forms.CharField(max_length=200)
    # A draft may leave the texts blank; submitting asks for them (`federation.venture`).
    need = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    plan = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 6}))
    budget_plan = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    amount_requested = forms.CharField(max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"}))
    outcomes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, call: VentureCall, **kwargs):
        super().__init__(*args, **kwargs)
        tier = self.fields["tier"]
        tier.queryset = call.tiers.all()  # only the call's own tiers can be chosen
        tier.empty_label = _("请选择")
        self.fields["amount_requested"].help_text = _("以元为单位，最多两位小数，不超过所选档次的资助上限。")
        _label_from(VentureProject, self)
        tier.error_messages["required"] = _("请选择申报档次。")
        tier.error_messages["invalid_choice"] = _("请选择本期公益创投的资助档次。")
        self.fields["title"].error_messages["max_length"] = _("项目名称最多200个字。")
        self.fields["amount_requested"].error_messages["max_length"] = _("请填写数字金额（元），如 20000。")


def _project_initial(project: VentureProject) -> dict:
    return {
        **{name: getattr(project, name) for name in PROJECT_TEXTS},
        "tier": project.tier_id,
        "amount_requested": format(project.amount_requested, "f"),
    }


class ReportForm(forms.Form):
    """A mid-term or final report; `file_report` judges the figures."""

    progress = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    results = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}))
    people_served = forms.CharField(max_length=12, widget=forms.TextInput(attrs={"inputmode": "numeric"}))
    spent_amount = forms.CharField(max_length=30, widget=forms.TextInput(attrs={"inputmode": "decimal"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["spent_amount"].help_text = _("以元为单位，不超过资助金额。")
        _label_from(ProjectReport, self)
        self.fields["people_served"].error_messages["max_length"] = _("服务人次须为不小于零的整数。")
        self.fields["spent_amount"].error_messages["max_length"] = _("已使用资金须为不小于零的金额（元）。")


def _report_initial(report: ProjectReport | None) -> dict:
    """A returned report comes back filled in, to be corrected rather than typed again."""
    if report is None:
        return {}
    return {
        "progress": report.progress,
        "results": report.results,
        "people_served": report.people_served,
        "spent_amount": format(report.spent_amount, "f"),
    }


# --- The organization's area ----------------------------------------------------------------------


def _messages_from(request, error: Exception) -> None:
    for message in error.messages if isinstance(error, ValidationError) else [str(error)]:
        messages.error(request, message)


def _organization(request):
    organization = account_organization(request.user)
    if organization is None:
        raise Http404
    return organization


def _own_project(request, pk: int) -> VentureProject:
    return get_object_or_404(own_projects(request.user, _organization(request)), pk=pk)


@login_required(login_url=LOGIN_URL)
def venture_home(request):
    organization = _organization(request)
    projects = list(own_projects(request.user, organization))
    by_call = {project.call_id: project for project in projects}
    calls = open_calls_for_organization(organization, timezone.localdate())
    return render(
        request,
        ACCOUNT_TEMPLATES + "index.html",
        {
            "organization": organization,
            # (call, the organization's project in it or None): one project per call.
            "calls": [(call, by_call.get(call.pk)) for call in calls],
            "projects": projects,
        },
    )


def _save(request, form: ProjectForm, **target) -> VentureProject | None:
    """Save the draft when the form is complete; otherwise, or when the service refuses, put the
    reasons on the form (nothing is saved, what was typed stays on the page)."""
    if form.is_valid():
        try:
            return save_draft(data=form.cleaned_data, actor=request.user, **target)
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
    messages.warning(request, _("项目申报书未保存。请改正标出的内容后再保存。"))
    return None


def _after_save(request, project: VentureProject):
    """Both buttons save; "save and submit" then submits the saved draft."""
    if "submit" in request.POST:
        _submit(request, project)
    else:
        messages.success(request, _("项目申报书已保存，尚未申报。"))
    return redirect("account_venture_project", pk=project.pk)


def _render_form(request, form: ProjectForm, call: VentureCall, project: VentureProject | None = None):
    return render(request, ACCOUNT_TEMPLATES + "form.html", {"form": form, "call": call, "project": project})


@login_required(login_url=LOGIN_URL)
def venture_new(request, call_pk: int):
    organization = _organization(request)
    call = get_object_or_404(calls_covering_organization(organization), pk=call_pk)
    existing = own_projects(request.user, organization).filter(call=call).first()
    if existing is not None:
        messages.error(request, _("每个组织每期公益创投只能申报一个项目。"))
        return redirect("account_venture_project", pk=existing.pk)
    if request.method != "POST":
        if not open_calls_for_organization(organization, timezone.localdate()).filter(pk=call.pk).exists():
            messages.error(request, _("“%(call)s”目前不在申报时间内。") % {"call": call.name})
            return redirect("account_venture")
        return _render_form(request, ProjectForm(call=call), call)
    form = ProjectForm(request.POST, call=call)
    project = _save(request, form, project=None, call=call, organization=organization)
    if project is None:
        return _render_form(request, form, call)
    return _after_save(request, project)


@login_required(login_url=LOGIN_URL)
def venture_edit(request, pk: int):
    project = _own_project(request, pk)
    if project.state != ProjectState.DRAFT:
        messages.error(request, _("项目已申报，不能再修改。"))
        return redirect("account_venture_project", pk=project.pk)
    if request.method != "POST":
        return _render_form(
            request, ProjectForm(call=project.call, initial=_project_initial(project)), project.call, project
        )
    form = ProjectForm(request.POST, call=project.call)
    saved = _save(request, form, project=project)
    if saved is None:
        return _render_form(request, form, project.call, project)
    return _after_save(request, saved)


def _submit(request, project: VentureProject) -> None:
    try:
        submit_project(project=project, actor=request.user)
    except (ValidationError, PermissionDenied) as error:
        # Each failed eligibility rule is its own message, with its reason.
        _messages_from(request, error)
    else:
        messages.success(request, _("项目已申报，截止后将提交专家评审。"))


@login_required(login_url=LOGIN_URL)
def venture_submit(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    project = _own_project(request, pk)
    _submit(request, project)
    return redirect("account_venture_project", pk=project.pk)


@login_required(login_url=LOGIN_URL)
def venture_withdraw(request, pk: int):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    project = _own_project(request, pk)
    try:
        withdraw_project(project=project, actor=request.user, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as error:
        _messages_from(request, error)
    else:
        messages.success(request, _("项目已撤回。"))
    return redirect("account_venture_project", pk=project.pk)


def _may_file(project: VentureProject, kind: str, reports: dict[str, ProjectReport]) -> bool:
    """As `file_report` allows: a funded project, the mid-term first, the final once the mid-term
    is accepted; a report not yet filed, or returned for correction."""
    report = reports.get(kind)
    if project.state != ProjectState.FUNDED or (report is not None and report.result != ProjectReportResult.RETURNED):
        return False
    if kind == ProjectReportKind.FINAL:
        midterm = reports.get(ProjectReportKind.MIDTERM)
        return midterm is not None and midterm.result == ProjectReportResult.ACCEPTED
    return True


def _report_slots(project: VentureProject, bound: dict[str, ReportForm]) -> list[dict]:
    """Per report kind: its due date, the filed report (with its review), and either the form to
    file it, when it may be filed now, or a note saying why not."""
    reports = {report.kind: report for report in project.reports.all()}
    due = {ProjectReportKind.MIDTERM: project.call.midterm_due_on, ProjectReportKind.FINAL: project.call.final_due_on}
    slots = []
    for kind in ProjectReportKind:
        report, form, note = reports.get(kind), None, ""
        if _may_file(project, kind, reports):
            form = bound.get(kind) or ReportForm(prefix=kind, initial=_report_initial(report))
        elif report is None:
            note = _("中期报告审核通过后报送结项报告。") if project.state == ProjectState.FUNDED else _("未报送。")
        slots.append(
            {"kind": kind.value, "label": kind.label, "due_on": due[kind], "report": report, "form": form, "note": note}
        )
    return slots


def _render_project(request, project: VentureProject, bound: dict[str, ReportForm] | None = None):
    call = project.call
    draft = project.state == ProjectState.DRAFT
    return render(
        request,
        ACCOUNT_TEMPLATES + "project.html",
        {
            "project": project,
            "call": call,
            "draft": draft,
            "may_withdraw": project.state in WITHDRAWABLE,
            # A draft is checked against the call's rules as of today, before it is submitted.
            "precheck": rule_results(call, project.organization, timezone.localdate()) if draft else [],
            "timeline": project_timeline(project),
            "granted": project.state in GRANTED_STATES,
            "show_total": call.results_published_at is not None and project.case is not None,
            "reports": _report_slots(project, bound or {}) if project.state in GRANTED_STATES else [],
        },
    )


@login_required(login_url=LOGIN_URL)
def venture_project(request, pk: int):
    return _render_project(request, _own_project(request, pk))


@login_required(login_url=LOGIN_URL)
def venture_report(request, pk: int, kind: str):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    project = _own_project(request, pk)
    if kind not in ProjectReportKind.values:
        raise Http404
    form = ReportForm(request.POST, prefix=kind)
    label = ProjectReportKind(kind).label
    if form.is_valid():
        try:
            file_report(project=project, kind=kind, data=form.cleaned_data, actor=request.user)
        except PermissionDenied as error:
            _messages_from(request, error)
            return redirect("account_venture_project", pk=project.pk)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):  # the project's state refuses it: no form to mark
                _messages_from(request, error)
                return redirect("account_venture_project", pk=project.pk)
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(kind)s已报送，等待审核。") % {"kind": label})
            return redirect("account_venture_project", pk=project.pk)
    messages.warning(request, _("%(kind)s未报送。请改正标出的内容后再提交。") % {"kind": label})
    return _render_project(request, project, bound={kind: form})


# --- The public pages -----------------------------------------------------------------------------


def _directory_url() -> str | None:
    directory = DirectoryPage.objects.live().first()
    return directory.url if directory else None


def call_status(call: VentureCall, today: datetime.date) -> str:
    """The call's phase as the public sees it, from its dates and the publication of results."""
    campaign = call.campaign
    if call.results_published_at is not None:
        return _("结果已公布")
    if today < campaign.applications_open_on:
        return _("即将开始申报")
    if today <= campaign.applications_close_on:
        return _("申报中")
    return _("评审中")


def venture_calls(request):
    today = timezone.localdate()
    calls = [(call, call_status(call, today)) for call in public_calls()]
    return render(request, PUBLIC_TEMPLATES + "list.html", {"calls": calls})


def venture_call(request, pk: int):
    call = public_calls().filter(pk=pk).first()
    if call is None:
        raise Http404
    results = list(published_results(call))
    return render(
        request,
        PUBLIC_TEMPLATES + "detail.html",
        {
            "call": call,
            "status": call_status(call, timezone.localdate()),
            "published": call.results_published_at is not None,
            "results": results,
            "total_granted": sum(project.granted_amount for project in results),
            "directory_url": _directory_url(),
        },
    )
