"""The appeal window of a public notice as a deadline of the organization (registry.selectors.deadlines):
while a campaign's notice runs, an organization with a grade on it may lodge a written appeal
until the notice's last day (`evaluation.services.notices.lodge_appeal`). The window is there for
the organization to use or not; it leaves the page of what is due when the notice ends or the case
becomes final.

Registered from EvaluationConfig.ready(); the registry never imports this app."""

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from registry.models import Organization
from registry.selectors.deadlines import Deadline, DeadlineSource, deadline_status

from ..enums import CaseState
from ..models import Case

# The organization's page where it lodges the appeal of a case.
APPEAL_URL = "account_evaluation_appeal"


def _appealable(organizations: QuerySet, today: datetime.date) -> QuerySet[Case]:
    """Graded cases of `organizations` in a notice running on `today` (the cases an appeal may be
    lodged against, as `lodge_appeal` checks)."""
    return (
        Case.objects.filter(
            organization__in=organizations,
            state=CaseState.IN_NOTICE,
            campaign__notice__starts_on__lte=today,
            campaign__notice__ends_on__gte=today,
        )
        .exclude(decided_grade="")
        .select_related("campaign__notice")
        .order_by("pk")
    )


def _deadline(case: Case, today: datetime.date) -> Deadline:
    due_on = case.campaign.notice.ends_on
    return Deadline(
        key=f"evaluation-appeal:{case.pk}",
        title=_("%(campaign)s：评估结果公示期内可提出申诉") % {"campaign": case.campaign.name},
        due_on=due_on,
        status=deadline_status(due_on, today),
        url_name=APPEAL_URL,
        url_args=(case.pk,),
    )


def _for_organization(organization: Organization, today: datetime.date) -> list[Deadline]:
    return [_deadline(case, today) for case in _appealable(Organization.objects.filter(pk=organization.pk), today)]


def _due_between(
    organizations: QuerySet, first: datetime.date, last: datetime.date, today: datetime.date
) -> list[tuple[int, Deadline]]:
    """One query for any number of organizations: the dates are filtered in the database."""
    cases = _appealable(organizations, today).filter(campaign__notice__ends_on__range=(first, last))
    return [(case.organization_id, _deadline(case, today)) for case in cases]


APPEAL_WINDOWS = DeadlineSource(name="evaluation-appeal", for_organization=_for_organization, due_between=_due_between)
