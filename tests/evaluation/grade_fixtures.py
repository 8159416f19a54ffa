"""Fixtures that make final grades directly, for the tests that read grades (statistics, the
public site, the API) rather than award them. A test module uses them with
`pytest_plugins = ["tests.evaluation.grade_fixtures"]`; outside tests/evaluation that also brings
the evaluation's shared fixtures, which are re-exported here."""

import datetime

import pytest

from evaluation.enums import CaseState, Grade, GradeStatus
from evaluation.models import Campaign, OrganizationGrade
from tests.evaluation import conftest

small_framework = conftest.small_framework
evaluation = conftest.evaluation
make_case = conftest.make_case


@pytest.fixture
def grant(evaluation, make_case):
    """grant(organization, grade, valid=(from, until), status=, awarded_on=, case=) → a final grade
    of the `evaluation` campaign (or of `case`'s)."""

    def make(organization, grade=Grade.A4, *, valid, status=GradeStatus.VALID, awarded_on=None, case=None):
        case = case or make_case(state=CaseState.FINAL, organization=organization, decided_grade=grade)
        return OrganizationGrade.objects.create(
            organization=organization,
            case=case,
            grade=grade,
            framework=evaluation.framework,
            awarded_on=awarded_on or valid[0] - datetime.timedelta(days=30),
            valid_from=valid[0],
            valid_until=valid[1],
            status=status,
        )

    return make


@pytest.fixture
def earlier_campaign(evaluation):
    """A 2022 campaign of the same district, for an earlier grade of the same organization."""
    return Campaign.objects.create(
        name="2022年度评估",
        year=2022,
        authority=evaluation.campaign.authority,
        committee=evaluation.committee,
        applications_open_on=datetime.date(2022, 3, 1),
        applications_close_on=datetime.date(2022, 6, 30),
        scoring_closes_on=datetime.date(2022, 9, 30),
    )
