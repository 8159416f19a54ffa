"""Reads of final grades: which are in force on a day, and an organization's current one."""

import datetime

from django.db.models import QuerySet

from ..enums import GradeStatus
from ..models import OrganizationGrade


def grades_in_force(today: datetime.date) -> QuerySet[OrganizationGrade]:
    """Grades valid on `today`: not cancelled, and within their validity dates (a downgraded
    grade stays in force at its lowered level)."""
    return OrganizationGrade.objects.filter(status=GradeStatus.VALID, valid_from__lte=today, valid_until__gte=today)


def current_grade(organization, today: datetime.date) -> OrganizationGrade | None:
    """The organization's grade in force on `today` (the latest awarded, if several overlap)."""
    return (
        grades_in_force(today)
        .filter(organization=organization)
        .select_related("framework")
        .order_by("-awarded_on", "-pk")
        .first()
    )
