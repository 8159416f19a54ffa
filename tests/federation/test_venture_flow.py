"""Venture philanthropy end to end through the services: submitted, scored by the panel with the
evaluation engine, funded within the budget."""

from decimal import Decimal

from evaluation.enums import CaseState
from evaluation.models import Score
from federation.enums import ProjectState
from federation.venture import decide_funding, publish_results
from federation.venture_selectors import committed_amount, published_results
from tests.federation.venture_fixtures import review, submitted_project

pytest_plugins = ["tests.federation.venture_fixtures"]


def test_a_project_is_submitted_scored_funded_and_published(venture, today):
    project = submitted_project(venture)
    assert project.state == ProjectState.SUBMITTED and project.case.state == CaseState.DRAFT
    assert [result["passed"] for result in project.eligibility] == [True, True, True]
    (project,) = review(venture, [project], today, points={project.pk: ["10", "8"]})
    case = project.case
    case.refresh_from_db()
    assert case.state == CaseState.MODERATED and case.agency == venture.panel
    # Two experts × every leaf of the sheet, through the evaluation app's own Score rows.
    assert Score.objects.filter(assignment__case=case).count() == 2 * 8
    assert case.total == Decimal("72.0")  # 8 leaves × mean(10, 8)
    decide_funding(project=project, fund=True, amount="18000", actor=venture.officer, today=today)
    assert committed_amount(venture.call) == Decimal("18000.00")
    publish_results(call=venture.call, actor=venture.officer)
    venture.call.refresh_from_db()
    assert list(published_results(venture.call)) == [project]
