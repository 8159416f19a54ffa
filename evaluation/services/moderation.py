"""Moderation (DESIGN.md section 9): from the assessors' submitted scores to a case's total and
proposed grade, and the lead's reconciliation of the indicators where the assessors disagree.

Everything is computed in the database by one statement per question, for a single case or for
a whole campaign at once (`compute_campaign_totals`), so that the number of queries does not grow
with the number of cases. The statement works in exact integers, portable to SQLite and
PostgreSQL: points are counted in tenths, and a mean or median is scaled by `UNITS` before the
division, which is then exact for up to 16 assessors; rounding half up happens once, on the
case's total.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from audit.services import record

from ..enums import Aggregation, CaseAction, CaseState, Grade
from ..models import Assignment, Campaign, Case, GradeBand, Indicator, Reconciliation, Score
from ..selectors.assessments import scored_leaves
from . import cases
from .grading import grade_for_total, parse_points, reaches

# Least common multiple of 1..16: a sum of tenths times UNITS divides exactly by any number of
# assessors up to 16 (and by the one or two middle values of a median).
UNITS = 720720
TENTHS = Decimal("0.1")
# Cases written per UPDATE: three parameters each stay below SQLite's 32,766 and PostgreSQL's 65,535.
STORE_BATCH = 10000


def _tenths(column: str) -> str:
    # SQLite keeps decimals as floating point: round before casting so 0.3 × 10 is 3, not 2.
    return f"CAST(ROUND({column} * 10) AS INTEGER)"


# Per (case, indicator), in units of 1 / (10 × UNITS) points. The median takes the one (odd
# count) or two (even count) middle values by position; ROW_NUMBER and COUNT over a partition
# run on SQLite and PostgreSQL alike.
_AGGREGATES = {
    Aggregation.MEAN: ("scored", f"SUM(tenths) * {UNITS} / COUNT(*)"),
    Aggregation.MEDIAN: (
        "ranked",
        f"SUM(CASE WHEN ordinal IN ((assessors + 1) / 2, (assessors + 2) / 2) THEN tenths ELSE 0 END) * {UNITS}"
        " / SUM(CASE WHEN ordinal IN ((assessors + 1) / 2, (assessors + 2) / 2) THEN 1 ELSE 0 END)",
    ),
}


def _per_indicator_sql(*, scope: str, aggregation: str) -> str:
    """The common table expressions down to `final`: one row per scored indicator of each case
    in `scope` (a condition on the case table `c`) with the assessors' lowest and highest
    points, the aggregate, the final points (the reconciliation when there is one), whether it
    is flagged, and the grade a zero caps it to."""
    source, aggregate = _AGGREGATES[Aggregation(aggregation)]
    tables = {
        "score": Score._meta.db_table,
        "assignment": Assignment._meta.db_table,
        "case": Case._meta.db_table,
        "indicator": Indicator._meta.db_table,
        "reconciliation": Reconciliation._meta.db_table,
    }
    return f"""
        WITH scored AS (
            SELECT a.case_id AS case_id, s.indicator_id AS indicator_id, {_tenths("s.points")} AS tenths
            FROM {tables["score"]} s
            JOIN {tables["assignment"]} a ON a.id = s.assignment_id
            JOIN {tables["case"]} c ON c.id = a.case_id
            WHERE {scope} AND a.submitted_at IS NOT NULL
        ),
        ranked AS (
            SELECT case_id, indicator_id, tenths,
                ROW_NUMBER() OVER (PARTITION BY case_id, indicator_id ORDER BY tenths) AS ordinal,
                COUNT(*) OVER (PARTITION BY case_id, indicator_id) AS assessors
            FROM scored
        ),
        aggregated AS (
            SELECT case_id, indicator_id, MIN(tenths) AS low, MAX(tenths) AS high, {aggregate} AS units
            FROM {source}
            GROUP BY case_id, indicator_id
        ),
        final AS (
            SELECT g.case_id AS case_id, g.indicator_id AS indicator_id, g.low AS low, g.high AS high,
                g.units AS units, i.veto_caps_grade AS veto_caps_grade,
                COALESCE({_tenths("r.points")} * {UNITS}, g.units) AS final_units,
                CASE WHEN r.id IS NULL AND (g.high - g.low) * 100 > %s * {_tenths("i.max_points")}
                    THEN 1 ELSE 0 END AS flagged
            FROM aggregated g
            JOIN {tables["indicator"]} i ON i.id = g.indicator_id
            LEFT JOIN {tables["reconciliation"]} r ON r.case_id = g.case_id AND r.indicator_id = g.indicator_id
        )
    """


def _share_in_hundredths(campaign: Campaign) -> int:
    return int((campaign.disagreement_share * 100).to_integral_value())


def _campaign_scope(campaign: Campaign) -> tuple[str, list]:
    return "c.campaign_id = %s AND c.state = %s", [campaign.pk, CaseState.MODERATION]


def _case_scope(case: Case) -> tuple[str, list]:
    return "c.id = %s", [case.pk]


def _query(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _store_totals(rows: list[tuple[int, Decimal, str]]) -> None:
    """Write (case id, total, proposed grade) rows with one UPDATE joined to a VALUES list per
    STORE_BATCH cases. Django's `bulk_update` builds a CASE over every row for every row (and
    splits into batches of 249 on SQLite); this is linear, and runs on SQLite (3.33 and later)
    and PostgreSQL alike, whose VALUES columns are both named column1, column2, …"""
    table = Case._meta.db_table
    for start in range(0, len(rows), STORE_BATCH):
        batch = rows[start : start + STORE_BATCH]
        values = ", ".join(["(%s, %s, %s)"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET total = v.column2, proposed_grade = v.column3"
                f" FROM (VALUES {values}) AS v WHERE {table}.id = v.column1",
                [value for row in batch for value in row],
            )


def _points(units: int) -> Decimal:
    """Exact points of an amount in units (more decimals than one when a mean is a fraction)."""
    return Decimal(units) / (10 * UNITS)


def _rounded_total(units: int) -> Decimal:
    """Half up to one decimal, in integers: totals are never negative."""
    tenths = (2 * units + UNITS) // (2 * UNITS)
    return (Decimal(tenths) * TENTHS).quantize(TENTHS)


def _write_totals(campaign: Campaign, scope: str, scope_params: list) -> dict:
    """Compute and store `total` and `proposed_grade` of every case in `scope`, in a fixed
    number of queries: one statement for the totals, flags and veto items at zero, one for the
    grade bands, then one bulk update (per STORE_BATCH cases)."""
    # One count per grade a veto item may cap to: how many of the case's veto items are at zero.
    capped = "".join(
        ", SUM(CASE WHEN f.veto_caps_grade = %s AND f.final_units = 0 THEN 1 ELSE 0 END)" for _grade in Grade.values
    )
    totals = _query(
        _per_indicator_sql(scope=scope, aggregation=campaign.aggregation)
        + f"""
        SELECT f.case_id, c.framework_id, SUM(f.final_units), SUM(f.flagged){capped}
        FROM final f JOIN {Case._meta.db_table} c ON c.id = f.case_id
        GROUP BY f.case_id, c.framework_id
        """,
        [*scope_params, _share_in_hundredths(campaign), *Grade.values],
    )
    bands = defaultdict(list)
    for band in GradeBand.objects.filter(framework_id__in={framework_id for _case, framework_id, *_rest in totals}):
        bands[band.framework_id].append(band)

    rows = []
    counts = {"cases": len(totals), "flagged_cases": 0, "capped_cases": 0, "by_grade": defaultdict(int)}
    for case_id, framework_id, units, flagged, *zeros in totals:
        caps = [grade for grade, zero in zip(Grade.values, zeros, strict=True) if zero]
        total = _rounded_total(units)
        grade = grade_for_total(bands[framework_id], total, caps)
        rows.append((case_id, total, grade))
        counts["by_grade"][grade] += 1
        counts["flagged_cases"] += bool(flagged)
        counts["capped_cases"] += bool(caps)
    _store_totals(rows)
    counts["by_grade"] = dict(counts["by_grade"])
    return counts


@transaction.atomic
def compute_campaign_totals(campaign: Campaign) -> dict:
    """Totals and proposed grades of every case of `campaign` in moderation, all at once.

    Returns the counts: `cases` computed, `flagged_cases` still waiting for a reconciliation,
    `capped_cases` with a veto item at zero, and `by_grade` (grade → cases; "" no grade).
    """
    scope, params = _campaign_scope(campaign)
    return _write_totals(campaign, scope, params)


@dataclass
class IndicatorModeration:
    """One scored indicator of a case on the lead's page. Points are None where missing."""

    indicator: Indicator
    points: list[Decimal | None] = field(default_factory=list)  # in the order of `CaseModeration.assignments`
    aggregate: Decimal | None = None
    spread: Decimal | None = None
    flagged: bool = False
    reconciliation: Reconciliation | None = None

    @property
    def final(self) -> Decimal | None:
        return self.reconciliation.points if self.reconciliation else self.aggregate


