"""Who must report on which year and by when, and an organization's reporting calendar (DESIGN.md
sections 6 and 7), a report's timeline, and the public results per year. Reads only;
`registry.services.annual_reports` writes reports.

The rules live here rather than beside the services because the credit lists' selectors need them,
and the services import the notifications, which import the tasks, which import the credit
services: rules kept in the services module would close that circle of imports.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from ..enums import AnnualReportState, OrganizationKind, OrganizationStatus
from ..models import AnnualReport, AnnualReportEvent, Organization
from .organizations import public_organizations

REPORTING_STATUSES = [OrganizationStatus.ACTIVE, OrganizationStatus.ABNORMAL]
# The site offers the last five years for filing; earlier omissions are beyond correcting online.
REPORTING_WINDOW_YEARS = 5


def report_due_date(year: int) -> datetime.date:
    """The report on `year` is due by 31 May of the following year."""
    return datetime.date(year + 1, 5, 31)


def _last_founding_day(year: int) -> datetime.date:
    # Registered by 30 June, an organization has existed six months by 31 December.
    return datetime.date(year, 6, 30)


def must_report(organization: Organization, year: int) -> bool:
    """Registered organizations report every year, except in their first year when they were
    registered less than six months before 31 December (that is, after 30 June)."""
    founded = organization.founded_on
    return (
        organization.kind != OrganizationKind.COMMUNITY_GROUP
        and organization.status in REPORTING_STATUSES
        and (founded is None or founded <= _last_founding_day(year))
    )


def must_report_filter(year: int) -> Q:
    """`must_report` as one condition on Organization, for queries over many organizations."""
    founded_in_time = Q(founded_on__isnull=True) | Q(founded_on__lte=_last_founding_day(year))
    return ~Q(kind=OrganizationKind.COMMUNITY_GROUP) & Q(status__in=REPORTING_STATUSES) & founded_in_time


def grace_period_end(year: int) -> datetime.date:
    """The last day of grace after the report on `year` fell due; from the next day a missing
    report puts the organization on the abnormal list (REGISTRY_ANNUAL_REPORT_GRACE_DAYS)."""
    return report_due_date(year) + datetime.timedelta(days=settings.REGISTRY_ANNUAL_REPORT_GRACE_DAYS)


def reporting_window(today: datetime.date) -> range:
    """The years the site offers for filing on `today`: the last five, up to last year."""
    return range(today.year - REPORTING_WINDOW_YEARS, today.year)


@dataclass(frozen=True)
class ReportingYear:
    year: int
    due_on: datetime.date
    report: AnnualReport | None  # a draft or a returned report too: see `filed`
    overdue: bool  # past the due date without a filed report

    @property
    def filed(self) -> bool:
        return self.report is not None and self.report.is_filed


def reporting_calendar(organization: Organization, *, today: datetime.date) -> list[ReportingYear]:
    """The organization's reporting years, newest first: each year of the window it must report on
    (so none before its founding), and any other year it has reported on. One query.
    Not scoped: callers show it only to the organization's own accounts."""
    reports = {report.year: report for report in organization.annual_reports.all()}
    years = {year for year in reporting_window(today) if must_report(organization, year)} | set(reports)
    return [
        ReportingYear(
            year=year,
            due_on=report_due_date(year),
            report=reports.get(year),
            overdue=not (year in reports and reports[year].is_filed) and report_due_date(year) < today,
        )
        for year in sorted(years, reverse=True)
    ]


def annual_report_timeline(report: AnnualReport) -> list[AnnualReportEvent]:
    """The steps of a report, oldest first: submissions, returns for correction and the result.
    A report filed outside the online steps (on paper, or before they existed) has no recorded
    submission or result: those steps are told from the report's own fields, unsaved."""
    if report.state == AnnualReportState.DRAFT:
        return []
    events = list(report.events.select_related("actor"))
    if not events or events[0].from_state not in AnnualReportState.editable():
        events.insert(
            0,
            AnnualReportEvent(
                report=report,
                from_state=AnnualReportState.DRAFT,
                to_state=AnnualReportState.SUBMITTED,
                actor=report.submitted_by,
                at=report.submitted_at,
            ),
        )
    if report.result and not any(event.to_state == AnnualReportState.CHECKED for event in events):
        events.append(
            AnnualReportEvent(
                report=report,
                from_state=AnnualReportState.SUBMITTED,
                to_state=AnnualReportState.CHECKED,
                actor=report.result_by,
                reason=report.result_reason,
                at=report.result_at or report.submitted_at,
            )
        )
    return events


def return_reason(timeline: list[AnnualReportEvent]) -> str:
    """Why the report was last returned for correction ('' if it never was)."""
    returns = [event for event in timeline if event.to_state == AnnualReportState.RETURNED]
    return returns[-1].reason if returns else ""


def public_annual_results() -> QuerySet[AnnualReport]:
    """Every decided result of a public organization: what anyone may see of annual reports
    (the year, the organization and the result; never the reported figures)."""
    return AnnualReport.objects.exclude(result="").filter(organization__in=public_organizations().values("pk"))


def public_result_years() -> list[int]:
    """The years with at least one public result, newest first."""
    return list(public_annual_results().order_by("-year").values_list("year", flat=True).distinct())


def public_results_of_year(year: int) -> QuerySet[AnnualReport]:
    """The public results on `year`, by organization name (in pinyin order), in one query."""
    return (
        public_annual_results()
        .filter(year=year)
        .select_related("organization")
        .only(
            "year",
            "result",
            "organization__name",
            "organization__kind",
            "organization__uscc",
            "organization__filing_number",
            "organization__name_pinyin",
        )
        .order_by("organization__name_pinyin", "organization__pk")
    )
