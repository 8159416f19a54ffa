"""Moderation: aggregates per indicator (mean or median), flags, reconciliation, veto caps and
totals computed in the database for a whole campaign at once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.enums import Aggregation, CaseAction, CaseState, Grade
from evaluation.models import Assignment, Indicator, Reconciliation, Score, ScoreReopening
from evaluation.services.moderation import (
    case_moderation,
    check_reconciled,
    compute_campaign_totals,
    moderate,
    reconcile,
)
from evaluation.services.scoring import complete_scoring, reopen_scores, save_scores, submit_scores
from tests.factories import UserFactory, create_org

D = Decimal


def score_case(case, assessors, points: dict[str, list]):
    """Give `case` a submitted team (the first assessor leads) and its scores: indicator code →
    each assessor's points, in the order of `assessors`."""
    indicators = {i.code: i for i in Indicator.objects.filter(framework=case.framework)}
    assignments = [
        Assignment.objects.create(
            case=case, assessor=assessor, is_lead=n == 0, assigned_by=assessor, submitted_at=timezone.now()
        )
        for n, assessor in enumerate(assessors)
    ]
    for code, values in points.items():
        for assignment, value in zip(assignments, values, strict=True):
            Score.objects.create(assignment=assignment, indicator=indicators[code], points=D(str(value)))
    return case


@pytest.fixture
def moderated_case(evaluation, make_case):
    """make(points) → a case in moderation scored by the fixture's three assessors."""

    def make(points, *, organization=None, assessors=None):
        case = make_case(state=CaseState.MODERATION, organization=organization)
        return score_case(case, assessors or evaluation.assessors, points)

    return make


def totals_of(case):
    case.refresh_from_db()
    return case.total, case.proposed_grade


def test_mean_per_indicator_summed_and_graded(evaluation, moderated_case):
    case = moderated_case({"1.1": [30, 27, 24], "1.2": [20, 20, 19], "2": [45, 46, 47]})
    counts = compute_campaign_totals(evaluation.campaign)
    # 27 + 19.666… + 46 = 92.666… → 92.7, 5A (≥ 90)
    assert totals_of(case) == (D("92.7"), Grade.A5)
    assert counts == {"cases": 1, "flagged_cases": 0, "capped_cases": 0, "by_grade": {Grade.A5: 1}}


def test_median_when_the_campaign_selects_it(evaluation, moderated_case):
    evaluation.campaign.aggregation = Aggregation.MEDIAN
    evaluation.campaign.save()
    case = moderated_case({"1.1": [24, 30, 27], "1.2": [20, 19, 20], "2": [45, 47, 46]})
    compute_campaign_totals(evaluation.campaign)
    assert totals_of(case) == (D("93.0"), Grade.A5)  # 27 + 20 + 46


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_points(evaluation, moderated_case):
    evaluation.campaign.aggregation = Aggregation.MEDIAN
    evaluation.campaign.save()
    fourth = UserFactory(username="assessor3")
    case = moderated_case(
        {"1.1": [10, 30, 12, 20], "1.2": [20, 20, 20, 20], "2": [40, 40, 40, 40]},
        assessors=[*evaluation.assessors, fourth],
    )
    compute_campaign_totals(evaluation.campaign)
    assert totals_of(case) == (D("76.0"), Grade.A3)  # median 16 (mean would be 18) + 20 + 40
    assert case_moderation(case).rows[0].aggregate == D(16)


def test_total_is_rounded_half_up_exactly(evaluation, moderated_case):
    case = moderated_case({"1.1": [10.1, 10.2], "1.2": [20, 20], "2": [40.1, 40.1]}, assessors=evaluation.assessors[:2])
    compute_campaign_totals(evaluation.campaign)
    assert totals_of(case) == (D("70.3"), Grade.A3)  # 10.15 + 20 + 40.1 = 70.25 → 70.3 (not to even), 3A: > 70


def test_flags_only_beyond_the_share_of_the_maximum(evaluation, moderated_case):
    # 20% of 30 is 6 and of 50 is 10: a spread of exactly the share is not flagged.
    case = moderated_case({"1.1": [24, 30, 27], "1.2": [20, 15.9, 20], "2": [40, 50, 45]})
    rows = {row.indicator.code: row for row in case_moderation(case).rows}
    assert (rows["1.1"].spread, rows["1.1"].flagged) == (D("6.0"), False)
    assert (rows["1.2"].spread, rows["1.2"].flagged) == (D("4.1"), True)
    assert (rows["2"].spread, rows["2"].flagged) == (D("10.0"), False)
    assert rows["1.2"].points == [D(20), D("15.9"), D(20)]
    counts = compute_campaign_totals(evaluation.campaign)
    assert counts["flagged_cases"] == 1

    evaluation.campaign.disagreement_share = D("0.10")
    evaluation.campaign.save()
    flagged = {row.indicator.code for row in case_moderation(case).rows if row.flagged}
    assert flagged == {"1.1", "1.2", "2"}


