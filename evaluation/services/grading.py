"""From points to grades, and from an award to its validity (DESIGN.md section 9). Pure
functions of a framework's bands and a campaign's rule, used by self-assessment, moderation and
the award alike."""

import datetime
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ..enums import ValidityRule, grade_rank
from ..models import Framework, GradeBand

VALID_YEARS = 5
ONE_DECIMAL = Decimal("0.1")


def format_points(points: Decimal) -> str:
    """Points as people write them: 160, 172.5."""
    return f"{points.quantize(ONE_DECIMAL).normalize():f}"


def parse_points(raw, maximum: Decimal) -> Decimal | None:
    """Typed points (self-assessment, scores, reconciliations) as a Decimal of 0..`maximum` with at
    most one decimal; None when left blank; ValidationError with the reason otherwise."""
    text = "" if raw is None else str(raw).strip()
    if not text:
        return None
    try:
        points = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("请填写数字，如 8 或 7.5。")) from None
    if not points.is_finite():
        raise ValidationError(_("请填写数字，如 8 或 7.5。"))
    if not 0 <= points <= maximum:
        raise ValidationError(_("分数应在0至%(max)s分之间。") % {"max": format_points(maximum)})
    if points != points.quantize(ONE_DECIMAL):
        raise ValidationError(_("分数最多保留一位小数。"))
    return points.quantize(ONE_DECIMAL)


def grade_for_total(bands: Iterable[GradeBand], total: Decimal, veto_caps: Iterable[str] = ()) -> str:
    """The best grade whose lower bound `total` reaches (≥ when inclusive, > when exclusive),
    capped by every veto item that scored zero; "" when no band is reached."""
    reached = [band.grade for band in bands if (total >= band.min_score if band.inclusive else total > band.min_score)]
    if not reached:
        return ""
    grade = max(reached, key=grade_rank)
    for cap in veto_caps:
        if grade_rank(cap) < grade_rank(grade):
            grade = cap
    return grade


def framework_grade(framework: Framework, total: Decimal, veto_caps: Iterable[str] = ()) -> str:
    return grade_for_total(framework.bands.all(), total, veto_caps)


def reaches(grade: str, threshold: str) -> bool:
    """Is `grade` at or above `threshold` (e.g. a certificate's 3A)?"""
    return bool(grade) and grade_rank(grade) >= grade_rank(threshold)


def validity(rule: str, awarded_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """(valid_from, valid_until) of a grade awarded (announced) on `awarded_on`.

    From 2026-03-01 (`calendar_years`): 1 January of the next year to 31 December of the fifth
    year. Before (`from_award`): five years from the award, to the day before its anniversary.
    """
    if rule == ValidityRule.CALENDAR_YEARS:
        start = datetime.date(awarded_on.year + 1, 1, 1)
        return start, datetime.date(start.year + VALID_YEARS - 1, 12, 31)
    try:
        anniversary = awarded_on.replace(year=awarded_on.year + VALID_YEARS)
    except ValueError:  # 29 February
        anniversary = awarded_on.replace(year=awarded_on.year + VALID_YEARS, day=28) + datetime.timedelta(days=1)
    return awarded_on, anniversary - datetime.timedelta(days=1)
