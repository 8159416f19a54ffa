"""Annual reports in the applicant's area (DESIGN.md section 7): the years the account's organization
must report on, with due dates, overdue flags and results, and a page per year that files the
report through `registry.services.annual_reports.submit_annual_report` or shows it once filed.

The organization is always the one the signed-in account acts for, never one named in the address,
so an account can neither see nor file another organization's reports."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import AnnualReport
from registry.selectors.annual_reports import reporting_calendar
from registry.services.annual_reports import submit_annual_report
from registry.views.scoped import add_service_errors

from ..forms_annual_reports import AnnualReportForm
from .applications import LOGIN_URL, account_organization

TEMPLATES = "portal/account/annual_reports/"


def _notice(request, *, title: str, message: str, status: int = 200):
    return render(request, TEMPLATES + "notice.html", {"title": title, "message": message}, status=status)


def _without_organization(request):
    return _notice(
        request,
        title=_("年度报告"),
        message=_("您的账号尚未关联组织，无法报送年度报告。请先认领您所代表的组织。"),
    )


@login_required(login_url=LOGIN_URL)
def annual_reports(request):
    organization = account_organization(request.user)
    if organization is None:
        return _without_organization(request)
    return render(
        request,
        TEMPLATES + "index.html",
        {
            "organization": organization,
            "calendar": reporting_calendar(organization, today=timezone.localdate()),
            "grace_days": settings.REGISTRY_ANNUAL_REPORT_GRACE_DAYS,
        },
    )


@login_required(login_url=LOGIN_URL)
def annual_report(request, year: int):
    organization = account_organization(request.user)
    if organization is None:
        return _without_organization(request)
    calendar = reporting_calendar(organization, today=timezone.localdate())
    entry = next((entry for entry in calendar if entry.year == year), None)
    if entry is None:
        return _notice(
            request,
            title=_("%(year)d年度报告") % {"year": year},
            message=_("%(name)s无须在本网站报送%(year)d年度的年度报告。") % {"name": organization.name, "year": year},
            status=404,
        )
    context = {"organization": organization, "entry": entry}
    if entry.report is not None:
        return render(request, TEMPLATES + "report.html", {**context, "facts": _facts(entry.report)})
    form = AnnualReportForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                submit_annual_report(organization=organization, actor=request.user, year=year, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("%(year)d年度报告已报送。") % {"year": year})
                return redirect("account_annual_report", year=year)
        messages.warning(request, _("年度报告尚未报送。请改正标出的内容后再提交。"))
    return render(request, TEMPLATES + "form.html", {**context, "form": form})


def _facts(report: AnnualReport) -> list[tuple[str, object]]:
    """The filed figures, labelled as on the form."""
    return [
        (AnnualReport._meta.get_field(name).verbose_name, getattr(report, name))
        for name in AnnualReportForm._meta.fields
    ]
