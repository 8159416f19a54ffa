"""Back office of venture philanthropy (公益创投): the district's calls (list, create, edit, the
call's page with its projects, sending them to the experts, the funding decisions and publishing
the results) and the projects' pages (facts, eligibility, timeline, the experts' total, reports
and their review, stopping the funding).

Calls are looked up through `calls_for_user` and projects through `back_office_projects`, so
another district's or street's addresses answer 404. Officers of a call act on it; federation
staff read their street's projects. Every write goes through `federation.venture`, whose
refusals come back on the form with what was typed.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import F
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSet, ViewSetGroup

from evaluation.enums import CaseState
from evaluation.selectors.cases import cases_for_user
from evaluation.views.params import as_id
from registry.views.scoped import ActionFormsMixin, add_service_errors

from .enums import ProjectReportKind, ProjectReportResult, ProjectState
from .models import VentureCall, VentureProject
from .venture import (
    decide_funding,
    is_call_officer,
    open_review,
    publish_results,
    review_report,
    save_call,
    stop_funding,
)
from .venture_forms import (
    CallForm,
    DecisionForm,
    ReviewReportForm,
    StopFundingForm,
    split_tier_errors,
    tier_formset,
)
from .venture_selectors import (
    ZERO,
    back_office_projects,
    calls_for_user,
    committed_amount,
    is_venture_officer,
    project_timeline,
    reads_venture_projects,
    with_call_figures,
)

TEMPLATES = "federation/venture/"
PER_PAGE = 50
REPORT_ORDER = list(ProjectReportKind.values)


def may_manage_calls(user) -> bool:
    """District and city officers (and active superusers) create and run calls."""
    return bool(getattr(user, "is_superuser", False) and user.is_active) or is_venture_officer(user)


def _refusal(error: Exception) -> str:
    return "；".join(error.messages) if isinstance(error, ValidationError) else str(error)


def _review_state(project: VentureProject) -> str:
    """The review's step as a venture reads it: a moderated case waits for no committee here."""
    case = project.case
    if case is None:
        return _("尚未提交专家评审")
    if case.state == CaseState.ALLOCATED:
        return _("待指派评审专家")
    if case.state == CaseState.MODERATED:
        return _("专家评审完成")
    return case.get_state_display()


def _expert_total(project: VentureProject):
    """The panel's total, once the lead has moderated the case (before, it may still change)."""
    case = project.case
    return case.total if case is not None and case.state == CaseState.MODERATED else None


