"""Returning an application for correction (补正): the street federation returns a filing it
pre-reviews, the street office alone decides filings, and a return sets a correction deadline that
reaches the applicant's page of what is due and the reminders, even before any organization exists
(DESIGN.md sections 5 and 7)."""

import datetime
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from federation.services import add_federation_staff, found_federation
from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, OrganizationKind, Role, UnitLevel
from registry.enums import ApplicationState as S
from registry.models import Application, ApplicationEvent, DeadlineReminder, Notification
from registry.selectors.applications import applications_for_user
from registry.selectors.deadlines import applicant_deadlines, deadlines_for_user
from registry.services.applications import act_on_application, allowed_actions, start_application
from registry.services.reminders import send_deadline_reminders
from registry.services.roles import link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org, file_required_materials

pytestmark = pytest.mark.django_db

FILING = {"name": "盐城路社区书画社", "address": "湛山路8号", "legal_representative": "张敏"}
REGISTRATION = {
    "name": "青岛市市南区老年书画研究会",
    "kind": OrganizationKind.SOCIAL_GROUP,
    "category": "public_welfare",
    "address": "湛山路9号",
    "legal_representative": "王强",
}
days = datetime.timedelta


@pytest.fixture
def people(tree, make_officer):
    federation = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    staff = UserFactory(username="federation_staff")
    add_federation_staff(user=staff, federation=federation)
    other_federation = found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会")
    other_staff = UserFactory(username="other_federation_staff")
    add_federation_staff(user=other_staff, federation=other_federation)
    return {
        "applicant": UserFactory(username="applicant"),
        "federation": staff,
        "other_federation": other_staff,
        "street": make_officer(Role.STREET_OFFICER, tree.zhanshan, "street"),
        "other_street": make_officer(Role.STREET_OFFICER, tree.badaguan, "other_street"),
        "district": make_officer(Role.DISTRICT_OFFICER, tree.district, "district"),
        "city": make_officer(Role.CITY_OFFICER, tree.city, "city"),
    }


def submitted_filing(tree, applicant, *, street=None, community=None, name=FILING["name"]) -> Application:
    application = start_application(
        applicant=applicant,
        kind=ApplicationKind.FILING,
        street=street or tree.zhanshan,
        proposed={**FILING, "name": name, "community": (community or tree.yancheng).pk},
    )
    file_required_materials(application)
    return act_on_application(application=application, action=A.SUBMIT, actor=applicant)


def submitted_registration(tree, applicant) -> Application:
    application = start_application(
        applicant=applicant, kind=ApplicationKind.REGISTRATION, street=tree.zhanshan, proposed=REGISTRATION
    )
    file_required_materials(application)
    return act_on_application(application=application, action=A.SUBMIT, actor=applicant)


def returned(application: Application, actor, reason="请补充负责人身份证明") -> Application:
    return act_on_application(application=application, action=A.RETURN, actor=actor, reason=reason)


# --- The federation returns what it pre-reviews --------------------------------------------------------


def test_the_federation_may_pre_review_or_return_a_submitted_filing_and_nothing_else(tree, people):
    application = submitted_filing(tree, people["applicant"])
    assert allowed_actions(people["federation"], application) == [A.PRE_REVIEW, A.RETURN]
    # The street waits for the federation; no one else takes a part in it now.
    for who in ("street", "district", "other_federation", "other_street"):
        assert allowed_actions(people[who], application) == [], who


def test_the_federation_returns_a_filing_for_correction_with_its_reason_recorded(tree, people):
    application = submitted_filing(tree, people["applicant"])
    with pytest.raises(ValidationError, match="请填写理由或意见"):
        returned(application, people["federation"], reason="  ")
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED

    returned(application, people["federation"], reason="成员名单缺少联系方式")

    application.refresh_from_db()
    assert application.state == S.RETURNED
    event = ApplicationEvent.objects.get(application=application, action=A.RETURN)
    assert (event.actor, event.from_state, event.reason) == (people["federation"], S.SUBMITTED, "成员名单缺少联系方式")
    entry = AuditEntry.objects.get(action="application.return")
    assert (entry.actor_id, entry.target_id, entry.reason) == (
        people["federation"].pk,
        str(application.pk),
        "成员名单缺少联系方式",
    )


