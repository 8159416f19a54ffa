"""What the public site shows of grades: each organization's current grade, its grade history,
and the directory's filters by grade (registered with the registry's directory in `apps.py`)."""

import datetime

from django.db.models import Case, CharField, Count, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.selectors.directory import DirectoryFacet

from ..enums import Grade, GradeStatus
from ..models import OrganizationGrade
from ..services.grading import reaches
from .grades import grades_in_force

# Organizations graded 3A or above may take on services the government buys (政府购买服务).
PURCHASE_ELIGIBLE_GRADE = Grade.A3
PURCHASE_GRADES = [grade for grade in Grade.values if reaches(grade, PURCHASE_ELIGIBLE_GRADE)]
PURCHASE_ELIGIBLE = "eligible"


def current_grades(today: datetime.date) -> QuerySet[OrganizationGrade]:
    """Each organization's current grade on `today`, at most one per organization: of the grades
    in force, the latest awarded (as `selectors.grades.current_grade`). Grades can overlap when an
    organization is graded again before its old grade expires (a five-years-from-award campaign);
    counting both would count the organization twice."""
    in_force = grades_in_force(today)
    newer = in_force.filter(organization=OuterRef("organization")).filter(
        Q(awarded_on__gt=OuterRef("awarded_on")) | Q(awarded_on=OuterRef("awarded_on"), pk__gt=OuterRef("pk"))
    )
    return in_force.filter(~Exists(newer))


class GradeStanding:
    """Where a grade stands on a day, as the organization page shows it."""

    IN_FORCE = "in_force"
    AWARDED = "awarded"  # awarded, its validity not yet begun (it starts on 1 January)
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    LABELS = {
        IN_FORCE: _("有效"),
        AWARDED: _("已授予，尚未生效"),
        EXPIRED: _("已过期"),
        CANCELLED: _("已取消"),
    }


def grade_history(organization, today: datetime.date) -> tuple[OrganizationGrade | None, list[OrganizationGrade]]:
    """The organization's current grade (as `selectors.grades.current_grade`: of the grades in
    force on `today`, the latest awarded) and its other grades, newest first: awarded but not yet
    in force, expired, cancelled, or overlapped by a newer one. Each has `standing` (a
    `GradeStanding` code) and `standing_label`, its framework and its downgrades or cancellation.
    One query for the grades and one for their changes (none without grades)."""
    grades = list(
        OrganizationGrade.objects.filter(organization=organization)
        .select_related("framework")
        .prefetch_related("changes")
        .annotate(
            standing=Case(
                When(status=GradeStatus.CANCELLED, then=Value(GradeStanding.CANCELLED)),
                When(valid_until__lt=today, then=Value(GradeStanding.EXPIRED)),
                When(valid_from__gt=today, then=Value(GradeStanding.AWARDED)),
                default=Value(GradeStanding.IN_FORCE),
                output_field=CharField(),
            )
        )
        .order_by("-awarded_on", "-pk")
    )
    for grade in grades:
        grade.standing_label = GradeStanding.LABELS[grade.standing]
    # A grade is in force exactly when it is neither cancelled, expired nor yet to begin.
    current = next((grade for grade in grades if grade.standing == GradeStanding.IN_FORCE), None)
    return current, [grade for grade in grades if grade is not current]


def is_purchase_eligible(grade: OrganizationGrade | None) -> bool:
    """May an organization with this current grade take on services the government buys?"""
    return grade is not None and reaches(grade.grade, PURCHASE_ELIGIBLE_GRADE)


# --- Directory facets -----------------------------------------------------------------------------


def _graded_among(values: list[str]) -> Q:
    """Organizations whose current grade is one of `values` (a correlated subquery, so the
    directory's query stays one row per organization)."""
    today = timezone.localdate()
    return Q(Exists(current_grades(today).filter(organization=OuterRef("pk"), grade__in=values)))


def _grade_counts(organizations: QuerySet) -> dict[str, int]:
    return dict(
        current_grades(timezone.localdate())
        .filter(organization__in=organizations.values("pk"))
        .order_by()
        .values_list("grade")
        .annotate(n=Count("pk"))
    )


def _purchase_counts_of_grades(counts: dict[str, int]) -> dict[str, int]:
    return {PURCHASE_ELIGIBLE: sum(counts.get(grade, 0) for grade in PURCHASE_GRADES)}


GRADE_FACET = DirectoryFacet(
    name="grade",
    label=_("评估等级"),
    choices=lambda: list(Grade.choices),
    condition=_graded_among,
    counts=_grade_counts,
)

PURCHASE_FACET = DirectoryFacet(
    name="purchase",
    label=_("承接政府购买服务"),
    choices=lambda: [
        (PURCHASE_ELIGIBLE, _("有资格承接政府购买服务（%(grade)s及以上）") % {"grade": PURCHASE_ELIGIBLE_GRADE.label})
    ],
    # Any chosen value means the one condition; unknown values never reach here (the form drops them).
    condition=lambda values: _graded_among(PURCHASE_GRADES),
    counts=lambda organizations: _purchase_counts_of_grades(_grade_counts(organizations)),
    derived_from=GRADE_FACET.name,
    derive=_purchase_counts_of_grades,
)
