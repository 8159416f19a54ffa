"""What an organization has to do by when: annual reports not yet filed, applications returned for
correction, and whatever other apps register (DESIGN.md section 7).

Other apps add their own deadlines (evaluation campaigns, say) without the registry depending on
them: each registers a `DeadlineSource` in its AppConfig.ready(), as role providers and directory
facets are registered. A source answers two questions: an organization's deadlines (its page of
what is due) and, optionally, every organization's deadlines falling within some days (the reminder
job, which must not loop over organizations one query at a time).

Administrative penalties are not a source: a suspension (限期停止活动) is recorded without an end date.

Before an organization exists its founder still owes something: a registration or filing returned
for correction. Those deadlines are the applicant's own (`applicant_deadlines`), shown on their page
of what is due beside their organization's, if any (`deadlines_for_user`), and reminded to them.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..enums import ApplicationState
from ..models import AnnualReport, Application, Organization
from .annual_reports import must_report_filter, report_due_date, reporting_calendar

# A deadline this close is due soon; the first reminder goes out as it starts (see services.reminders).
DUE_SOON_DAYS = 30


class DeadlineStatus(models.TextChoices):
    UPCOMING = "upcoming", gettext_lazy("未到期")
    DUE_SOON = "due-soon", gettext_lazy("即将到期")
    OVERDUE = "overdue", gettext_lazy("已逾期")


@dataclass(frozen=True)
class Deadline:
    """Something an organization has to do. `key` is stable across days and runs (reminders sent
    are recorded against it); `due_on` is None for what awaits the organization now without a
    date (it counts as due soon); `url_name` and `url_args` name the site page where to act."""

    key: str
    title: str
    due_on: datetime.date | None
    status: DeadlineStatus
    url_name: str | None = None
    url_args: tuple = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name, args=self.url_args) if self.url_name else ""


def deadline_status(due_on: datetime.date | None, today: datetime.date) -> DeadlineStatus:
    if due_on is None:
        return DeadlineStatus.DUE_SOON
    if due_on < today:
        return DeadlineStatus.OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return DeadlineStatus.DUE_SOON
    return DeadlineStatus.UPCOMING


# (organizations, first day, last day, today) → (organization id, deadline) for every deadline of
# those organizations due between the two days inclusive.
DueBetween = Callable[[QuerySet, datetime.date, datetime.date, datetime.date], Iterable[tuple[int, Deadline]]]


@dataclass(frozen=True)
class DeadlineSource:
    """One kind of deadline. `due_between` is None for a source without dates (nothing to remind)."""

    name: str
    for_organization: Callable[[Organization, datetime.date], Iterable[Deadline]]
    due_between: DueBetween | None = None


_sources: dict[str, DeadlineSource] = {}


def register_deadline_source(source: DeadlineSource) -> None:
    _sources[source.name] = source


def deadlines_for_organization(organization: Organization, today: datetime.date) -> list[Deadline]:
    """Everything the organization has still to do, the earliest first (undated items count as
    due today). Not scoped: callers show it only to the organization's accounts and officers."""
    deadlines = [deadline for source in _sources.values() for deadline in source.for_organization(organization, today)]
    return sorted(deadlines, key=lambda deadline: (deadline.due_on or today, deadline.key))


def dated_deadlines_between(
    first: datetime.date, last: datetime.date, *, today: datetime.date, organizations: QuerySet | None = None
) -> list[tuple[int, Deadline]]:
    """(organization id, deadline) for every deadline due from `first` to `last` inclusive, among
    `organizations` (all by default), in a few queries per source whatever the number of
    organizations."""
    organizations = Organization.objects.all() if organizations is None else organizations
    return [
        pair
        for source in _sources.values()
        if source.due_between is not None
        for pair in source.due_between(organizations, first, last, today)
    ]


# --- Annual reports ---------------------------------------------------------------------------------


def _annual_report_deadline(year: int, today: datetime.date) -> Deadline:
    due_on = report_due_date(year)
    return Deadline(
        key=f"annual-report:{year}",
        title=_("报送%(year)d年度报告") % {"year": year},
        due_on=due_on,
        status=deadline_status(due_on, today),
        url_name="account_annual_report",
        url_args=(year,),
    )


