"""The evaluation's figures: the rate of registered organizations in force holding a grade in force
(by kind and street, against the 60% target), the grade distribution and assessor agreement."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.enums import CaseState, Grade, GradeStatus
from evaluation.models import Assignment, Campaign, Indicator, Score
from evaluation.selectors.statistics import (
    EVALUATION_RATE_TARGET,
    assessor_agreement,
    evaluation_rate,
    grade_distribution,
)
from registry.enums import OrganizationKind, OrganizationStatus
from tests.factories import create_org

pytest_plugins = ["tests.evaluation.grade_fixtures"]

D = Decimal
TODAY = datetime.date(2027, 6, 1)
IN_FORCE = (datetime.date(2027, 1, 1), datetime.date(2031, 12, 31))
EXPIRED = (datetime.date(2021, 1, 1), datetime.date(2025, 12, 31))


def by_code(rates):
    return {rate.code: rate for rate in rates}


def test_rate_counts_registered_organizations_in_force_and_grades_in_force(tree, evaluation, grant):
    zhanshan, badaguan = tree.zhanshan, tree.badaguan
    graded = [
        evaluation.organization,  # a social group of 湛山街道
        create_org(street=zhanshan, kind=OrganizationKind.SERVICE_INSTITUTION),
        create_org(street=badaguan, status=OrganizationStatus.ABNORMAL),  # still registered: counted
    ]
    for organization in graded:
        grant(organization, valid=IN_FORCE)
    create_org(street=zhanshan, kind=OrganizationKind.SERVICE_INSTITUTION)  # not graded
    create_org(street=badaguan)  # not graded
    expired = create_org(street=badaguan)
    grant(expired, valid=EXPIRED)
    cancelled = create_org(street=badaguan)
    grant(cancelled, status=GradeStatus.CANCELLED, valid=IN_FORCE)
    not_yet = create_org(street=badaguan)
    grant(not_yet, valid=(datetime.date(2028, 1, 1), datetime.date(2032, 12, 31)))
    # Neither side of the rate: filed community groups, and registrations no longer in force,
    # graded or not.
    for organization in (
        create_org(street=zhanshan, kind=OrganizationKind.COMMUNITY_GROUP),
        create_org(street=zhanshan, status=OrganizationStatus.REVOKED),
        create_org(street=zhanshan, status=OrganizationStatus.DEREGISTERED),
        create_org(street=zhanshan, status=OrganizationStatus.PENDING),
    ):
        grant(organization, valid=IN_FORCE)

    with CaptureQueriesContext(connection) as queries:
        rates = evaluation_rate(TODAY)
    assert len(queries) == 2

    overall = rates["overall"]
    assert (overall.graded, overall.registered) == (3, 8)
    assert overall.rate == 3 / 8
    assert not overall.meets_target
    kinds = by_code(rates["by_kind"])
    assert list(kinds) == ["social_group", "service_institution", "foundation"]
    assert (kinds["social_group"].graded, kinds["social_group"].registered) == (2, 6)
    assert (kinds["service_institution"].graded, kinds["service_institution"].registered) == (1, 2)
    assert kinds["foundation"].registered == 0 and kinds["foundation"].rate is None
    streets = by_code(rates["by_street"])
    assert (streets[zhanshan.code].graded, streets[zhanshan.code].registered) == (2, 3)
    assert (streets[badaguan.code].graded, streets[badaguan.code].registered) == (1, 5)
    assert streets[zhanshan.code].label == "湛山街道"
    assert streets[zhanshan.code].meets_target  # 2 of 3 ≥ 60%
    assert D("0.6") == EVALUATION_RATE_TARGET


def test_rate_meets_the_target_at_exactly_sixty_percent(tree, evaluation, grant):
    organizations = [evaluation.organization] + [create_org(street=tree.zhanshan) for _ in range(4)]
    for organization in organizations[:3]:
        grant(organization, valid=IN_FORCE)
    overall = evaluation_rate(TODAY)["overall"]
    assert (overall.graded, overall.registered) == (3, 5)
    assert overall.meets_target


def test_an_organization_with_two_grades_in_force_counts_once(tree, evaluation, grant, earlier_campaign, make_case):
    organization = evaluation.organization
    old_case = make_case(state=CaseState.FINAL, organization=organization)
    old_case.campaign = earlier_campaign
    old_case.save()
    # Five years from an award in 2023, still in force when the 2027 grade starts.
    grant(
        organization,
        Grade.A5,
        valid=(datetime.date(2023, 1, 10), datetime.date(2028, 1, 9)),
        case=old_case,
        awarded_on=datetime.date(2023, 1, 10),
    )
    grant(organization, Grade.A3, valid=IN_FORCE)
    rates = evaluation_rate(TODAY)
    assert (rates["overall"].graded, rates["overall"].registered) == (1, 1)
    distribution = {row["code"]: row["count"] for row in grade_distribution(TODAY)}
    # The latest awarded is the current grade.
    assert distribution == {"5A": 0, "4A": 0, "3A": 1, "2A": 0, "1A": 0}


def test_grade_distribution_counts_current_grades_only(tree, evaluation, grant):
    grant(evaluation.organization, Grade.A5, valid=IN_FORCE)
    grant(create_org(street=tree.zhanshan), Grade.A5, valid=IN_FORCE)
    grant(create_org(street=tree.zhanshan), Grade.A3, valid=IN_FORCE)
    grant(create_org(street=tree.zhanshan), Grade.A1, valid=IN_FORCE)
    grant(create_org(street=tree.zhanshan), Grade.A4, status=GradeStatus.CANCELLED, valid=IN_FORCE)
    grant(create_org(street=tree.zhanshan), Grade.A4, valid=(datetime.date(2020, 1, 1), datetime.date(2024, 12, 31)))
    with CaptureQueriesContext(connection) as queries:
        distribution = grade_distribution(TODAY)
    assert len(queries) == 1
    assert [(row["code"], row["label"], row["count"]) for row in distribution] == [
        ("5A", "5A", 2),
        ("4A", "4A", 0),
        ("3A", "3A", 1),
        ("2A", "2A", 0),
        ("1A", "1A", 1),
    ]


def test_nothing_graded_gives_zero_rates_and_no_agreement(tree, evaluation):
    rates = evaluation_rate(TODAY)
    assert (rates["overall"].graded, rates["overall"].registered) == (0, 1)
    assert rates["overall"].rate == 0
    assert by_code(rates["by_street"])[tree.badaguan.code].rate is None
    assert assessor_agreement() == {"indicators": 0, "within": 0, "agreement": None, "mean_spread": None}


# --- Assessor agreement ----------------------------------------------------------------------------


def score_case(case, assessors, points_by_assessor: list[dict[str, str]], *, submitted=True):
    """Each assessor's points per indicator code of the small framework (1.1 of 30, 1.2 of 20, 2 of 50)."""
    indicators = {indicator.code: indicator for indicator in Indicator.objects.filter(framework=case.framework)}
    for assessor, points in zip(assessors, points_by_assessor, strict=True):
        assignment = Assignment.objects.create(
            case=case,
            assessor=assessor,
            assigned_by=assessor,
            submitted_at=timezone.now() if submitted else None,
        )
        for code, value in points.items():
            Score.objects.create(assignment=assignment, indicator=indicators[code], points=D(value))


