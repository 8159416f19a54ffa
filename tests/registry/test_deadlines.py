"""Deadlines and reminders: what each source reports as due, the statuses, and reminders 30, 7 and
1 days before and 1, 7 and 30 days after a deadline, each sent once, by e-mail too."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, OrganizationKind, OrganizationStatus, Role
from registry.models import DeadlineReminder, Notification, Organization
from registry.selectors import deadlines as deadlines_module
from registry.selectors.annual_reports import must_report
from registry.selectors.deadlines import (
    Deadline,
    DeadlineSource,
    DeadlineStatus,
    dated_deadlines_between,
    deadline_status,
    deadlines_for_organization,
    organizations_lacking_annual_report,
    register_deadline_source,
)
from registry.services.annual_reports import submit_annual_report
from registry.services.applications import act_on_application, start_application
from registry.services.reminders import reminder_offset, send_deadline_reminders
from registry.services.roles import link_organization_account
from registry.tasks import send_deadline_reminders_task
from tests.factories import UserFactory, create_org, file_required_materials

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 5, 31)  # the report on 2025 is due then
FACTS = {
    "income": Decimal("1000.00"),
    "expenditure": Decimal("800.00"),
    "net_assets": Decimal("500.00"),
    "staff": 1,
    "volunteers": 5,
    "activities": "书画培训。",
}


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture
def society(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2015, 3, 1))


@pytest.fixture
def accounts(society):
    users = [
        UserFactory(username="zhang", email="zhang@example.com"),
        UserFactory(username="li", email="li@example.com"),
    ]
    for user in users:
        link_organization_account(user=user, organization=society)
    return users


@pytest.fixture
def own_sources(monkeypatch):
    """Sources registered in a test are forgotten afterwards."""
    monkeypatch.setattr(deadlines_module, "_sources", dict(deadlines_module._sources))


def reminders(organization) -> list[tuple[str, int]]:
    return list(
        DeadlineReminder.objects.filter(organization=organization)
        .order_by("sent_at", "pk")
        .values_list("deadline_key", "offset_days")
    )


def file_report(organization, user, year):
    submit_annual_report(organization=organization, actor=user, year=year, **FACTS)


# --- Sources and statuses ---------------------------------------------------------------------------


def test_the_unfiled_years_of_the_reporting_calendar_are_due_in_date_order(society, accounts):
    file_report(society, accounts[0], 2024)
    found = deadlines_for_organization(society, datetime.date(2026, 3, 1))
    # The site's filing window is the last five years; 2024 is filed.
    assert [(d.key, d.due_on, d.status) for d in found] == [
        ("annual-report:2021", datetime.date(2022, 5, 31), DeadlineStatus.OVERDUE),
        ("annual-report:2022", datetime.date(2023, 5, 31), DeadlineStatus.OVERDUE),
        ("annual-report:2023", datetime.date(2024, 5, 31), DeadlineStatus.OVERDUE),
        ("annual-report:2025", DUE, DeadlineStatus.UPCOMING),
    ]
    assert found[-1].title == "报送2025年度报告"
    assert found[-1].url == reverse("account_annual_report", args=[2025])


@pytest.mark.parametrize(
    ("today", "status"),
    [
        (DUE - days(31), DeadlineStatus.UPCOMING),
        (DUE - days(30), DeadlineStatus.DUE_SOON),
        (DUE, DeadlineStatus.DUE_SOON),
        (DUE + days(1), DeadlineStatus.OVERDUE),
    ],
)
def test_status_follows_the_days_left(today, status):
    assert deadline_status(DUE, today) == status


def test_who_reports_follows_must_report_in_one_query(tree, django_assert_num_queries):
    orgs = {
        "old": create_org(street=tree.zhanshan, founded_on=datetime.date(2010, 1, 1)),
        "undated": create_org(street=tree.zhanshan),
        "june": create_org(street=tree.zhanshan, founded_on=datetime.date(2025, 6, 30)),
        "july": create_org(street=tree.zhanshan, founded_on=datetime.date(2025, 7, 1)),
        "future": create_org(street=tree.zhanshan, founded_on=datetime.date(2026, 1, 1)),
        "abnormal": create_org(
            street=tree.zhanshan, founded_on=datetime.date(2010, 1, 1), status=OrganizationStatus.ABNORMAL
        ),
        "revoked": create_org(
            street=tree.zhanshan, founded_on=datetime.date(2010, 1, 1), status=OrganizationStatus.REVOKED
        ),
        "group": create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP),
    }
    with django_assert_num_queries(1):
        lacking = set(
            organizations_lacking_annual_report(Organization.objects.all(), 2025).values_list("pk", flat=True)
        )
    assert lacking == {org.pk for org in orgs.values() if must_report(org, 2025)}
    assert {name for name, org in orgs.items() if org.pk in lacking} == {"old", "undated", "june", "abnormal"}


def test_a_community_group_and_an_organization_founded_late_in_the_year_have_no_report_due(tree):
    group = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    late = create_org(street=tree.zhanshan, founded_on=datetime.date(2025, 7, 1))
    assert deadlines_for_organization(group, datetime.date(2026, 3, 1)) == []
    assert deadlines_for_organization(late, datetime.date(2026, 3, 1)) == []
    assert [d.key for d in deadlines_for_organization(late, datetime.date(2027, 3, 1))] == ["annual-report:2026"]


def test_an_application_returned_for_correction_awaits_the_organization_until_resubmitted(
    tree, society, accounts, make_officer
):
    district = make_officer(Role.DISTRICT_OFFICER, tree.district)
    change = start_application(
        applicant=accounts[0],
        kind=ApplicationKind.CHANGE,
        street=tree.zhanshan,
        proposed={"address": "湛山路99号"},
        organization=society,
    )
    file_required_materials(change)
    act_on_application(application=change, action=A.SUBMIT, actor=accounts[0])
    act_on_application(application=change, action=A.RETURN, actor=district, reason="请补充会议纪要")
    today = datetime.date(2026, 1, 10)
    returned = [d for d in deadlines_for_organization(society, today) if d.key.startswith("application-returned")]
    assert len(returned) == 1
    change.refresh_from_db()
    assert change.correct_by is not None and returned[0].due_on == change.correct_by
    assert returned[0].title == "补正后重新提交：变更登记申请"
    assert returned[0].url == reverse("account_application", args=[change.pk])
    # One returned before correction deadlines were kept has none: it is due now, and undated items
    # sort as if due today: after what is overdue, before what is upcoming.
    change.__class__.objects.filter(pk=change.pk).update(correct_by=None)
    returned = [d for d in deadlines_for_organization(society, today) if d.key.startswith("application-returned")]
    assert returned[0].due_on is None and returned[0].status == DeadlineStatus.DUE_SOON
    assert [d.key for d in deadlines_for_organization(society, today)][-3:] == [
        "annual-report:2024",
        f"application-returned:{change.pk}",
        "annual-report:2025",
    ]
    file_required_materials(change)
    act_on_application(application=change, action=A.SUBMIT, actor=accounts[0])
    assert not [d for d in deadlines_for_organization(society, today) if d.key.startswith("application-returned")]


def test_another_app_registers_a_source_without_the_registry_knowing_it(society, accounts, own_sources):
    due_on = datetime.date(2026, 9, 30)

    def evaluation_deadline(today):
        return Deadline(
            key="evaluation:7", title="提交评估自评材料", due_on=due_on, status=deadline_status(due_on, today)
        )

    register_deadline_source(
        DeadlineSource(
            name="evaluation",
            for_organization=lambda organization, today: [evaluation_deadline(today)],
            due_between=lambda organizations, first, last, today: (
                [(pk, evaluation_deadline(today)) for pk in organizations.values_list("pk", flat=True)]
                if first <= due_on <= last
                else []
            ),
        )
    )
    assert "evaluation:7" in {d.key for d in deadlines_for_organization(society, datetime.date(2026, 9, 1))}
    assert (society.pk, evaluation_deadline(due_on - days(7))) in dated_deadlines_between(
        due_on, due_on, today=due_on - days(7)
    )
    send_deadline_reminders(today=due_on - days(7))
    assert ("evaluation:7", 7) in reminders(society)


# --- Reminders --------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [30, 7, 1, -1, -7, -30])
def test_a_reminder_goes_to_every_account_at_each_offset(society, accounts, offset):
    counts = send_deadline_reminders(today=DUE - days(offset))
    assert counts == {"due": 1, "sent": 1, "already_sent": 0}
    assert reminders(society) == [("annual-report:2025", offset)]
    notices = Notification.objects.filter(user__in=accounts)
    assert sorted(n.user.username for n in notices) == ["li", "zhang"]
    message = notices.first().message
    assert "报送2025年度报告" in message and "2026-05-31" in message
    if offset > 0:
        assert f"还有{offset}天" in message
    else:
        assert f"逾期{-offset}天" in message


def test_a_daily_job_sends_on_the_six_reminder_days_only(society, accounts):
    sent_on = [offset for offset in range(40, -41, -1) if send_deadline_reminders(today=DUE - days(offset))["sent"]]
    assert sent_on == [30, 7, 1, -1, -7, -30]
    assert Notification.objects.filter(user=accounts[0]).count() == 6


def test_running_twice_the_same_day_sends_one_reminder(society, accounts):
    send_deadline_reminders(today=DUE - days(7))
    assert send_deadline_reminders(today=DUE - days(7)) == {"due": 1, "sent": 0, "already_sent": 1}
    assert Notification.objects.filter(user=accounts[0]).count() == 1


def test_after_missed_days_only_the_latest_reminder_goes_out(society, accounts):
    send_deadline_reminders(today=DUE - days(30))
    # The job did not run on the 7-day and 1-day days; on the deadline it sends the 1-day one only.
    assert send_deadline_reminders(today=DUE)["sent"] == 1
    assert reminders(society) == [("annual-report:2025", 30), ("annual-report:2025", 1)]
    assert "今天（2026-05-31）截止" in Notification.objects.filter(user=accounts[0]).first().message
    assert send_deadline_reminders(today=DUE + days(1))["sent"] == 1
    assert send_deadline_reminders(today=DUE + days(2))["sent"] == 0
    assert Notification.objects.filter(user=accounts[0]).count() == 3


def test_the_last_reminder_is_not_sent_long_after_its_day(society, accounts):
    assert reminder_offset(DUE, DUE + days(37)) == -30
    assert reminder_offset(DUE, DUE + days(38)) is None
    assert reminder_offset(DUE, DUE - days(31)) is None
    assert send_deadline_reminders(today=DUE + days(60))["due"] == 0


def test_a_filed_report_stops_the_reminders(society, accounts):
    send_deadline_reminders(today=DUE - days(7))
    file_report(society, accounts[0], 2025)
    assert send_deadline_reminders(today=DUE - days(1)) == {"due": 0, "sent": 0, "already_sent": 0}
    assert reminders(society) == [("annual-report:2025", 7)]


def test_organizations_without_an_active_account_get_nothing_recorded(tree, society, accounts):
    create_org(street=tree.zhanshan, founded_on=datetime.date(2015, 3, 1))  # nobody to tell
    idle = create_org(street=tree.zhanshan, founded_on=datetime.date(2015, 3, 1))
    gone = UserFactory(is_active=False)
    link_organization_account(user=gone, organization=idle)
    assert send_deadline_reminders(today=DUE - days(7))["sent"] == 1
    assert set(DeadlineReminder.objects.values_list("organization", flat=True)) == {society.pk}
    assert not Notification.objects.filter(user=gone).exists()


def test_reminders_are_emailed_once_committed(society, accounts, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_deadline_reminders(today=DUE + days(7))
    assert sorted(address for message in mailoutbox for address in message.to) == [
        "li@example.com",
        "zhang@example.com",
    ]
    assert "已于2026-05-31截止，逾期7天" in mailoutbox[0].body


def test_a_repeated_run_reads_the_same_few_queries_whatever_the_number_of_organizations(
    tree, django_assert_max_num_queries
):
    def run_twice_with(count):
        for _ in range(count):
            organization = create_org(street=tree.zhanshan, founded_on=datetime.date(2015, 3, 1))
            link_organization_account(user=UserFactory(), organization=organization)
        send_deadline_reminders(today=DUE - days(7))

    run_twice_with(1)
    # One query per dated source (annual reports, returned applications, venture reports, appeal
    # windows), one for the applicants' own returned applications, one for the reminders already sent.
    with django_assert_max_num_queries(6) as one:
        send_deadline_reminders(today=DUE - days(7))
    run_twice_with(3)
    with django_assert_max_num_queries(6) as four:
        assert send_deadline_reminders(today=DUE - days(7))["already_sent"] == 4
    assert len(one.captured_queries) == len(four.captured_queries)


def test_the_command_and_the_task_send_as_of_a_date(society, accounts):
    out = io.StringIO()
    call_command("send_deadline_reminders", "--date", "2026-05-24", stdout=out)
    assert "sent: 1" in out.getvalue()
    result = send_deadline_reminders_task.enqueue("2026-05-30")
    assert result.return_value == {"due": 1, "sent": 1, "already_sent": 0}
    assert reminders(society) == [("annual-report:2025", 7), ("annual-report:2025", 1)]
    with pytest.raises(CommandError):
        call_command("send_deadline_reminders", "--date", "31/05/2026")
