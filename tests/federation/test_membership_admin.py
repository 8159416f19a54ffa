"""The back office's members page of a federation: current and former members, admitting a
member and ending a membership (with its council seats), who may, and the refusals that come
back on the page with what was typed."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from federation.council import appoint_council_member
from federation.enums import CouncilRole
from federation.models import CouncilSeat, Membership
from federation.services import admit_member, end_membership
from registry.enums import OrganizationKind, OrganizationStatus, Role
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.federation.hub_fixtures"]


def members_url(hub):
    return reverse("federation_hub:members", args=[hub.federation.pk])


def end_url(organization):
    return reverse("federation_hub:end_membership", args=[Membership.objects.get(organization=organization).pk])


def offered(html: str) -> set[str]:
    select = re.search(r'<select name="organization".*?</select>', html, re.S).group(0)
    return {name for name in re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', select)}


def section(html: str, start: str, end: str | None = None) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin) if end else len(html)]


@pytest.fixture
def reading(tree):
    return create_org(
        street=tree.zhanshan, community=tree.yangkou, kind=OrganizationKind.COMMUNITY_GROUP, name="湛山社区读书会"
    )


def test_the_staff_admit_a_member_through_the_form(client, hub, tree, reading):
    create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP, name="太平角社区摄影队")
    closed = create_org(street=tree.zhanshan, name="湛山已注销协会")
    type(closed).objects.filter(pk=closed.pk).update(status=OrganizationStatus.DEREGISTERED)
    client.force_login(hub.staff)
    # Offered: the street's organizations that are not members yet (and not closed).
    assert offered(client.get(members_url(hub)).content.decode()) == {"湛山社区读书会"}
    response = client.post(members_url(hub), {"organization": reading.pk, "joined_on": "2025-05-04"}, follow=True)
    html = response.content.decode()
    assert "湛山社区读书会已加入本联合会（2025-05-04入会）" in html
    membership = Membership.objects.get(organization=reading)
    assert (membership.joined_on, membership.left_on) == (datetime.date(2025, 5, 4), None)
    row = section(html, f'id="member-{membership.pk}"', "</tr>")
    assert "湛山社区读书会" in row and "社区社会组织" in row and "仰口路社区" in row and "2025-05-04" in row
    assert offered(html) == set()


def test_an_organization_already_a_member_gets_a_message_and_the_typing_is_kept(client, hub):
    client.force_login(hub.staff)
    # As from a page opened before the choir was admitted: posted, not offered.
    response = client.post(members_url(hub), {"organization": hub.choir.pk, "joined_on": "2025-05-04"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "盐城路社区合唱团已是本联合会的会员（2022-03-01入会）" in html
    assert 'value="2025-05-04"' in html
    assert Membership.objects.filter(organization=hub.choir).count() == 1
    with pytest.raises(ValidationError, match="盐城路社区合唱团已是本联合会的会员"):
        admit_member(federation=hub.federation, organization=hub.choir, joined_on=datetime.date(2025, 1, 1), actor=None)


def test_another_streets_organization_is_refused(client, hub, tree):
    elsewhere = create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP, name="太平角社区摄影队")
    client.force_login(hub.staff)
    response = client.post(members_url(hub), {"organization": elsewhere.pk, "joined_on": "2025-05-04"})
    assert response.status_code == 200 and "请从本街道可以入会的组织中选择" in response.content.decode()
    with pytest.raises(ValidationError, match="只有湛山街道的组织可以加入湛山街道社区社会组织联合会"):
        admit_member(
            federation=hub.federation, organization=elsewhere, joined_on=datetime.date(2025, 1, 1), actor=hub.staff
        )
    assert not Membership.objects.filter(organization=elsewhere).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"organization": "{reading}", "joined_on": "{tomorrow}"}, "入会日期不能晚于今天"),
        ({"organization": "{reading}", "joined_on": "2025-13-40"}, "请填写有效的日期"),
        ({"organization": "{reading}", "joined_on": ""}, "请填写日期"),
        ({"organization": "abc", "joined_on": "2025-05-04"}, "请从本街道可以入会的组织中选择"),
        ({"organization": "99999999", "joined_on": "2025-05-04"}, "请从本街道可以入会的组织中选择"),
        ({"joined_on": "2025-05-04"}, "请选择要入会的组织"),
    ],
)
def test_bad_admissions_come_back_on_the_page(client, hub, reading, data, message):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = {key: value.format(reading=reading.pk, tomorrow=tomorrow) for key, value in data.items()}
    client.force_login(hub.staff)
    response = client.post(members_url(hub), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not Membership.objects.filter(organization=reading).exists()


def test_a_former_member_rejoins_no_earlier_than_it_left(hub):
    membership = Membership.objects.get(organization=hub.dance)
    end_membership(membership=membership, left_on=datetime.date(2024, 6, 30), actor=hub.staff)
    with pytest.raises(ValidationError, match="该组织已于2024-06-30退会，重新入会的日期不能早于退会日期"):
        admit_member(
            federation=hub.federation, organization=hub.dance, joined_on=datetime.date(2024, 1, 1), actor=hub.staff
        )
    admit_member(
        federation=hub.federation, organization=hub.dance, joined_on=datetime.date(2025, 1, 1), actor=hub.staff
    )
    assert Membership.objects.filter(organization=hub.dance).count() == 2


@pytest.mark.parametrize("who", ["other_staff", "other_street", "supervisor", "nobody"])
def test_only_the_federations_staff_and_its_officers_admit(hub, reading, who):
    actor = UserFactory() if who == "nobody" else getattr(hub, who)
    with pytest.raises(PermissionDenied):
        admit_member(federation=hub.federation, organization=reading, joined_on=datetime.date(2025, 1, 1), actor=actor)
    assert not Membership.objects.filter(organization=reading).exists()


@pytest.mark.parametrize("who", ["street", "district"])
def test_the_streets_and_districts_officers_admit_too(client, hub, reading, who):
    client.force_login(getattr(hub, who))
    client.post(members_url(hub), {"organization": reading.pk, "joined_on": "2025-05-04"})
    assert Membership.objects.filter(organization=reading, left_on__isnull=True).exists()


def test_ending_a_membership_ends_the_council_seat(client, hub):
    seat = appoint_council_member(
        federation=hub.federation,
        organization=hub.choir,
        role=CouncilRole.PRESIDENT,
        person_name="王桂兰",
        started_on=datetime.date(2024, 1, 10),
        actor=hub.staff,
    )
    client.force_login(hub.staff)
    page = client.get(members_url(hub)).content.decode()
    choir_row = section(page, f'id="member-{Membership.objects.get(organization=hub.choir).pk}"', "</tr>")
    assert "退会后，其理事会职务同时结束：会长（王桂兰）" in choir_row
    response = client.post(end_url(hub.choir), {"left_on": "2025-06-30"}, follow=True)
    html = response.content.decode()
    assert "盐城路社区合唱团已于2025-06-30退会。其理事会职务同时结束：会长（王桂兰）" in html
    seat.refresh_from_db()
    membership = Membership.objects.get(organization=hub.choir)
    assert membership.left_on == seat.ended_on == datetime.date(2025, 6, 30)
    assert seat.ended_by == hub.staff
    current, former = section(html, 'id="members"', 'id="former"'), section(html, 'id="former"')
    assert "盐城路社区合唱团" not in current and "仰口路社区舞蹈队" in current
    assert "盐城路社区合唱团" in former and "2025-06-30" in former
    # Posting again is answered with the record, not an error page.
    again = client.post(end_url(hub.choir), {"left_on": "2025-07-01"}, follow=True)
    assert "盐城路社区合唱团已于2025-06-30退会" in again.content.decode()


@pytest.mark.parametrize(
    ("left_on", "message"),
    [
        ("2022-02-28", "退会日期不能早于入会日期（2022-03-01）"),
        ("{tomorrow}", "退会日期不能晚于今天"),
        ("2025-02-30", "请填写有效的日期"),
        ("", "请填写日期"),
    ],
)
def test_bad_leaving_dates_come_back_on_the_members_row(client, hub, left_on, message):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    left_on = left_on.format(tomorrow=tomorrow)
    client.force_login(hub.staff)
    response = client.post(end_url(hub.choir), {"left_on": left_on})
    html = response.content.decode()
    assert response.status_code == 200
    row = section(html, f'id="member-{Membership.objects.get(organization=hub.choir).pk}"', "</tr>")
    assert message in row and f'value="{left_on}"' in row
    assert Membership.objects.get(organization=hub.choir).left_on is None


@pytest.mark.parametrize("who", ["other_staff", "other_street", "supervisor"])
def test_another_federations_staff_or_street_gets_404(client, hub, reading, who):
    client.force_login(getattr(hub, who))
    assert client.get(members_url(hub)).status_code == 404
    assert client.post(members_url(hub), {"organization": reading.pk, "joined_on": "2025-05-04"}).status_code == 404
    assert client.post(end_url(hub.choir), {"left_on": "2025-06-30"}).status_code == 404
    assert not Membership.objects.filter(organization=reading).exists()
    assert Membership.objects.get(organization=hub.choir).left_on is None
    client.force_login(hub.staff)
    assert client.post(reverse("federation_hub:end_membership", args=[99999999]), {"left_on": "x"}).status_code == 404


def test_a_city_officer_reads_the_members_but_has_no_forms(client, hub, make_officer, tree, reading):
    client.force_login(make_officer(Role.CITY_OFFICER, tree.city, "city_officer"))
    html = client.get(members_url(hub)).content.decode()
    assert "盐城路社区合唱团" in html and 'name="organization"' not in html and 'name="left_on"' not in html
    response = client.post(members_url(hub), {"organization": reading.pk, "joined_on": "2025-05-04"}, follow=True)
    assert "只有本联合会的工作人员或所在街道、区的工作人员可以办理入会、退会" in response.content.decode()
    assert not Membership.objects.filter(organization=reading).exists()


def test_names_link_to_the_organization_page_only_where_the_user_may_open_it(client, hub):
    # The society, a registered organization, is in the staff's sight only while it is a member.
    end_membership(
        membership=Membership.objects.get(organization=hub.society), left_on=datetime.date(2025, 1, 1), actor=hub.staff
    )
    society_link = f'href="{reverse("organizations:inspect", args=[hub.society.pk])}"'
    choir_link = f'href="{reverse("organizations:inspect", args=[hub.choir.pk])}"'
    client.force_login(hub.staff)
    html = client.get(members_url(hub)).content.decode()
    assert choir_link in html and "湛山书画研究会" in section(html, 'id="former"') and society_link not in html
    client.force_login(hub.street)
    assert society_link in client.get(members_url(hub)).content.decode()


def test_the_dashboard_leads_to_the_members_page(client, hub):
    client.force_login(hub.staff)
    html = client.get(reverse("federation_hub:dashboard", args=[hub.federation.pk])).content.decode()
    assert f'href="{members_url(hub)}"' in html


def test_the_members_page_takes_as_many_queries_however_many_members_seats_and_former_members(client, hub, tree):
    client.force_login(hub.staff)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(members_url(hub)).status_code == 200
        return len(captured)

    queries()  # the site and its settings are cached from the first request on
    before = queries()
    for n in range(3):
        member = create_org(
            street=tree.zhanshan,
            community=tree.yangkou,
            kind=OrganizationKind.COMMUNITY_GROUP,
            name=f"湛山社区新会员{n}",
        )
        admit_member(
            federation=hub.federation, organization=member, joined_on=datetime.date(2023, 1, 1), actor=hub.staff
        )
        create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name=f"湛山社区非会员{n}")
    appoint_council_member(
        federation=hub.federation,
        organization=member,
        role=CouncilRole.PRESIDENT,
        person_name="孙立",
        started_on=datetime.date(2024, 1, 1),
        actor=hub.staff,
    )
    end_membership(
        membership=Membership.objects.get(organization=hub.dance), left_on=datetime.date(2024, 1, 1), actor=hub.staff
    )
    html = client.get(members_url(hub)).content.decode()
    assert (
        "湛山社区新会员2" in html
        and "会长（孙立）" in html
        and offered(html) == {"仰口路社区舞蹈队", "湛山社区非会员0", "湛山社区非会员1", "湛山社区非会员2"}
    )
    assert CouncilSeat.objects.filter(ended_on__isnull=True).count() == 1
    assert queries() == before
