"""Grades are awarded on the day the campaign's notice ends (DESIGN.md section 9: "grades become
final when the notice ends with no open appeal"), not on the day the finalization happens to run:
a late daily run, or an appeal decided after 1 January, must not shift the validity by a year."""

import datetime

import pytest
from django.utils import timezone

from evaluation.enums import AppealKind, CaseState, Grade, ValidityRule, Vote
from evaluation.models import Appeal, Campaign, OrganizationGrade
from evaluation.services import committee
from evaluation.services.notices import decide_appeal, finalize_campaign, publish_notice
from tests.factories import create_org

STARTS_ON, ENDS_ON = datetime.date(2026, 12, 22), datetime.date(2026, 12, 28)  # seven days


@pytest.fixture
def notice(evaluation, make_case, tree):
    """Two decided cases in a notice ending on 28 December; the second has an open appeal."""
    quiet = make_case(state=CaseState.DECIDED, decided_grade=Grade.A4)
    appealing = make_case(
        state=CaseState.DECIDED,
        decided_grade=Grade.A3,
        organization=create_org(street=tree.badaguan, name="八大关志愿者协会"),
    )
    notice = publish_notice(campaign=evaluation.campaign, actor=evaluation.officer, starts_on=STARTS_ON)
    assert notice.ends_on == ENDS_ON
    # Setup: an appeal lodged during the notice (lodging itself is tested with the notice running today).
    Appeal.objects.create(case=appealing, kind=AppealKind.APPEAL, lodged_by=evaluation.account, text="党建指标漏计")
    return quiet, appealing


def uphold(evaluation, appealing, grade_after: str) -> None:
    meeting = committee.record_meeting(
        campaign=evaluation.campaign,
        held_on=timezone.localdate(),
        attendees=evaluation.members,
        actor=evaluation.officer,
    )
    decide_appeal(
        appeal=appealing.appeals.get(),
        meeting=meeting,
        upheld=True,
        outcome="党建指标应得满分，等级改为4A",
        grade_after=grade_after,
        votes=dict.fromkeys(evaluation.members, Vote.YES),
        actor=evaluation.officer,
    )


def grade_of(case) -> tuple:
    grade = OrganizationGrade.objects.get(case=case)
    return grade.grade, grade.awarded_on, grade.valid_from, grade.valid_until


def test_across_the_new_year_the_calendar_rule_runs_from_the_january_after_the_notice(evaluation, notice):
    quiet, appealing = notice
    # The daily job misses the last days of December: its first run after the notice is in January.
    assert finalize_campaign(campaign=evaluation.campaign, today=datetime.date(2027, 1, 2)) == 1
    five_years = (datetime.date(2027, 1, 1), datetime.date(2031, 12, 31))
    assert grade_of(quiet) == (Grade.A4, ENDS_ON, *five_years)
    assert not OrganizationGrade.objects.filter(case=appealing).exists()  # its appeal is still open

    uphold(evaluation, appealing, Grade.A4)  # decided in January
    assert finalize_campaign(campaign=evaluation.campaign, today=datetime.date(2027, 1, 20)) == 1
    assert grade_of(appealing) == (Grade.A4, ENDS_ON, *five_years)


def test_under_the_five_year_rule_every_grade_of_the_campaign_runs_from_the_notices_end(evaluation, notice):
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(validity_rule=ValidityRule.FROM_AWARD)
    quiet, appealing = notice
    uphold(evaluation, appealing, "")  # upheld without a change of grade
    assert finalize_campaign(campaign=evaluation.campaign, today=datetime.date(2027, 2, 1)) == 2
    assert grade_of(quiet) == (Grade.A4, ENDS_ON, ENDS_ON, datetime.date(2031, 12, 27))
    assert grade_of(appealing) == (Grade.A3, ENDS_ON, ENDS_ON, datetime.date(2031, 12, 27))
