"""Back office for annual reports: officers set a submitted report's result or return it for
correction (each through its service), or import the results of many reports from a spreadsheet
(XLSX or CSV): a dry run listing every row's errors, then a confirm that sets all or nothing.

The uploaded file is kept in a private folder between the two steps, under a random token kept
in the uploader's session, so nobody else can confirm it (as the organizations' import does)."""

import io
import secrets
from pathlib import Path, PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin import messages
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from ..enums import AnnualReportState
from ..models import AnnualReport
from ..permissions import RulesPermissionPolicy
from ..selectors.annual_reports import annual_report_timeline
from ..selectors.organizations import manageable_organizations_for_user, organizations_for_user
from ..services.annual_report_import import COLUMNS, import_annual_report_results, results_template
from ..services.annual_reports import return_annual_report, set_annual_report_result
from ..uploads import XLSX
from .scoped import ScopedEditView, ScopedIndexView, ScopedInspectView, ScopedViewSetMixin, add_service_errors

# Setting results is changing reports: the same permission as the result form.
RESULTS_PERMISSION = "registry.change_annualreport"
SESSION_KEY = "registry_annual_report_import"


def annual_reports_for_user(user):
    """The reports the user may read in the back office: those of the organizations in scope,
    once filed (a draft is the organization's own until it is submitted)."""
    return (
        AnnualReport.objects.filter(organization__in=organizations_for_user(user).values("pk"))
        .exclude(state=AnnualReportState.DRAFT)
        .select_related("organization")
    )


class ResultForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["result", "result_reason"]


class ResultView(ScopedEditView):
    """The result form, with the report's state and timeline, and the way to return it instead."""

    template_name = "registry/admin/annual_report_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline"] = annual_report_timeline(self.object)
        context["may_decide"] = self.object.state == AnnualReportState.SUBMITTED
        context["return_url"] = reverse("annual_reports:return", args=[self.object.pk])
        return context

    def save_instance(self):
        try:
            return set_annual_report_result(
                report=self.object,
                actor=self.request.user,
                result=self.form.cleaned_data["result"],
                reason=self.form.cleaned_data["result_reason"],
            )
        except PermissionDenied as error:
            raise ValidationError(str(error)) from error


class AnnualReportInspectView(ScopedInspectView):
    template_name = "registry/admin/annual_report_inspect.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["timeline"] = annual_report_timeline(self.object)
        return context


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("退回原因"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,  # the service says it is missing, in the same words as elsewhere
        help_text=_("写明需要补正的内容，组织的账号会收到通知并看到原因。"),
    )


class ReturnView(View):
    """Return a submitted report for correction (补正), with the reason. Open to the officers who
    decide on the organization's reports; a refusal keeps the typed reason on the page."""

    template_name = "registry/admin/annual_report_return.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RESULTS_PERMISSION):
            raise PermissionDenied
        reports = annual_reports_for_user(request.user).filter(
            organization__in=manageable_organizations_for_user(request.user).values("pk")
        )
        self.object = get_object_or_404(reports, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def render(self, request, form):
        context = {
            "object": self.object,
            "form": form,
            "timeline": annual_report_timeline(self.object),
            "may_return": self.object.state == AnnualReportState.SUBMITTED,
        }
        return TemplateResponse(request, self.template_name, context)

    def get(self, request, pk):
        return self.render(request, ReturnForm())

    def post(self, request, pk):
        form = ReturnForm(request.POST)
        if form.is_valid():
            try:
                return_annual_report(report=self.object, actor=request.user, reason=form.cleaned_data["reason"])
            except (ValidationError, PermissionDenied) as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    gettext("已将%(report)s年度报告退回补正。") % {"report": self.object},
                )
                return redirect("annual_reports:index")
        return self.render(request, form)


class AnnualReportIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(RESULTS_PERMISSION):
            buttons.append(
                HeaderButton(_("导入检查结果"), url=reverse("annual_reports:import_results"), icon_name="upload")
            )
        return buttons

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if instance.state == AnnualReportState.SUBMITTED and self.request.user.has_perm(RESULTS_PERMISSION):
            buttons.append(
                MenuItem(
                    gettext("退回补正"),
                    url=reverse("annual_reports:return", args=[instance.pk]),
                    icon_name="undo",
                    priority=15,
                )
            )
        return buttons


class ResultsUploadForm(forms.Form):
    file = forms.FileField(label=_("检查结果表格（XLSX或CSV）"))


def _upload_dir() -> Path:
    directory = Path(settings.REGISTRY_IMPORT_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


class ResultsImportView(View):
    """Upload → every row checked and shown (a dry run) → confirm → all results set, or the rows'
    errors again and nothing set (a report may have changed between the two steps)."""

    template_name = "registry/annual_report_import.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(RESULTS_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def render(self, request, **context):
        context.setdefault("form", ResultsUploadForm())
        context["columns"] = list(COLUMNS.values())
        return TemplateResponse(request, self.template_name, context)

    def get(self, request):
        return self.render(request)

    def post(self, request):
        if "token" in request.POST:
            return self.confirm(request)
        form = ResultsUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form=form)
        upload = form.cleaned_data["file"]
        try:
            outcome = import_annual_report_results(upload=upload, actor=request.user, dry_run=True)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render(request, form=form)
        token = None
        if not outcome.has_errors:
            token = secrets.token_hex(16)
            upload.seek(0)
            (_upload_dir() / token).write_bytes(upload.read())
            request.session[SESSION_KEY] = {"token": token, "name": PurePath(upload.name).name}
        return self.render(request, outcome=outcome, token=token, filename=upload.name)

    def confirm(self, request):
        pending = request.session.get(SESSION_KEY) or {}
        token = request.POST.get("token", "")
        stored = _upload_dir() / token if token and token == pending.get("token") else None
        if stored is None or not stored.is_file():
            messages.error(request, gettext("导入已过期，请重新上传文件。"))
            return redirect("annual_reports:import_results")
        try:
            upload = ContentFile(stored.read_bytes(), name=pending["name"])
            outcome = import_annual_report_results(upload=upload, actor=request.user)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
            return redirect("annual_reports:import_results")
        finally:
            stored.unlink(missing_ok=True)
            request.session.pop(SESSION_KEY, None)
        if not outcome.applied:
            return self.render(request, outcome=outcome, token=None, filename=pending["name"])
        messages.success(request, gettext("已导入%(count)d条年度报告检查结果。") % {"count": len(outcome.rows)})
        return redirect("annual_reports:index")


def results_template_download(request):
    if not request.user.has_perm(RESULTS_PERMISSION):
        raise PermissionDenied
    return FileResponse(
        io.BytesIO(results_template()), as_attachment=True, filename="年度报告检查结果模板.xlsx", content_type=XLSX
    )


class AnnualReportViewSet(ScopedViewSetMixin, ModelViewSet):
    model = AnnualReport
    name = "annual_reports"
    icon = "doc-full"
    menu_label = _("年度报告")
    index_view_class = AnnualReportIndexView
    edit_view_class = ResultView
    inspect_view_class = AnnualReportInspectView
    list_display = ["organization", "year", "state", "result", "submitted_at"]
    list_filter = ["year", "state", "result"]
    search_fields = ["organization__name", "organization__uscc"]
    search_backend_name = None
    inspect_view_fields = [
        "organization",
        "year",
        "state",
        "income",
        "expenditure",
        "net_assets",
        "staff",
        "volunteers",
        "activities",
        "reportable_events",
        "submitted_at",
        "result",
        "result_reason",
        "result_by",
        "result_at",
    ]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(AnnualReport, scopes={"view": annual_reports_for_user})

    def get_form_class(self, for_update=False):
        return ResultForm

    def get_urlpatterns(self):
        return [
            *super().get_urlpatterns(),
            path("<int:pk>/return/", ReturnView.as_view(), name="return"),
            path("import/", ResultsImportView.as_view(), name="import_results"),
            path("import/template/", results_template_download, name="results_template"),
        ]
