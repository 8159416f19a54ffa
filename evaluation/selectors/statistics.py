"""Figures of the evaluation for the statistics page and the API (DESIGN.md section 9): the
evaluation rate against its target, the distribution of grades in force, and how closely the
assessors agree."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, Exists, F, FloatField, IntegerField, Max, Min, OuterRef, Q
from django.db.models.functions import Cast, Round

from registry.enums import OrganizationKind, OrganizationStatus, UnitLevel
from registry.models import AdministrativeUnit, Organization

from ..enums import CampaignPurpose, Grade
from ..models import Campaign, Score
from .directory import current_grades
from .grades import grades_in_force

# The district's target: at least 60% of registered organizations hold a valid grade.
EVALUATION_RATE_TARGET = Decimal("0.6")

# Only registered organizations (legal persons with a credit code) are evaluated; community
# groups are filed with their street, not registered, and the evaluation does not cover them,
# so they are in neither side of the rate.
RATED_KINDS = OrganizationKind.registered()
# A registration still in force: an organization on the abnormal-activity list is still
# registered (and must still report, as `registry.selectors.annual_reports` has it); revoked
# and deregistered ones are not.
RATED_STATUSES = [OrganizationStatus.ACTIVE, OrganizationStatus.ABNORMAL]


@dataclass(frozen=True)
class Rate:
    """`graded` of `registered` organizations hold a grade in force."""

    code: str
    label: str
    graded: int
    registered: int

    @property
    def rate(self) -> float | None:
        """graded ÷ registered, from 0 to 1; None when there is nothing to divide by."""
        return self.graded / self.registered if self.registered else None

    @property
    def meets_target(self) -> bool:
        return self.registered > 0 and self.graded >= EVALUATION_RATE_TARGET * self.registered


def evaluation_rate(today: datetime.date) -> dict:
    """{"overall": Rate, "by_kind": [Rate per registered kind], "by_street": [Rate per street]}:
    registered organizations in force with a grade in force on `today` ÷ registered organizations
    in force. Every kind and street is present, 0 of 0 included. Two queries."""
    rows = (
        Organization.objects.filter(kind__in=RATED_KINDS, status__in=RATED_STATUSES)
        .annotate(graded=Exists(grades_in_force(today).filter(organization=OuterRef("pk"))))
        .order_by()
        .values("kind", "street__code")
        .annotate(registered=Count("pk"), with_grade=Count("pk", filter=Q(graded=True)))
    )
    by_kind, by_street = {}, {}
    for row in rows:
        for totals, key in ((by_kind, row["kind"]), (by_street, row["street__code"])):
            graded, registered = totals.get(key, (0, 0))
            totals[key] = (graded + row["with_grade"], registered + row["registered"])
    streets = AdministrativeUnit.objects.filter(level=UnitLevel.STREET).order_by("code").values_list("code", "name")
    return {
        "overall": Rate(
            "overall",
            "",
            sum(graded for graded, _ in by_kind.values()),
            sum(registered for _, registered in by_kind.values()),
        ),
        "by_kind": [Rate(kind.value, str(kind.label), *by_kind.get(kind.value, (0, 0))) for kind in RATED_KINDS],
        "by_street": [Rate(code, name, *by_street.get(code, (0, 0))) for code, name in streets],
    }


def grade_distribution(today: datetime.date) -> list[dict]:
    """[{code, label, count}] for each grade, best first: how many organizations hold it as their
    current grade on `today` (0 included). One query."""
    counts = dict(current_grades(today).order_by().values_list("grade").annotate(n=Count("pk")))
    return [{"code": code, "label": str(label), "count": counts.get(code, 0)} for code, label in Grade.choices]


def _in_units(column: str, units: int) -> Cast:
    # As exact integers, as moderation compares them: SQLite keeps decimals as floating point,
    # so round before casting (0.3 × 10 is 3, not 2).
    return Cast(Round(F(column) * units), IntegerField())


def assessor_agreement(campaign: Campaign | None = None) -> dict:
    """How closely assessors agree, over the submitted scores of `campaign` (or of every
    evaluation campaign).

    For each case and scored indicator with at least two submitted scores, the spread is the
    highest score minus the lowest. Returned:
    - `indicators`: how many such (case, indicator) pairs there are;
    - `within`: how many have a spread within the campaign's disagreement share of the indicator's
      maximum, the bound beyond which moderation flags an indicator (so `within` are the ones it
      does not flag);
    - `agreement`: within ÷ indicators (0..1, None without pairs);
    - `mean_spread`: the mean of spread ÷ maximum (0..1, None without pairs).
    One query: the spreads are grouped in a subquery and summarised around it.
    """
    scores = Score.objects.filter(assignment__submitted_at__isnull=False, indicator__max_points__gt=0)
    if campaign is not None:
        scores = scores.filter(assignment__case__campaign=campaign)
    else:  # the evaluations' agreement: venture reviews are another kind of scoring
        scores = scores.filter(assignment__case__campaign__purpose=CampaignPurpose.EVALUATION)
    pairs = (
        scores.order_by()
        .values("assignment__case", "indicator")
        .annotate(
            assessors=Count("pk"),
            spread=Max(_in_units("points", 10)) - Min(_in_units("points", 10)),
            maximum=Max(_in_units("indicator__max_points", 10)),
            share=Max(_in_units("assignment__case__campaign__disagreement_share", 100)),
        )
        .filter(assessors__gte=2)
        .annotate(
            beyond=F("spread") * 100 - F("share") * F("maximum"),
            spread_share=Cast("spread", FloatField()) / Cast("maximum", FloatField()),
        )
    )
    summary = pairs.aggregate(
        indicators=Count("assessors"),
        within=Count("assessors", filter=Q(beyond__lte=0)),
        mean_spread=Avg("spread_share"),
    )
    indicators = summary["indicators"]
    return {
        "indicators": indicators,
        "within": summary["within"],
        "agreement": summary["within"] / indicators if indicators else None,
        "mean_spread": summary["mean_spread"] if indicators else None,
    }