@dataclass
class CaseModeration:
    assignments: list[Assignment]
    rows: list[IndicatorModeration]

    @property
    def flagged(self) -> list[IndicatorModeration]:
        return [row for row in self.rows if row.flagged]


def _indicator_results(case: Case) -> dict[int, tuple]:
    """indicator id → (low tenths, high tenths, aggregate units, flagged) for `case`."""
    scope, params = _case_scope(case)
    sql = _per_indicator_sql(scope=scope, aggregation=case.campaign.aggregation)
    rows = _query(
        sql + "SELECT indicator_id, low, high, units, flagged FROM final",
        [*params, _share_in_hundredths(case.campaign)],
    )
    return {indicator_id: (low, high, units, bool(flagged)) for indicator_id, low, high, units, flagged in rows}


def case_moderation(case: Case) -> CaseModeration:
    """Each scored indicator of `case` with every assessor's points, the aggregate (mean or
    median, as the campaign says), the spread, whether it is flagged and its reconciliation."""
    assignments = list(case.assignments.filter(submitted_at__isnull=False).select_related("assessor"))
    points = {
        (score.assignment_id, score.indicator_id): score.points
        for score in Score.objects.filter(assignment__in=assignments)
    }
    reconciliations = {r.indicator_id: r for r in case.reconciliations.select_related("by")}
    results = _indicator_results(case)
    rows = []
    for indicator in scored_leaves(case.framework):
        row = IndicatorModeration(
            indicator=indicator,
            points=[points.get((assignment.pk, indicator.pk)) for assignment in assignments],
            reconciliation=reconciliations.get(indicator.pk),
        )
        if indicator.pk in results:
            low, high, units, row.flagged = results[indicator.pk]
            row.aggregate = _points(units)
            row.spread = Decimal(high - low) * TENTHS
        rows.append(row)
    return CaseModeration(assignments=assignments, rows=rows)


