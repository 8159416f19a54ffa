"""The organization's pages of what is due and of its notifications: each account sees its own
organization and its own notifications only."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, Role
from registry.models import Notification
from registry.services.applications import act_on_application, start_application
from registry.services.notifications import notify
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org, file_required_materials

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture
def society(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会", founded_on=datetime.date(2015, 3, 1))


@pytest.fixture
def neighbour(tree):
    return create_org(street=tree.badaguan, name="八大关摄影协会", founded_on=datetime.date(2015, 3, 1))


@pytest.fixture
def member(client, society):
    user = UserFactory(username="zhang")
    link_organization_account(user=user, organization=society)
    client.force_login(user)
    return user


@pytest.fixture
def returned(tree, make_officer):
    """return_change(organization) → a change application of the organization returned for correction."""
    district = make_officer(Role.DISTRICT_OFFICER, tree.district)

    def return_change(organization, applicant):
        change = start_application(
            applicant=applicant,
            kind=ApplicationKind.CHANGE,
            street=organization.street,
            proposed={"address": "新地址"},
            organization=organization,
        )
        file_required_materials(change)
        act_on_application(application=change, action=A.SUBMIT, actor=applicant)
        act_on_application(application=change, action=A.RETURN, actor=district, reason="请补充材料")
        return change

    return return_change


def test_anonymous_visitors_are_sent_to_log_in(client):
    for name in ("account_deadlines", "account_notifications"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("account_login"))
    assert client.post(reverse("account_notifications")).status_code == 302


def test_the_page_shows_what_the_own_organization_has_to_do(client, member, society, returned):
    change = returned(society, member)
    page = client.get(reverse("account_deadlines")).content.decode()
    assert "湛山书画研究会" in page
    assert f"报送{LAST_YEAR}年度报告" in page
    assert f"{LAST_YEAR + 1}-05-31" in page
    assert reverse("account_annual_report", args=[LAST_YEAR]) in page
    assert "补正后重新提交：变更登记申请" in page
    assert reverse("account_application", args=[change.pk]) in page


def test_another_organization_is_never_visible(client, member, neighbour, returned):
    other = UserFactory(username="wang")
    link_organization_account(user=other, organization=neighbour)
    change = returned(neighbour, other)
    page = client.get(reverse("account_deadlines")).content.decode()
    assert "八大关摄影协会" not in page
    assert "变更登记" not in page and reverse("account_application", args=[change.pk]) not in page


def test_an_account_without_an_organization_is_told_so(client, tree, neighbour):
    client.force_login(UserFactory())
    response = client.get(reverse("account_deadlines"))
    assert response.context["deadlines"] == []
    assert "尚未关联组织" in response.content.decode()
    assert "八大关摄影协会" not in response.content.decode()


def test_the_page_takes_a_constant_number_of_queries(client, member, society, returned):
    client.get(reverse("account_deadlines"))  # warm the per-process caches (site, content types)
    counts = []
    for total in (1, 3):
        while society.applications.count() < total:
            returned(society, member)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("account_deadlines")).content.decode()
        assert page.count("补正后重新提交") == total
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_account_page_summarises_what_is_due_and_links_the_pages(client, member, society, returned):
    returned(society, member)
    page = client.get(reverse("account_home")).content.decode()
    assert "补正后重新提交：变更登记申请" in page
    assert reverse("account_deadlines") in page and reverse("account_notifications") in page


# --- Notifications ----------------------------------------------------------------------------------


def test_notifications_are_listed_newest_first_and_paginated(client, member):
    for number in range(1, 26):
        notify(users=[member], message=f"第{number}号通知")
    first = client.get(reverse("account_notifications"))
    listed = [n.message for n in first.context["entries"]]
    assert len(listed) == 20 and listed[0] == "第25号通知"
    second = client.get(reverse("account_notifications"), {"page": 2}).content.decode()
    assert "第5号通知" in second and "第1号通知" in second and "第6号通知" not in second
    # A page out of range or not a number shows a page, never an error.
    assert [n.message for n in client.get(reverse("account_notifications"), {"page": 99}).context["entries"]][
        -1
    ] == "第1号通知"
    assert client.get(reverse("account_notifications"), {"page": "x"}).context["entries"].number == 1


def test_unread_are_marked_and_stay_unread_until_marked_all_read(client, member):
    other = UserFactory(username="wang")
    notify(users=[member, other], message="申请已受理")
    notify(users=[other], message="他人的通知")
    page = client.get(reverse("account_notifications")).content.decode()
    assert "申请已受理" in page and "他人的通知" not in page
    assert page.count("未读") == 1 and "全部标为已读" in page
    assert Notification.objects.filter(user=member, read_at__isnull=True).count() == 1

    response = client.post(reverse("account_notifications"), follow=True)
    assert "已将1条通知标为已读" in response.content.decode()
    assert "未读" not in response.content.decode()
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 2


def test_the_notifications_page_takes_a_constant_number_of_queries(client, member, society):
    client.get(reverse("account_notifications"))  # warm the per-process caches (site, content types)
    counts = []
    for total in (1, 3):
        while Notification.objects.filter(user=member).count() < total:
            # Each links its own application, the relation the page shows.
            draft = start_application(
                applicant=member, kind=ApplicationKind.CHANGE, street=society.street, proposed={}, organization=society
            )
            notify(users=[member], message="通知", application=draft)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("account_notifications")).content.decode()
        assert page.count("查看申请") == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