def test_reconciliation_replaces_the_aggregate_and_clears_the_flag(evaluation, moderated_case):
    case = moderated_case({"1.1": [30, 20, 25], "1.2": [20, 20, 20], "2": [45, 45, 45]})
    lead = evaluation.assessors[0]
    with pytest.raises(ValidationError) as refused:
        check_reconciled(case)
    assert "1.1" in refused.value.messages[0]

    reconcile(case=case, indicator=Indicator.objects.get(code="1.1"), points="22.5", comment="现场核实", actor=lead)
    assert totals_of(case) == (D("87.5"), Grade.A4)  # written at once: 22.5 + 20 + 45, not 25 + 20 + 45
    row = case_moderation(case).rows[0]
    assert (row.aggregate, row.final, row.flagged) == (D(25), D("22.5"), False)
    check_reconciled(case)

    compute_campaign_totals(evaluation.campaign)
    assert totals_of(case) == (D("87.5"), Grade.A4)


def test_veto_item_at_zero_caps_the_grade(evaluation, moderated_case):
    Indicator.objects.filter(code="1.2").update(veto_caps_grade=Grade.A3)
    capped = moderated_case({"1.1": [30, 30, 30], "1.2": [0, 0, 0], "2": [50, 50, 50]})
    other = create_org(street=evaluation.organization.street, name="市南区摄影家协会")
    scored = moderated_case({"1.1": [30, 30, 30], "1.2": [0, 0, 0.3], "2": [50, 50, 50]}, organization=other)
    counts = compute_campaign_totals(evaluation.campaign)
    assert totals_of(capped) == (D("80.0"), Grade.A3)  # 4A by its total, capped to 3A
    assert totals_of(scored) == (D("80.1"), Grade.A4)  # a mean above zero is no veto
    assert counts["capped_cases"] == 1


def test_totals_for_a_campaign_take_the_same_queries_for_3_or_30_cases(evaluation, moderated_case):
    street = evaluation.organization.street
    points = {"1.1": [30, 25, 28], "1.2": [20, 18, 20], "2": [45, 44, 43]}

    def queries_for(count):
        for _n in range(count):
            moderated_case(points, organization=create_org(street=street))
        with CaptureQueriesContext(connection) as captured:
            counts = compute_campaign_totals(evaluation.campaign)
        return counts["cases"], len(captured)

    few_cases, few_queries = queries_for(3)
    many_cases, many_queries = queries_for(27)
    assert (few_cases, many_cases) == (3, 30)
    assert few_queries == many_queries


def test_only_cases_in_moderation_are_computed(evaluation, moderated_case, make_case):
    waiting = moderated_case({"1.1": [30, 30, 30], "1.2": [20, 20, 20], "2": [50, 50, 50]})
    done = make_case(state=CaseState.MODERATED, organization=create_org(street=evaluation.organization.street))
    score_case(done, evaluation.assessors, {"1.1": [1, 1, 1], "1.2": [1, 1, 1], "2": [1, 1, 1]})
    done.total, done.proposed_grade = D("91.0"), Grade.A5
    done.save()
    assert compute_campaign_totals(evaluation.campaign)["cases"] == 1
    assert totals_of(waiting) == (D("100.0"), Grade.A5)
    assert totals_of(done) == (D("91.0"), Grade.A5)


def test_only_the_lead_reconciles_while_in_moderation(evaluation, moderated_case):
    case = moderated_case({"1.1": [30, 20, 25], "1.2": [20, 20, 20], "2": [45, 45, 45]})
    chapter = Indicator.objects.get(code="1.1")
    for outsider in (evaluation.assessors[1], evaluation.officer, evaluation.manager):
        with pytest.raises(PermissionDenied):
            reconcile(case=case, indicator=chapter, points="25", comment="协调", actor=outsider)
    assert not Reconciliation.objects.exists()

    case.state = CaseState.MODERATED
    case.save()
    with pytest.raises(ValidationError, match="不在复核汇总阶段"):
        reconcile(case=case, indicator=chapter, points="25", comment="协调", actor=evaluation.assessors[0])


