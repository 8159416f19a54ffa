"""Annual reports on the site (DESIGN.md section 7).

In the applicant's area: the years the account's organization must report on, with due dates,
overdue flags, states and results, and a page per year that keeps a draft (保存草稿) and submits it
(提交) through `registry.services.annual_reports`, shows a report returned for correction with the
reason (editable, to submit again), and a filed report read-only with its timeline. The
organization is always the one the signed-in account acts for, never one named in the address,
so an account can neither see nor file another organization's reports.

For everyone: the annual-report results of each year, public organizations only."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import AnnualReport
from registry.selectors.annual_reports import (
    annual_report_timeline,
    public_result_years,
    public_results_of_year,
    reporting_calendar,
    return_reason,
)
from registry.services.annual_reports import save_annual_report_draft, submit_annual_report
from registry.views.scoped import add_service_errors

from ..forms_annual_reports import AnnualReportForm
from ..models import DirectoryPage
from .applications import LOGIN_URL, account_organization

TEMPLATES = "portal/account/annual_reports/"
DRAFT = "draft"  # the value of the 保存草稿 button; any other (or none) submits


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
    report = entry.report
    timeline = annual_report_timeline(report) if report is not None else []
    context = {
        "organization": organization,
        "entry": entry,
        "report": report,
        "timeline": timeline,
        "return_reason": return_reason(timeline),
    }
    if report is not None and not report.is_editable:
        return render(request, TEMPLATES + "report.html", {**context, "facts": _facts(report)})
    if request.method != "POST":
        form = AnnualReportForm(initial=_typed(report))
        return render(request, TEMPLATES + "form.html", {**context, "form": form})
    submitting = request.POST.get("action") != DRAFT
    form = AnnualReportForm(request.POST, for_submission=submitting)
    kept = _keep_draft(request, organization, year, form, submitting)
    if kept and not submitting:
        messages.success(request, _("草稿已保存，尚未报送。填写完整后请点击“提交”。"))
        return redirect("account_annual_report", year=year)
    if kept and form.is_valid():
        try:
            submit_annual_report(organization=organization, actor=request.user, year=year)
        except (ValidationError, PermissionDenied) as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(year)d年度报告已报送。") % {"year": year})
            return redirect("account_annual_report", year=year)
    if kept:
        messages.warning(request, _("已保存为草稿，尚未报送。请改正标出的内容后再提交。"))
    else:
        messages.warning(request, _("年度报告尚未保存。请改正标出的内容后再提交。"))
    return render(request, TEMPLATES + "form.html", {**context, "form": form})


def _keep_draft(request, organization, year: int, form: AnnualReportForm, submitting: bool) -> bool:
    """Save what was typed as the draft, whether or not it is complete enough to submit, so that
    nothing typed is lost; False (with the refusal on `form`) when it cannot be saved as typed."""
    draft = AnnualReportForm(request.POST, for_submission=False) if submitting else form
    if not draft.is_valid():
        return False
    try:
        save_annual_report_draft(organization=organization, actor=request.user, year=year, **draft.cleaned_data)
    except (ValidationError, PermissionDenied) as error:
        add_service_errors(form, error)
        return False
    return True


def _typed(report: AnnualReport | None) -> dict | None:
    """What the organization saved of its draft or returned report, to fill the form with."""
    if report is None:
        return None
    return {name: getattr(report, name) for name in AnnualReportForm._meta.fields}


def _facts(report: AnnualReport) -> list[tuple[str, object]]:
    """The filed figures, labelled as on the form."""
    return [
        (AnnualReport._meta.get_field(name).verbose_name, getattr(report, name))
        for name in AnnualReportForm._meta.fields
    ]


def _year(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def public_results(request):
    """Each year's annual-report results (organization, kind, result), newest year first, with a
    year selector: the latest year unless one is chosen. An unknown year gets a message, not an
    error page."""
    years = public_result_years()
    asked = request.GET.get("year")
    year = _year(asked) if asked else (years[0] if years else None)
    status = 200 if asked is None or year in years else 404
    directory = DirectoryPage.objects.live().first()
    return render(
        request,
        "portal/annual_report_results.html",
        {
            "years": years,
            "year": year if year in years else None,
            "asked": asked,
            "results": public_results_of_year(year) if year in years else [],
            "directory_url": directory.url if directory else None,
        },
        status=status,
    )
