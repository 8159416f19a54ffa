"""A funded venture project's reports as deadlines (registry.selectors.deadlines): the mid-term
report is due until one is filed, then the final report until it is filed. A report returned for
correction is due again, under the same key, so reminders already sent are not sent twice.

Registered from FederationConfig.ready(); the registry never imports this app."""

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from registry.models import Organization
from registry.selectors.deadlines import Deadline, DeadlineSource, deadline_status

from .enums import ProjectReportKind, ProjectReportResult, ProjectState
from .models import ProjectReport, VentureProject

# The page of the organization's area where the report is filed.
PROJECT_URL = "account_venture_project"


def _funded(organizations: QuerySet) -> QuerySet[VentureProject]:
    """Funded projects of `organizations`, each marked with which reports are filed (a returned
    report does not count: it awaits its correction)."""
    filed = ProjectReport.objects.filter(project=OuterRef("pk")).exclude(result=ProjectReportResult.RETURNED)
    return (
        VentureProject.objects.filter(state=ProjectState.FUNDED, organization__in=organizations)
        .annotate(
            midterm_filed=Exists(filed.filter(kind=ProjectReportKind.MIDTERM)),
            final_filed=Exists(filed.filter(kind=ProjectReportKind.FINAL)),
        )
        .select_related("call")
        .order_by("pk")
    )


def _deadline(project: VentureProject, kind: ProjectReportKind, today: datetime.date) -> Deadline:
    due_on = project.call.midterm_due_on if kind == ProjectReportKind.MIDTERM else project.call.final_due_on
    return Deadline(
        key=f"venture-report:{project.pk}:{kind.value}",
        title=_("报送公益创投项目“%(title)s”的%(kind)s") % {"title": project.title, "kind": kind.label},
        due_on=due_on,
        status=deadline_status(due_on, today),
        url_name=PROJECT_URL,
        url_args=(project.pk,),
    )


def _next_report(project: VentureProject) -> ProjectReportKind | None:
    if not project.midterm_filed:
        return ProjectReportKind.MIDTERM
    if not project.final_filed:
        return ProjectReportKind.FINAL
    return None


def _for_organization(organization: Organization, today: datetime.date) -> list[Deadline]:
    projects = _funded(Organization.objects.filter(pk=organization.pk))
    return [_deadline(project, kind, today) for project in projects if (kind := _next_report(project)) is not None]


def _due_between(
    organizations: QuerySet, first: datetime.date, last: datetime.date, today: datetime.date
) -> list[tuple[int, Deadline]]:
    """One query for any number of organizations: the dates are filtered in the database."""
    projects = _funded(organizations).filter(
        Q(midterm_filed=False, call__midterm_due_on__range=(first, last))
        | Q(midterm_filed=True, final_filed=False, call__final_due_on__range=(first, last))
    )
    return [
        (project.organization_id, _deadline(project, kind, today))
        for project in projects
        if (kind := _next_report(project)) is not None
    ]


VENTURE_REPORTS = DeadlineSource(name="venture-report", for_organization=_for_organization, due_between=_due_between)
