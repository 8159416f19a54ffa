"""Federation councils: who may sit (current members only, one seat each), one president and one
secretary-general at a time with a friendly refusal, ends of term, who may appoint, and the
back office's forms."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from federation.council import appoint_council_member, end_council_term
from federation.enums import CouncilRole
from federation.hub_selectors import council_in_office
from federation.models import CouncilSeat, Membership
from federation.services import admit_member, end_membership
from registry.enums import OrganizationKind, Role
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.federation.hub_fixtures"]

ELECTED = datetime.date(2024, 1, 10)


def appoint(hub, organization, role, actor=None, person="王桂兰", started_on=ELECTED, federation=None):
    return appoint_council_member(
        federation=federation or hub.federation,
        organization=organization,
        role=role,
        person_name=person,
        started_on=started_on,
        actor=actor or hub.staff,
    )


def test_a_council_is_seated_from_members_in_role_order(hub):
    appoint(hub, hub.dance, CouncilRole.SECRETARY_GENERAL, person="刘淑芬")
    appoint(hub, hub.society, CouncilRole.VICE_PRESIDENT, person="张建国")
    appoint(hub, hub.choir, CouncilRole.PRESIDENT, person="王桂兰")
    assert [(seat.role, seat.person_name, seat.organization.name) for seat in council_in_office(hub.federation)] == [
        (CouncilRole.PRESIDENT, "王桂兰", "盐城路社区合唱团"),
        (CouncilRole.VICE_PRESIDENT, "张建国", "湛山书画研究会"),
        (CouncilRole.SECRETARY_GENERAL, "刘淑芬", "仰口路社区舞蹈队"),
    ]


def test_a_second_president_is_refused_with_a_message_until_the_first_leaves(hub):
    first = appoint(hub, hub.choir, CouncilRole.PRESIDENT)
    with pytest.raises(ValidationError, match="会长现由王桂兰（盐城路社区合唱团）担任，请先办理离任"):
        appoint(hub, hub.society, CouncilRole.PRESIDENT, person="张建国")
    end_council_term(seat=first, ended_on=datetime.date(2025, 1, 9), actor=hub.staff)
    appoint(hub, hub.society, CouncilRole.PRESIDENT, person="张建国", started_on=datetime.date(2025, 1, 10))
    assert [seat.person_name for seat in council_in_office(hub.federation)] == ["张建国"]
    assert CouncilSeat.objects.filter(role=CouncilRole.PRESIDENT).count() == 2  # the first stays on record


def test_the_secretary_general_is_one_at_a_time_and_vice_presidents_may_be_several(hub):
    appoint(hub, hub.choir, CouncilRole.VICE_PRESIDENT)
    appoint(hub, hub.dance, CouncilRole.VICE_PRESIDENT, person="刘淑芬")
    appoint(hub, hub.society, CouncilRole.SECRETARY_GENERAL, person="张建国")
    third = create_org(street=hub.federation.street, kind=OrganizationKind.COMMUNITY_GROUP, name="湛山社区读书会")
    admit_member(federation=hub.federation, organization=third, joined_on=datetime.date(2022, 1, 1), actor=hub.staff)
    with pytest.raises(ValidationError, match="秘书长现由张建国"):
        appoint(hub, third, CouncilRole.SECRETARY_GENERAL, person="孙立")
    assert council_in_office(hub.federation).count() == 3


def test_only_current_members_sit_and_each_in_one_seat(hub, tree):
    outsider = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="湛山社区棋友会")
    with pytest.raises(ValidationError, match="湛山社区棋友会不是本联合会的现有会员"):
        appoint(hub, outsider, CouncilRole.PRESIDENT)
    Membership.objects.filter(organization=hub.dance).update(left_on=datetime.date(2023, 6, 1))
    with pytest.raises(ValidationError, match="仰口路社区舞蹈队不是本联合会的现有会员"):
        appoint(hub, hub.dance, CouncilRole.PRESIDENT)
    appoint(hub, hub.choir, CouncilRole.PRESIDENT)
    with pytest.raises(ValidationError, match="盐城路社区合唱团已在理事会担任会长"):
        appoint(hub, hub.choir, CouncilRole.VICE_PRESIDENT)
    assert CouncilSeat.objects.count() == 1


def test_dates_names_and_roles_are_checked(hub):
    with pytest.raises(ValidationError, match="任职日期不能早于该组织的入会日期"):
        appoint(hub, hub.choir, CouncilRole.PRESIDENT, started_on=datetime.date(2022, 2, 28))
    with pytest.raises(ValidationError, match="任职日期不能晚于今天"):
        appoint(hub, hub.choir, CouncilRole.PRESIDENT, started_on=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="请填写担任人姓名"):
        appoint(hub, hub.choir, CouncilRole.PRESIDENT, person="  ")
    with pytest.raises(ValidationError, match="请选择会长、副会长或秘书长"):
        appoint(hub, hub.choir, "treasurer")
    seat = appoint(hub, hub.choir, CouncilRole.PRESIDENT)
    with pytest.raises(ValidationError, match="离任日期不能早于任职日期"):
        end_council_term(seat=seat, ended_on=ELECTED - datetime.timedelta(days=1), actor=hub.staff)
    end_council_term(seat=seat, ended_on=datetime.date(2025, 1, 1), actor=hub.staff)
    with pytest.raises(ValidationError, match="王桂兰已于2025-01-01离任"):
        end_council_term(seat=seat, ended_on=datetime.date(2025, 2, 1), actor=hub.staff)


@pytest.mark.parametrize("who", ["staff", "street", "district"])
def test_the_federations_staff_and_its_streets_and_districts_officers_appoint(hub, who):
    seat = appoint(hub, hub.choir, CouncilRole.PRESIDENT, actor=getattr(hub, who))
    end_council_term(seat=seat, ended_on=datetime.date(2025, 1, 1), actor=getattr(hub, who))


@pytest.mark.parametrize("who", ["other_staff", "other_street", "supervisor", "nobody"])
def test_anyone_else_is_refused_and_nothing_is_recorded(hub, who):
    actor = UserFactory() if who == "nobody" else getattr(hub, who)
    with pytest.raises(PermissionDenied):
        appoint(hub, hub.choir, CouncilRole.PRESIDENT, actor=actor)
    seat = appoint(hub, hub.choir, CouncilRole.PRESIDENT)
    with pytest.raises(PermissionDenied):
        end_council_term(seat=seat, ended_on=datetime.date(2025, 1, 1), actor=actor)
    seat.refresh_from_db()
    assert seat.ended_on is None and CouncilSeat.objects.count() == 1


def test_the_staff_appoint_and_end_a_term_in_the_back_office(client, hub):
    client.force_login(hub.staff)
    url = reverse("federation_hub:appoint", args=[hub.federation.pk])
    form = client.get(url).content.decode()
    assert "盐城路社区合唱团" in form and "湛山书画研究会" in form
    # Left blank, the person is the member's legal representative.
    response = client.post(
        url, {"organization": hub.choir.pk, "role": CouncilRole.PRESIDENT, "started_on": "2024-01-10"}, follow=True
    )
    assert "已任命王桂兰（盐城路社区合唱团）为会长" in response.content.decode()
    seat = CouncilSeat.objects.get()
    refused = client.post(
        url,
        {
            "organization": hub.society.pk,
            "role": CouncilRole.PRESIDENT,
            "person_name": "张建国",
            "started_on": "2024-01-10",
        },
    )
    html = refused.content.decode()
    assert refused.status_code == 200 and "会长现由王桂兰" in html and "张建国" in html  # the typing is kept
    response = client.post(reverse("federation_hub:end_term", args=[seat.pk]), {"ended_on": "2025-01-09"}, follow=True)
    assert "王桂兰已离任" in response.content.decode()
    seat.refresh_from_db()
    assert seat.ended_on == datetime.date(2025, 1, 9)


def test_another_federations_staff_get_404_on_the_council_forms(client, hub):
    seat = appoint(hub, hub.choir, CouncilRole.PRESIDENT)
    for user in (hub.other_staff, hub.other_street):
        client.force_login(user)
        assert client.get(reverse("federation_hub:appoint", args=[hub.federation.pk])).status_code == 404
        assert (
            client.post(reverse("federation_hub:end_term", args=[seat.pk]), {"ended_on": "2025-01-01"}).status_code
            == 404
        )
    seat.refresh_from_db()
    assert seat.ended_on is None


def test_a_city_officer_reads_the_federation_but_is_sent_back_from_the_forms(client, hub, make_officer, tree):
    city = make_officer(Role.CITY_OFFICER, tree.city, "city_officer")
    client.force_login(city)
    response = client.get(reverse("federation_hub:appoint", args=[hub.federation.pk]), follow=True)
    assert "只有本联合会的工作人员或所在街道、区的工作人员可以任免理事会职务" in response.content.decode()
    assert not CouncilSeat.objects.exists()


def test_who_appointed_and_who_ended_a_term_is_recorded(hub):
    seat = appoint(hub, hub.choir, CouncilRole.PRESIDENT)
    end_council_term(seat=seat, ended_on=datetime.date(2025, 1, 9), actor=hub.staff)
    seat.refresh_from_db()
    assert (seat.appointed_by, seat.ended_by) == (hub.staff, hub.staff)


def test_a_member_that_leaves_gives_up_its_council_seat_the_same_day(hub):
    seat = appoint(hub, hub.choir, CouncilRole.PRESIDENT)
    membership = Membership.objects.get(organization=hub.choir, left_on__isnull=True)
    left_on = datetime.date(2025, 6, 30)
    with pytest.raises(PermissionDenied):
        end_membership(membership=membership, left_on=left_on, actor=UserFactory())
    end_membership(membership=membership, left_on=left_on, actor=hub.staff)
    membership.refresh_from_db()
    seat.refresh_from_db()
    assert membership.left_on == seat.ended_on == left_on
    assert list(council_in_office(hub.federation)) == []
    with pytest.raises(ValidationError, match="已于2025-06-30退会"):
        end_membership(membership=membership, left_on=left_on, actor=hub.staff)
