"""Back office for annual reports: officers set each report's result (through the service)."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import AnnualReport
from ..permissions import RulesPermissionPolicy
from ..selectors.organizations import organizations_for_user
from ..services.annual_reports import set_annual_report_result
from .scoped import ScopedEditView, ScopedViewSetMixin


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


class AnnualReportViewSet(ScopedViewSetMixin, ModelViewSet):
    model = AnnualReport
    name = "annual_reports"
    icon = "doc-full"
    menu_label = _("年度报告")
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