class OfficersOnly:
    """Calls are the officers' pages; anyone else is refused."""

    def dispatch(self, request, *args, **kwargs):
        if not may_manage_calls(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


# --- Calls ---------------------------------------------------------------------------------------


@dataclass
class CallRow:
    call: VentureCall
    committed: Decimal
    states: list[tuple[str, int]]  # (state's label, projects in it), the states that have any

    @property
    def remaining(self) -> Decimal:
        return self.call.budget - self.committed


class CallIndexView(OfficersOnly, View):
    def get(self, request):
        calls = with_call_figures(calls_for_user(request.user)).order_by("-campaign__year", "-pk")
        page = Paginator(calls, PER_PAGE).get_page(request.GET.get("p"))
        rows = [
            CallRow(
                call,
                call.committed or ZERO,
                [(state.label, n) for state in ProjectState if (n := getattr(call, f"count_{state.value}"))],
            )
            for call in page
        ]
        return TemplateResponse(request, TEMPLATES + "call_index.html", {"page": page, "rows": rows})


class CallFormView(OfficersOnly, View):
    """Creating (`call` None) or changing a call with its tiers through `save_call`."""

    call: VentureCall | None = None

    def render(self, form, formset, tier_errors):
        context = {
            "call": self.call,
            "form": form,
            "formset": formset,
            "tier_errors": tier_errors,
            "back_url": reverse("venture_calls:call", args=[self.call.pk])
            if self.call
            else reverse("venture_calls:index"),
        }
        return TemplateResponse(self.request, TEMPLATES + "call_form.html", context)

    def get(self, request, *args, **kwargs):
        return self.render(CallForm(user=request.user, call=self.call), tier_formset(call=self.call), [])

    def post(self, request, *args, **kwargs):
        form = CallForm(request.POST, user=request.user, call=self.call)
        formset = tier_formset(request.POST)
        tier_errors: list[str] = []
        # Both are checked, so that every mistake shows at once.
        if form.is_valid() & formset.is_valid():
            data = form.cleaned_data
            authority = self.call.campaign.authority if self.call else data["authority"]
            try:
                call = save_call(
                    call=self.call, authority=authority, data=data, tiers=formset.rows(), actor=request.user
                )
            except PermissionDenied as error:
                add_service_errors(form, error)
            except ValidationError as error:
                tier_errors, rest = split_tier_errors(error)
                if rest is not None:
                    add_service_errors(form, rest)
            else:
                messages.success(request, _("已保存公益创投“%(name)s”。") % {"name": call.name})
                return redirect("venture_calls:call", call.pk)
        return self.render(form, formset, [*formset.non_form_errors(), *tier_errors])


class CallCreateView(CallFormView):
    pass


class CallEditView(CallFormView):
    def dispatch(self, request, *args, **kwargs):
        if not may_manage_calls(request.user):
            raise PermissionDenied
        self.call = get_object_or_404(calls_for_user(request.user), pk=kwargs["pk"])
        if self.call.results_published_at is not None:
            messages.warning(request, _("结果已公布的公益创投不能再修改。"))
            return redirect("venture_calls:call", self.call.pk)
        return super().dispatch(request, *args, **kwargs)


@dataclass
class ProjectRow:
    project: VentureProject
    review_state: str
    total: Decimal | None
    form: DecisionForm | None  # the funding decision, while it may be taken


class CallDetailView(OfficersOnly, ActionFormsMixin, View):
    """The call's budget and projects; its officers send the projects to the panel, decide the
    funding of each moderated one and publish the results here."""

    def get_object(self):
        return get_object_or_404(calls_for_user(self.request.user), pk=self.kwargs["pk"])

    def may_act(self) -> bool:
        return is_call_officer(self.request.user, self.object)

    def projects(self):
        return back_office_projects(self.request.user).filter(call=self.object)

    def action_handlers(self) -> dict:
        return {"open_review": self._open_review, "publish": self._publish, "decide": self._decide}

    def _open_review(self):
        try:
            count = open_review(call=self.object, actor=self.request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(self.request, _refusal(error))
            return None
        if not count:
            messages.warning(self.request, _("没有待提交专家评审的项目。"))
            return None
        return _("已将%(count)d个项目提交专家评审，由评审机构负责人指派评审专家。") % {"count": count}

    def _publish(self):
        try:
            publish_results(call=self.object, actor=self.request.user)
        except (ValidationError, PermissionDenied) as error:
            messages.error(self.request, _refusal(error))
            return None
        return _("已公布资助结果。")

    def _decide(self):
        project = self.projects().filter(pk=as_id(self.request.POST.get("project"))).first()
        if project is None:
            messages.error(self.request, _("该项目不存在。"))
            return None
        form = DecisionForm(self.request.POST, project=project)

        def write(data):
            decide_funding(
                project=project,
                fund=data["decision"] == DecisionForm.FUND,
                amount=data["amount"],
                reason=data["reason"],
                actor=self.request.user,
            )

        if not self.run_form(form, form.prefix, write):
            return None
        project.refresh_from_db()
        if project.state == ProjectState.FUNDED:
            return _("已立项资助“%(title)s”，资助金额%(amount)s元。") % {
                "title": project.title,
                "amount": f"{project.granted_amount:,.2f}",
            }
        return _("“%(title)s”不予资助。") % {"title": project.title}

    def decision_form(self, project: VentureProject, may_act: bool) -> DecisionForm | None:
        call = self.object
        if not may_act or call.results_published_at is not None or project.state != ProjectState.IN_REVIEW:
            return None
        if project.case is None or project.case.state != CaseState.MODERATED:
            return None
        return self.bound.get(f"decide-{project.pk}") or DecisionForm(project=project)

    def get(self, request, *args, **kwargs):
        call = self.object = getattr(self, "object", None) or self.get_object()
        may_act = self.may_act()
        projects = list(
            self.projects().order_by(F("case__total").desc(nulls_last=True), "organization__name_pinyin", "pk")
        )
        committed = committed_amount(call)
        published = call.results_published_at is not None
        context = {
            "call": call,
            "committed": committed,
            "remaining": call.budget - committed,
            "tiers": call.tiers.all(),
            "rows": [
                ProjectRow(p, _review_state(p), _expert_total(p), self.decision_form(p, may_act)) for p in projects
            ],
            "may_edit": may_act and not published,
            "may_open_review": may_act and not published and any(p.state == ProjectState.SUBMITTED for p in projects),
            "may_publish": may_act and not published,
        }
        return TemplateResponse(request, TEMPLATES + "call_detail.html", context)


# --- Projects ------------------------------------------------------------------------------------


class ReadersOnly:
    def dispatch(self, request, *args, **kwargs):
        if not reads_venture_projects(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ProjectIndexView(ReadersOnly, View):
    """The projects the user may read: their calls' for officers, their street's for federation staff."""

    def get(self, request):
        projects = back_office_projects(request.user).order_by(
            "-call__campaign__year", "call", "organization__name_pinyin"
        )
        page = Paginator(projects, PER_PAGE).get_page(request.GET.get("p"))
        return TemplateResponse(
            request,
            TEMPLATES + "project_index.html",
            {"page": page, "may_manage_calls": may_manage_calls(request.user)},
        )


@dataclass
class ReportRow:
    report: object
    form: ReviewReportForm | None


class ProjectDetailView(ReadersOnly, ActionFormsMixin, View):
    """A project's facts, checks, review and timeline; the call's officers review its reports and
    may stop its funding here, everyone else reads."""

    def get_object(self):
        return get_object_or_404(back_office_projects(self.request.user), pk=self.kwargs["pk"])

    def may_act(self) -> bool:
        return is_call_officer(self.request.user, self.object.call)

    def action_handlers(self) -> dict:
        return {"review": self._review, "stop": self._stop}

    def _review(self):
        report = self.object.reports.filter(pk=as_id(self.request.POST.get("report"))).first()
        if report is None:
            messages.error(self.request, _("该报告不存在。"))
            return None
        form = ReviewReportForm(self.request.POST, report=report)

        def write(data):
            review_report(
                report=report,
                accept=data["result"] == ReviewReportForm.ACCEPT,
                opinion=data["opinion"],
                actor=self.request.user,
            )

        if not self.run_form(form, form.prefix, write):
            return None
        report.refresh_from_db()
        return _("%(kind)s审核结果：%(result)s。") % {
            "kind": report.get_kind_display(),
            "result": report.get_result_display(),
        }

    def _stop(self):
        form = StopFundingForm(self.request.POST)

        def write(data):
            stop_funding(
                project=self.object, paid_amount=data["paid_amount"], reason=data["reason"], actor=self.request.user
            )

        if self.run_form(form, "stop", write):
            return _("已终止资助“%(title)s”。") % {"title": self.object.title}
        return None

    def get(self, request, *args, **kwargs):
        project = self.object = getattr(self, "object", None) or self.get_object()
        may_act = self.may_act()
        funded = project.state == ProjectState.FUNDED
        reports = sorted(
            project.reports.select_related("submitted_by", "reviewed_by"), key=lambda r: REPORT_ORDER.index(r.kind)
        )
        case = project.case
        context = {
            "project": project,
            "call": project.call,
            "may_act": may_act,
            "eligibility": project.eligibility,
            "events": project_timeline(project),
            "review_state": _review_state(project),
            "total": _expert_total(project),
            "case_url": reverse("evaluation_cases:inspect", args=[case.pk])
            if case is not None and cases_for_user(request.user).filter(pk=case.pk).exists()
            else None,
            "reports": [
                ReportRow(
                    report,
                    (self.bound.get(f"review-{report.pk}") or ReviewReportForm(report=report))
                    if may_act and funded and report.result == ProjectReportResult.PENDING
                    else None,
                )
                for report in reports
            ],
            "stop_form": (self.bound.get("stop") or StopFundingForm()) if may_act and funded else None,
            "back_url": reverse("venture_calls:call", args=[project.call_id])
            if may_act
            else reverse("venture_projects:index"),
        }
        return TemplateResponse(request, TEMPLATES + "project_detail.html", context)


# --- Registration (imported by wagtail_hooks) ----------------------------------------------------


class VentureViewSet(ViewSet):
    """Plain admin views whose menu item `shown_to(user)` decides; the views refuse everyone else."""

    views: tuple = ()  # (route, view class, url name); the first is the menu's target

    @staticmethod
    def shown_to(user) -> bool:
        raise NotImplementedError

    def get_urlpatterns(self):
        return [path(route, view.as_view(), name=name) for route, view, name in self.views]

    @cached_property
    def menu_item_class(self):
        shown_to = self.shown_to

        class VentureMenuItem(MenuItem):
            def is_shown(self, request):
                return shown_to(request.user)

        return VentureMenuItem


class CallViewSet(VentureViewSet):
    name = "venture_calls"
    url_prefix = "federation/venture/calls"
    icon = "date"
    menu_label = gettext_lazy("创投活动")
    shown_to = staticmethod(may_manage_calls)
    views = (
        ("", CallIndexView, "index"),
        ("new/", CallCreateView, "add"),
        ("<int:pk>/", CallDetailView, "call"),
        ("<int:pk>/edit/", CallEditView, "edit"),
    )


class ProjectViewSet(VentureViewSet):
    name = "venture_projects"
    url_prefix = "federation/venture/projects"
    icon = "clipboard-list"
    menu_label = gettext_lazy("创投项目")
    shown_to = staticmethod(reads_venture_projects)
    views = (
        ("", ProjectIndexView, "index"),
        ("<int:pk>/", ProjectDetailView, "project"),
    )


class VentureViewSetGroup(ViewSetGroup):
    menu_label = gettext_lazy("公益创投")
    menu_icon = "clipboard-list"
    menu_order = 216
    items = (CallViewSet, ProjectViewSet)