@pytest.mark.parametrize(
    ("who", "refusal"),
    [("street", PermissionDenied), ("other_federation", PermissionDenied), ("applicant", PermissionDenied)],
)
def test_only_the_streets_federation_returns_a_filing_awaiting_its_pre_review(tree, people, who, refusal):
    application = submitted_filing(tree, people["applicant"])
    with pytest.raises(refusal):
        returned(application, people[who])
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED
    assert not ApplicationEvent.objects.filter(application=application, action=A.RETURN).exists()
    assert not AuditEntry.objects.filter(action="application.return").exists()


def test_the_federation_neither_refuses_a_filing_nor_returns_it_once_passed_on(tree, people):
    application = submitted_filing(tree, people["applicant"])
    with pytest.raises(ValidationError, match="不能“不予批准”"):
        act_on_application(application=application, action=A.REJECT, actor=people["federation"], reason="不同意")
    act_on_application(application=application, action=A.PRE_REVIEW, actor=people["federation"], reason="同意")
    with pytest.raises(PermissionDenied):
        returned(application, people["federation"])
    # After the pre-review the street office returns it (and decides it).
    returned(application, people["street"])
    assert Application.objects.get(pk=application.pk).state == S.RETURNED


def test_without_a_federation_the_street_returns_a_submitted_filing_itself(tree, people, make_officer):
    zhongshan = add_unit(parent=tree.district, code="370202005", name="中山路街道", level=UnitLevel.STREET)
    community = add_unit(parent=zhongshan, code="370202005001", name="中山路社区", level=UnitLevel.COMMUNITY)
    officer = make_officer(Role.STREET_OFFICER, zhongshan, "zhongshan")
    application = submitted_filing(tree, people["applicant"], street=zhongshan, community=community)
    assert A.RETURN in allowed_actions(officer, application)
    returned(application, officer)
    assert Application.objects.get(pk=application.pk).state == S.RETURNED


def test_federation_staff_see_the_return_button_where_they_pre_review_and_it_works(client, tree, people):
    application = submitted_filing(tree, people["applicant"])
    client.force_login(people["federation"])
    page = client.get(reverse("applications:inspect", args=[application.pk])).content.decode()
    assert 'value="pre_review"' in page and 'value="return"' in page
    assert 'value="accept"' not in page and 'value="reject"' not in page
    act_url = reverse("registry_application_act", args=[application.pk])
    refused = client.post(act_url, {"action": "return", "reason": ""}, follow=True).content.decode()
    assert "请填写理由或意见" in refused
    assert Application.objects.get(pk=application.pk).state == S.SUBMITTED
    client.post(act_url, {"action": "return", "reason": "请补充活动场所证明"})
    assert Application.objects.get(pk=application.pk).state == S.RETURNED


# --- The street office decides filings -----------------------------------------------------------------


def test_only_the_street_office_of_the_filing_decides_it_though_the_district_reads_it(tree, people):
    application = submitted_filing(tree, people["applicant"])
    act_on_application(application=application, action=A.PRE_REVIEW, actor=people["federation"], reason="同意")
    for who in ("district", "city", "other_street"):
        assert allowed_actions(people[who], application) == [], who
        with pytest.raises(PermissionDenied):
            act_on_application(application=application, action=A.ACCEPT, actor=people[who])
    assert Application.objects.get(pk=application.pk).state == S.PRE_REVIEWED
    # The district sees everything in the district, its filings included, without deciding them.
    assert applications_for_user(people["district"]).filter(pk=application.pk).exists()
    act_on_application(application=application, action=A.ACCEPT, actor=people["street"])
    for action in (A.APPROVE, A.REJECT, A.RETURN):
        with pytest.raises(PermissionDenied):
            act_on_application(application=application, action=action, actor=people["district"], reason="意见")
    approved = act_on_application(application=application, action=A.APPROVE, actor=people["street"], reason="同意")
    assert approved.state == S.APPROVED and approved.organization.filing_number