def test_agreement_on_known_scores(tree, evaluation, make_case):
    first = make_case(state=CaseState.MODERATION)
    second = make_case(state=CaseState.MODERATION, organization=create_org(street=tree.zhanshan))
    a, b, c = evaluation.assessors
    # Disagreement share 20%: 1.1 (max 30) may differ by 6, 1.2 (max 20) by 4, 2 (max 50) by 10.
    score_case(
        first,
        [a, b],
        [
            {"1.1": "30", "1.2": "20", "2": "40"},
            {"1.1": "24", "1.2": "15.9", "2": "40"},  # 1.1 spread 6 (exactly 20%: within), 1.2 4.1 (beyond)
        ],
    )
    score_case(
        second,
        [a, b, c],
        [
            {"1.1": "10", "1.2": "10", "2": "20"},
            {"1.1": "12", "1.2": "10", "2": "35"},  # 2: spread 15 of 50, beyond
            {"1.1": "11", "1.2": "10", "2": "30"},
        ],
    )
    with CaptureQueriesContext(connection) as queries:
        result = assessor_agreement(evaluation.campaign)
    assert len(queries) == 1
    assert result["indicators"] == 6
    assert result["within"] == 4
    assert result["agreement"] == pytest.approx(4 / 6)
    spreads = [6 / 30, 4.1 / 20, 0 / 50, 2 / 30, 0 / 20, 15 / 50]
    assert result["mean_spread"] == pytest.approx(sum(spreads) / 6)


def test_agreement_ignores_unsubmitted_scores_and_lone_assessors(tree, evaluation, make_case):
    case = make_case(state=CaseState.SCORING)
    a, b, c = evaluation.assessors
    score_case(case, [a], [{"1.1": "30"}])
    score_case(case, [b], [{"1.1": "0", "1.2": "0"}], submitted=False)
    # Only 1.1 has two submitted scores once the third assessor submits.
    score_case(case, [c], [{"1.1": "29", "1.2": "5"}])
    result = assessor_agreement()
    assert (result["indicators"], result["within"]) == (1, 1)
    assert result["mean_spread"] == pytest.approx(1 / 30)


def test_agreement_uses_each_campaigns_share_and_can_be_limited_to_one(tree, evaluation, make_case, earlier_campaign):
    a, b, _c = evaluation.assessors
    earlier = make_case(state=CaseState.FINAL)
    earlier.campaign = earlier_campaign
    earlier.save()
    current = make_case(state=CaseState.MODERATION)
    for case in (earlier, current):
        score_case(case, [a, b], [{"2": "50"}, {"2": "42"}])  # spread 8 of 50 = 16%
    Campaign.objects.filter(pk=earlier_campaign.pk).update(disagreement_share=D("0.10"))
    assert assessor_agreement(evaluation.campaign)["within"] == 1
    assert assessor_agreement(earlier_campaign)["within"] == 0
    both = assessor_agreement()
    assert (both["indicators"], both["within"], both["agreement"]) == (2, 1, 0.5)