def _annual_reports_for_organization(organization: Organization, today: datetime.date) -> list[Deadline]:
    """The unfiled years of the organization's reporting calendar (those the site lets it file)."""
    return [
        _annual_report_deadline(entry.year, today)
        for entry in reporting_calendar(organization, today=today)
        if not entry.filed  # a draft or a report returned for correction is still due
    ]


def organizations_lacking_annual_report(organizations: QuerySet, year: int) -> QuerySet[Organization]:
    """Those of `organizations` that must report on `year` and have not: one query for any number
    of organizations."""
    filed = AnnualReport.objects.filed().filter(organization=OuterRef("pk"), year=year)
    return organizations.filter(must_report_filter(year)).exclude(Exists(filed))


def _annual_reports_due_between(
    organizations: QuerySet, first: datetime.date, last: datetime.date, today: datetime.date
) -> list[tuple[int, Deadline]]:
    pairs = []
    for year in range(first.year - 1, last.year):
        if not first <= report_due_date(year) <= last:
            continue
        deadline = _annual_report_deadline(year, today)
        lacking = organizations_lacking_annual_report(organizations, year).values_list("pk", flat=True)
        pairs.extend((pk, deadline) for pk in lacking.iterator())
    return pairs


# --- Applications returned for correction -----------------------------------------------------------

RETURNED = Q(state=ApplicationState.RETURNED)


def _correction_deadline(application: Application, today: datetime.date) -> Deadline:
    """Due on the application's correction deadline (`correct_by`, set when it was returned); one
    returned before deadlines were kept has none and awaits its correction now."""
    return Deadline(
        key=f"application-returned:{application.pk}",
        title=_("补正后重新提交：%(kind)s申请") % {"kind": application.get_kind_display()},
        due_on=application.correct_by,
        status=deadline_status(application.correct_by, today),
        url_name="account_application",
        url_args=(application.pk,),
    )


def _returned_applications(organization: Organization, today: datetime.date) -> list[Deadline]:
    """Every application of the organization returned for correction, whoever of its accounts filed it."""
    returned = Application.objects.filter(RETURNED, organization=organization).order_by("last_action_at", "pk")
    return [_correction_deadline(application, today) for application in returned]


def _returned_applications_due_between(
    organizations: QuerySet, first: datetime.date, last: datetime.date, today: datetime.date
) -> list[tuple[int, Deadline]]:
    returned = Application.objects.filter(RETURNED, organization__in=organizations, correct_by__range=(first, last))
    return [(application.organization_id, _correction_deadline(application, today)) for application in returned]


def applicant_deadlines(user, today: datetime.date) -> list[Deadline]:
    """The user's own registrations and filings returned for correction, which have no organization
    yet to owe them (a change or deregistration is its organization's, see `_returned_applications`)."""
    if not getattr(user, "is_authenticated", False):
        return []
    returned = Application.objects.filter(RETURNED, applicant=user, organization__isnull=True).order_by(
        "last_action_at", "pk"
    )
    return [_correction_deadline(application, today) for application in returned]


def applicant_deadlines_between(
    first: datetime.date, last: datetime.date, *, today: datetime.date
) -> list[tuple[int, Deadline]]:
    """(applicant's user id, deadline) for every deadline of `applicant_deadlines` due from `first`
    to `last` inclusive, for active users, in one query."""
    returned = Application.objects.filter(
        RETURNED, organization__isnull=True, applicant__is_active=True, correct_by__range=(first, last)
    ).order_by("correct_by", "pk")
    return [(application.applicant_id, _correction_deadline(application, today)) for application in returned]


def deadlines_for_user(user, organization: Organization | None, today: datetime.date) -> list[Deadline]:
    """What is due for the user's page: their organization's deadlines (`organization`, the one
    they act for, if any) and their own applications' (`applicant_deadlines`), the earliest first."""
    deadlines = deadlines_for_organization(organization, today) if organization is not None else []
    deadlines += applicant_deadlines(user, today)
    return sorted(deadlines, key=lambda deadline: (deadline.due_on or today, deadline.key))


register_deadline_source(
    DeadlineSource(
        name="annual-report",
        for_organization=_annual_reports_for_organization,
        due_between=_annual_reports_due_between,
    )
)
register_deadline_source(
    DeadlineSource(
        name="application-returned",
        for_organization=_returned_applications,
        due_between=_returned_applications_due_between,
    )
)