def test_registrations_are_still_decided_by_the_district(tree, people):
    application = submitted_registration(tree, people["applicant"])
    assert allowed_actions(people["street"], application) == []
    assert set(allowed_actions(people["district"], application)) == {A.ACCEPT, A.RETURN}


# --- The correction deadline ---------------------------------------------------------------------------


def test_a_return_sets_the_correction_deadline_and_resubmitting_clears_it(tree, people, today, settings):
    settings.APPLICATION_CORRECTION_DAYS = 20
    application = submitted_filing(tree, people["applicant"])
    assert application.correct_by is None
    returned(application, people["federation"])
    application.refresh_from_db()
    assert application.correct_by == today + days(20)

    act_on_application(application=application, action=A.SUBMIT, actor=people["applicant"])
    application.refresh_from_db()
    assert application.state == S.SUBMITTED and application.correct_by is None


def test_withdrawing_a_returned_application_ends_its_deadline(tree, people):
    application = returned(submitted_filing(tree, people["applicant"]), people["federation"])
    act_on_application(application=application, action=A.WITHDRAW, actor=people["applicant"])
    application.refresh_from_db()
    assert application.state == S.WITHDRAWN and application.correct_by is None
    assert applicant_deadlines(people["applicant"], timezone.localdate()) == []


def test_the_return_notice_and_the_applicants_timeline_give_the_deadline(client, tree, people):
    application = returned(submitted_filing(tree, people["applicant"]), people["federation"], "请补充成员名单")
    date = application.correct_by.isoformat()
    notice = Notification.objects.get(user=people["applicant"], application=application, message__contains="退回补正")
    assert "请补充成员名单" in notice.message and f"请于{date}前补正后重新提交" in notice.message
    client.force_login(people["applicant"])
    page = client.get(reverse("account_application", args=[application.pk])).content.decode()
    timeline = page.split("办理进度", 1)[1]
    assert "补正期限" in timeline and date in timeline
    assert f"请于{date}前补正后重新提交" in page


# --- What is due, and the reminders -----------------------------------------------------------------------


def test_an_applicant_without_an_organization_sees_their_returned_filing_and_registration_due(
    client, tree, people, today
):
    filing = returned(submitted_filing(tree, people["applicant"]), people["federation"])
    registration = returned(submitted_registration(tree, people["applicant"]), people["district"])
    someone_elses = returned(submitted_filing(tree, UserFactory(), name="仰口路社区读书会"), people["federation"])

    found = deadlines_for_user(people["applicant"], None, today)
    assert {deadline.key for deadline in found} == {
        f"application-returned:{filing.pk}",
        f"application-returned:{registration.pk}",
    }
    assert {deadline.due_on for deadline in found} == {filing.correct_by}

    client.force_login(people["applicant"])
    page = client.get(reverse("account_deadlines")).content.decode()
    assert "补正后重新提交：社区社会组织备案申请" in page and "补正后重新提交：成立登记申请" in page
    assert filing.correct_by.strftime("%Y-%m-%d") in page
    assert reverse("account_application", args=[filing.pk]) in page
    assert reverse("account_application", args=[someone_elses.pk]) not in page


def test_an_organizations_page_lists_every_returned_application_of_it_and_the_users_own(tree, people, today):
    society = create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=today - days(30))
    filer, colleague = UserFactory(), people["applicant"]
    for account in (filer, colleague):
        link_organization_account(user=account, organization=society)
    change = start_application(
        applicant=filer,
        kind=ApplicationKind.CHANGE,
        street=tree.zhanshan,
        proposed={"address": "湛山路99号"},
        organization=society,
    )
    file_required_materials(change)
    act_on_application(application=change, action=A.SUBMIT, actor=filer)
    change = returned(change, people["district"])
    own_filing = returned(submitted_filing(tree, colleague), people["federation"])

    keys = {deadline.key for deadline in deadlines_for_user(colleague, society, today)}
    assert {f"application-returned:{change.pk}", f"application-returned:{own_filing.pk}"} <= keys
    # The colleague's new filing is theirs alone, not the organization's other accounts'.
    assert f"application-returned:{own_filing.pk}" not in {d.key for d in deadlines_for_user(filer, society, today)}