def _check_lead(case: Case, actor) -> None:
    if not cases.is_party(actor, case, cases.Party.LEAD):
        raise PermissionDenied(_("只有该评估申请的评估组长可以协调评分。"))


def _check_in_moderation(case: Case) -> None:
    if case.state != CaseState.MODERATION:
        raise ValidationError(_("评估申请不在复核汇总阶段，不能协调评分。"))


@transaction.atomic
def reconcile(*, case: Case, indicator: Indicator, points, comment: str, actor) -> Reconciliation:
    """The lead's agreed points for an indicator the assessors disagree on (or one already
    reconciled, to correct it), with a comment; the case's total is recomputed at once.

    Indicators the assessors agree on keep their aggregate: changing those is a reopening of an
    assessor's scores, with its logged reason.
    """
    case = Case.objects.select_for_update().select_related("campaign", "framework").get(pk=case.pk)
    _check_lead(case, actor)
    _check_in_moderation(case)
    if not scored_leaves(case.framework).filter(pk=indicator.pk).exists():
        raise ValidationError({"indicator": _("只能协调该评估申请指标体系中的评分指标。")})
    existing = Reconciliation.objects.filter(case=case, indicator=indicator).first()
    if existing is None and not _indicator_results(case).get(indicator.pk, (0, 0, 0, False))[3]:
        raise ValidationError(
            {"indicator": _("指标%(code)s的专家评分没有明显分歧，无需协调。") % {"code": indicator.code}}
        )
    errors = {}
    try:
        points = parse_points(points, indicator.max_points)
    except ValidationError as error:
        errors["points"] = error.messages
    else:
        if points is None:
            errors["points"] = _("请填写协调得分。")
    comment = (comment or "").strip()
    if not comment:
        errors["comment"] = _("请填写协调意见。")
    if errors:
        raise ValidationError(errors)
    reconciliation = existing or Reconciliation(case=case, indicator=indicator)
    before = {"indicator": indicator.code, "points": existing.points} if existing else None
    reconciliation.points = points
    reconciliation.comment = comment
    reconciliation.by = actor
    reconciliation.full_clean()
    reconciliation.save()
    record(
        actor=actor,
        action="moderation.reconcile",
        target=reconciliation,
        reason=comment,
        before=before,
        after={"indicator": indicator.code, "points": points},
        organization=case.organization,
    )
    _write_totals(case.campaign, *_case_scope(case))
    return reconciliation


def check_reconciled(case: Case) -> None:
    """Ready to finish moderation: no flagged indicator is left without a reconciliation."""
    codes = [
        indicator.code
        for indicator in Indicator.objects.filter(
            pk__in=[pk for pk, (*_rest, flagged) in _indicator_results(case).items() if flagged]
        )
    ]
    if codes:
        raise ValidationError(
            _("以下指标的专家评分分歧较大，须由评估组长协调后才能完成复核汇总：%(codes)s。")
            % {"codes": "、".join(codes)}
        )


def decidable_grades(case: Case) -> list[str]:
    """The grades the committee may decide for a moderated case, best first, then "" (no grade):
    those of its framework's bands that its proposed grade reaches. The proposed grade is the
    best band the moderated total reaches, capped by every veto item at zero (`_write_totals`),
    and the scores stay locked once the case is moderated, so it still holds: the committee may
    lower it, not raise it."""
    bands = case.framework.bands.all()
    return [band.grade for band in bands if reaches(case.proposed_grade, band.grade)] + [""]


@transaction.atomic
def moderate(case: Case, actor) -> Case:
    """Finish moderation: recompute the case's total and proposed grade, then move it on to
    the committee (refused while a flagged indicator waits for its reconciliation)."""
    case = Case.objects.select_related("campaign").get(pk=case.pk)
    _write_totals(case.campaign, *_case_scope(case))
    return cases.act_on_case(case=case, action=CaseAction.MODERATE, actor=actor)
