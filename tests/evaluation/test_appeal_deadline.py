"""The appeal window of a public notice as a deadline of the organization (issue 4, item 8): while
the notice runs and the organization has a grade on it, its page of what is due lists it with the
notice's last day, and the reminder job reminds its accounts."""

import datetime

import pytest
from django.urls import reverse

from evaluation.enums import CaseState, Grade
from evaluation.models import Campaign, Notice
from registry.models import DeadlineReminder, Notification
from registry.selectors.deadlines import dated_deadlines_between, deadlines_for_organization
from registry.services.reminders import send_deadline_reminders
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
TITLE = "评估结果公示期内可提出申诉"
STARTS_ON = datetime.date(2026, 11, 2)


def notice_from(evaluation, starts_on: datetime.date, days: int) -> Notice:
    """The campaign's notice, put straight in place (setup only), running `days` days."""
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(notice_days=days)
    return Notice.objects.create(
        campaign=evaluation.campaign,
        starts_on=starts_on,
        ends_on=starts_on + (days - 1) * DAY,
        published_by=evaluation.officer,
    )


def appeal_deadlines(organization, today):
    return [deadline for deadline in deadlines_for_organization(organization, today) if TITLE in deadline.title]


@pytest.fixture
def graded(make_case):
    return make_case(state=CaseState.IN_NOTICE, decided_grade=Grade.A4)


def test_the_appeal_window_is_due_only_while_the_notice_runs(evaluation, graded):
    notice = notice_from(evaluation, STARTS_ON, 7)
    organization = evaluation.organization

    assert appeal_deadlines(organization, STARTS_ON - DAY) == []  # published ahead, not begun
    for today in (STARTS_ON, notice.ends_on):
        [deadline] = appeal_deadlines(organization, today)
        assert deadline.due_on == notice.ends_on
        assert deadline.url == reverse("account_evaluation_appeal", args=[graded.pk])
        assert deadline.status == "due-soon"
    assert appeal_deadlines(organization, notice.ends_on + DAY) == []


def test_no_appeal_window_without_a_grade_on_the_notice_or_once_final(evaluation, make_case, graded):
    notice_from(evaluation, STARTS_ON, 7)
    other = create_org(street=evaluation.organization.street, name="湛山社区书法社")
    make_case(state=CaseState.IN_NOTICE, decided_grade="", organization=other)  # decided without a grade
    assert appeal_deadlines(other, STARTS_ON) == []

    graded.state = CaseState.FINAL
    graded.save(update_fields=["state"])
    assert appeal_deadlines(evaluation.organization, STARTS_ON) == []


def test_the_reminder_job_finds_it_among_all_organizations(evaluation, make_case, graded):
    notice = notice_from(evaluation, STARTS_ON, 15)
    other = create_org(street=evaluation.organization.street, name="湛山社区书法社")
    make_case(state=CaseState.IN_NOTICE, decided_grade="", organization=other)
    pairs = dated_deadlines_between(notice.ends_on - 30 * DAY, notice.ends_on + 30 * DAY, today=STARTS_ON)
    assert [(pk, d.due_on) for pk, d in pairs if TITLE in d.title] == [(evaluation.organization.pk, notice.ends_on)]
    # Not before the notice has begun, nor after it ended.
    for today in (STARTS_ON - DAY, notice.ends_on + DAY):
        pairs = dated_deadlines_between(today - 60 * DAY, today + 60 * DAY, today=today)
        assert not [d for _pk, d in pairs if TITLE in d.title]


def test_a_reminder_goes_out_seven_days_before_the_notice_ends(evaluation, graded):
    notice = notice_from(evaluation, STARTS_ON, 15)
    seven_before = notice.ends_on - 7 * DAY
    colleague = UserFactory(username="colleague")
    link_organization_account(user=colleague, organization=evaluation.organization)

    send_deadline_reminders(today=seven_before)

    reminder = DeadlineReminder.objects.get(organization=evaluation.organization, offset_days=7)
    assert reminder.deadline_key.startswith("evaluation-appeal:")
    for user in (evaluation.account, colleague):
        [message] = Notification.objects.filter(user=user).values_list("message", flat=True)
        assert TITLE in message and notice.ends_on.isoformat() in message and "还有7天" in message
    # A second run the same day sends nothing more.
    assert send_deadline_reminders(today=seven_before)["sent"] == 0


def test_the_page_of_what_is_due_lists_the_appeal_window(client, evaluation, graded, today):
    notice = notice_from(evaluation, today - DAY, 7)
    client.force_login(evaluation.account)
    page = client.get(reverse("account_deadlines")).content.decode()
    assert TITLE in page and notice.ends_on.isoformat() in page
    assert reverse("account_evaluation_appeal", args=[graded.pk]) in page