@pytest.mark.parametrize("days_before", [30, 7, 1, -1])
def test_the_applicant_is_reminded_of_a_returned_filing_before_any_organization_exists(
    tree, people, days_before, django_capture_on_commit_callbacks, mailoutbox
):
    application = returned(submitted_filing(tree, people["applicant"]), people["federation"])
    due_on = application.correct_by
    with django_capture_on_commit_callbacks(execute=True):
        counts = send_deadline_reminders(today=due_on - days(days_before))
    assert counts["sent"] == 1
    reminder = DeadlineReminder.objects.get()
    assert (reminder.user, reminder.organization, reminder.deadline_key, reminder.offset_days) == (
        people["applicant"],
        None,
        f"application-returned:{application.pk}",
        days_before,
    )
    message = Notification.objects.filter(user=people["applicant"], application=None).get().message
    assert "补正后重新提交：社区社会组织备案申请" in message and due_on.isoformat() in message
    assert [mail.to for mail in mailoutbox][-1] == [people["applicant"].email]
    # Sent once: the same day again sends nothing.
    assert send_deadline_reminders(today=due_on - days(days_before))["sent"] == 0


def test_no_reminder_once_the_correction_is_resubmitted(tree, people):
    application = returned(submitted_filing(tree, people["applicant"]), people["federation"])
    due_on = application.correct_by
    act_on_application(application=application, action=A.SUBMIT, actor=people["applicant"])
    assert send_deadline_reminders(today=due_on - days(7)) == {"due": 0, "sent": 0, "already_sent": 0}
    assert not DeadlineReminder.objects.exists()


def test_a_returned_change_is_reminded_to_the_organizations_accounts(tree, people, today):
    society = create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=today - days(30))
    accounts = [UserFactory(), UserFactory()]
    for account in accounts:
        link_organization_account(user=account, organization=society)
    change = start_application(
        applicant=accounts[0],
        kind=ApplicationKind.CHANGE,
        street=tree.zhanshan,
        proposed={"address": "湛山路99号"},
        organization=society,
    )
    file_required_materials(change)
    act_on_application(application=change, action=A.SUBMIT, actor=accounts[0])
    change = returned(change, people["district"])
    send_deadline_reminders(today=change.correct_by - days(7))
    reminder = DeadlineReminder.objects.get(deadline_key=f"application-returned:{change.pk}")
    assert (reminder.organization, reminder.user, reminder.offset_days) == (society, None, 7)
    reminded = set(
        Notification.objects.filter(application=None, message__contains="补正后重新提交").values_list("user", flat=True)
    )
    assert reminded == {account.pk for account in accounts}


def test_the_migration_gives_applications_already_returned_the_deadline_from_their_return(tree, people, settings):
    migration = importlib.import_module("registry.migrations.0018_application_corrections")
    settings.APPLICATION_CORRECTION_DAYS = 30
    application = returned(submitted_filing(tree, people["applicant"]), people["federation"])
    waiting = submitted_filing(tree, people["applicant"], name="仰口路社区读书会")
    returned_at = timezone.make_aware(datetime.datetime(2026, 3, 1, 10, 0))
    ApplicationEvent.objects.filter(application=application, action=A.RETURN).update(at=returned_at)
    Application.objects.filter(pk=application.pk).update(correct_by=None)

    migration.set_correction_deadlines(django_apps, None)

    assert Application.objects.get(pk=application.pk).correct_by == datetime.date(2026, 3, 31)
    assert Application.objects.get(pk=waiting.pk).correct_by is None
