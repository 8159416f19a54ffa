"""The back office's reads after the award, scoped to the officers of each grade's campaign:
grades, their review flags, and their downgrades and cancellations with the returns."""

from django.db.models import QuerySet

from ..models import GradeChange, GradeReviewFlag, OrganizationGrade
from .committee import campaigns_for_officer


def grades_for_user(user) -> QuerySet[OrganizationGrade]:
    return OrganizationGrade.objects.filter(case__campaign__in=campaigns_for_officer(user).values("pk")).select_related(
        "organization", "framework", "case__campaign"
    )


def review_flags_for_user(user) -> QuerySet[GradeReviewFlag]:
    return GradeReviewFlag.objects.filter(grade__in=grades_for_user(user)).select_related(
        "grade__organization", "grade__case__campaign"
    )


def grade_changes_for_user(user) -> QuerySet[GradeChange]:
    return GradeChange.objects.filter(grade__in=grades_for_user(user)).select_related(
        "grade__organization", "grade__case__campaign", "decided_by"
    )