@pytest.mark.parametrize(
    ("code", "points", "comment", "field", "message"),
    [
        ("1.1", "30.1", "协调", "points", "0至30分之间"),
        ("1.1", "-1", "协调", "points", "0至30分之间"),
        ("1.1", "12.25", "协调", "points", "最多保留一位小数"),
        ("1.1", "十二", "协调", "points", "请填写数字"),
        ("1.1", " ", "协调", "points", "请填写协调得分"),
        ("1.1", "12", "  ", "comment", "请填写协调意见"),
        ("2", "45", "协调", "indicator", "没有明显分歧"),
        ("1", "45", "协调", "indicator", "评分指标"),
    ],
)
def test_reconciliation_is_validated(evaluation, moderated_case, code, points, comment, field, message):
    case = moderated_case({"1.1": [30, 20, 25], "1.2": [20, 20, 20], "2": [45, 45, 45]})
    with pytest.raises(ValidationError) as refused:
        reconcile(
            case=case,
            indicator=Indicator.objects.get(code=code),
            points=points,
            comment=comment,
            actor=evaluation.assessors[0],
        )
    assert message in " ".join(refused.value.message_dict[field])
    assert not Reconciliation.objects.exists()


def test_moderate_recomputes_and_moves_on_once_reconciled(evaluation, moderated_case):
    case = moderated_case({"1.1": [30, 20, 25], "1.2": [20, 20, 20], "2": [45, 45, 45]})
    lead = evaluation.assessors[0]
    with pytest.raises(ValidationError, match=r"：1\.1。"):
        moderate(case, lead)
    case.refresh_from_db()
    assert (case.state, case.total) == (CaseState.MODERATION, None)

    Reconciliation.objects.create(
        case=case, indicator=Indicator.objects.get(code="1.1"), points=D(28), comment="协调", by=lead
    )
    with pytest.raises(PermissionDenied):
        moderate(case, evaluation.assessors[1])
    moderate(case, lead)
    case.refresh_from_db()
    assert (case.state, case.total, case.proposed_grade) == (CaseState.MODERATED, D("93.0"), Grade.A5)
    assert case.events.get().action == CaseAction.MODERATE


# --- reopening after a reconciliation ------------------------------------------------------------


def rescore(assignment, points: dict[str, str]) -> None:
    """The assessor scores again (indicator code → points) and submits."""
    leaves = {
        i.code: i.pk for i in Indicator.objects.filter(framework=assignment.case.framework, children__isnull=True)
    }
    entries = {leaves[code]: {"points": value, "comment": "复核后重新评分"} for code, value in points.items()}
    visited = timezone.localdate() - datetime.timedelta(days=1)
    save_scores(assignment=assignment, actor=assignment.assessor, entries=entries, visit_date=visited)
    submit_scores(assignment=assignment, actor=assignment.assessor)


def test_reopening_withdraws_the_reconciliations_so_the_new_scores_count(evaluation, moderated_case):
    case = moderated_case({"1.1": [30, 20, 25], "1.2": [20, 20, 20], "2": [45, 45, 45]})
    lead = evaluation.assessors[0]
    reconcile(case=case, indicator=Indicator.objects.get(code="1.1"), points="25", comment="协调", actor=lead)
    assignments = list(case.assignments.order_by("pk"))
    for assignment in assignments:
        reopen_scores(assignment=assignment, actor=lead, reason="章程条款须重新核实")
    assert not Reconciliation.objects.filter(case=case).exists()
    # The first reopening records what it withdrew; the others find nothing left to withdraw.
    assert list(ScoreReopening.objects.order_by("pk").values_list("reason", flat=True)) == [
        "章程条款须重新核实\n同时撤销以下指标的协调得分：1.1（25分）。",
        "章程条款须重新核实",
        "章程条款须重新核实",
    ]
    for assignment in assignments:
        rescore(assignment, {"1.1": "30", "1.2": "20", "2": "45"})
    complete_scoring(case, lead)
    moderate(case, lead)
    # Everyone now gives 1.1 full marks: 30 + 20 + 45, not the withdrawn 25.
    assert totals_of(case) == (D("95.0"), Grade.A5)


def test_after_a_reopening_a_remaining_disagreement_is_flagged_again(evaluation, moderated_case):
    case = moderated_case({"1.1": [30, 20, 25], "1.2": [20, 20, 20], "2": [45, 45, 45]})
    lead = evaluation.assessors[0]
    chapter = Indicator.objects.get(code="1.1")
    reconcile(case=case, indicator=chapter, points="25", comment="协调", actor=lead)
    low = case.assignments.get(assessor=evaluation.assessors[1])
    reopen_scores(assignment=low, actor=lead, reason="党建一项须补充材料")
    rescore(low, {"1.1": "20", "1.2": "20", "2": "45"})  # the 1.1 disagreement stays
    complete_scoring(case, lead)
    with pytest.raises(ValidationError, match=r"：1\.1。"):
        moderate(case, lead)
    reconcile(case=case, indicator=chapter, points="26", comment="再次协调", actor=lead)
    moderate(case, lead)
    assert totals_of(case) == (D("91.0"), Grade.A5)
