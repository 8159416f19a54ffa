"""Points to grades and awards to validity, on the two real frameworks' bands."""

import datetime
from decimal import Decimal

import pytest

from evaluation.enums import Grade, ValidityRule
from evaluation.models import GradeBand
from evaluation.services.grading import grade_for_total, reaches, validity

D = Decimal
QINGDAO = [GradeBand(grade=g, min_score=D(m), inclusive=False) for g, m in (("5A", 190), ("4A", 180), ("3A", 160))]
NATIONAL = [
    GradeBand(grade=g, min_score=D(m), inclusive=True)
    for g, m in (("5A", 900), ("4A", 800), ("3A", 700), ("2A", 600), ("1A", 500))
]


@pytest.mark.parametrize(
    ("total", "expected"),
    [("190.1", "5A"), ("190.0", "4A"), ("180.1", "4A"), ("180.0", "3A"), ("160.1", "3A"), ("160.0", ""), ("0", "")],
)
def test_qingdao_bands_have_exclusive_lower_bounds(total, expected):
    assert grade_for_total(QINGDAO, D(total)) == expected


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("1000", "5A"),
        ("900.0", "5A"),
        ("899.9", "4A"),
        ("800", "4A"),
        ("700", "3A"),
        ("600", "2A"),
        ("500", "1A"),
        ("499.9", ""),
    ],
)
def test_national_bands_have_inclusive_lower_bounds(total, expected):
    assert grade_for_total(NATIONAL, D(total)) == expected


def test_a_zero_veto_item_caps_the_grade_and_never_raises_it():
    assert grade_for_total(QINGDAO, D("195"), veto_caps=[Grade.A4]) == "4A"
    assert grade_for_total(QINGDAO, D("195"), veto_caps=[Grade.A4, Grade.A3]) == "3A"
    assert grade_for_total(QINGDAO, D("185"), veto_caps=[Grade.A5]) == "4A"
    assert grade_for_total(QINGDAO, D("150"), veto_caps=[Grade.A4]) == ""


def test_reaches_compares_by_rank():
    assert reaches("4A", "3A") and reaches("3A", "3A")
    assert not reaches("2A", "3A") and not reaches("", "3A")


def test_validity_from_2026_runs_from_next_january_to_the_end_of_the_fifth_year():
    assert validity(ValidityRule.CALENDAR_YEARS, datetime.date(2026, 11, 20)) == (
        datetime.date(2027, 1, 1),
        datetime.date(2031, 12, 31),
    )


def test_validity_under_the_older_rule_is_five_years_from_the_award():
    assert validity(ValidityRule.FROM_AWARD, datetime.date(2024, 6, 15)) == (
        datetime.date(2024, 6, 15),
        datetime.date(2029, 6, 14),
    )
    assert validity(ValidityRule.FROM_AWARD, datetime.date(2024, 2, 29)) == (
        datetime.date(2024, 2, 29),
        datetime.date(2029, 2, 28),
    )
