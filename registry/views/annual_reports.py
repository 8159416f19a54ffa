"""Back office for annual reports: officers set each report's result (through the service), or
import the results of many reports from a spreadsheet."""

import io

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin import messages
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton

from ..models import AnnualReport
from ..permissions import RulesPermissionPolicy
from ..selectors.organizations import organizations_for_user
from ..services.annual_report_import import COLUMNS, import_annual_report_results, results_template
from ..services.annual_reports import set_annual_report_result
from ..uploads import XLSX
from .scoped import ScopedEditView, ScopedIndexView, ScopedViewSetMixin

# Setting results is changing reports: the same permission as the result form.
RESULTS_PERMISSION = "registry.change_annualreport"


def annual_reports_for_user(user):
    return AnnualReport.objects.filter(organization__in=organizations_for_user(user).values("pk")).select_related(
        "organization"
    )


class ResultForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = ["result", "result_reason"]


class ResultView(ScopedEditView):
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


class AnnualReportIndexView(ScopedIndexView):
    @cached_property
    def header_buttons(self):
        buttons = super().header_buttons
        if self.request.user.has_perm(RESULTS_PERMISSION):
            buttons.append(
                HeaderButton(_("导入检查结果"), url=reverse("annual_reports:import_results"), icon_name="upload")
            )
        return buttons


class ResultsUploadForm(forms.Form):
    file = forms.FileField(label=_("检查结果表格（XLSX）"))


class ResultsImportView(View):
    """Upload → every row checked → all results set, or the rows' errors and nothing set."""

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
        form = ResultsUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(request, form=form)
        upload = form.cleaned_data["file"]
        try:
            outcome = import_annual_report_results(upload=upload, actor=request.user)
        except ValidationError as error:
            form.add_error("file", error)
            return self.render(request, form=form)
        if not outcome.applied:
            return self.render(request, form=form, outcome=outcome, filename=upload.name)
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
    list_display = ["organization", "year", "result", "submitted_at"]
    list_filter = ["year", "result"]
    search_fields = ["organization__name", "organization__uscc"]
    search_backend_name = None
    inspect_view_fields = [
        "organization",
        "year",
        "income",
        "expenditure",
        "net_assets",
        "staff",
        "volunteers",
        "activities",
        "reportable_events",
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
            path("import/", ResultsImportView.as_view(), name="import_results"),
            path("import/template/", results_template_download, name="results_template"),
        ]
