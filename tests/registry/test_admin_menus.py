"""Every back-office role reaches the admin and sees the menus its role allows."""

import pytest
from django.urls import reverse

from federation.services import add_federation_staff, found_federation
from registry.enums import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_each_unit_role_opens_the_dashboard_and_its_lists(client, tree, make_officer):
    for role, unit in [
        (Role.CITY_OFFICER, tree.city),
        (Role.DISTRICT_OFFICER, tree.district),
        (Role.STREET_OFFICER, tree.zhanshan),
        (Role.COMMUNITY_SUPERVISOR, tree.yancheng),
    ]:
        client.force_login(make_officer(role, unit))
        dashboard = client.get(reverse("wagtailadmin_home"))
        assert dashboard.status_code == 200, role
        assert "社会组织" in dashboard.content.decode(), role
        assert client.get(reverse("organizations:index")).status_code == 200, role
        units = client.get(reverse("units:index"))
        assert units.status_code == 200, role
        assert {u.code for u in units.context["object_list"]} == {
            u.code for u in type(unit).objects.filter(path__startswith=unit.path)
        }, role


def test_only_city_and_district_officers_administer_units(client, tree, make_officer):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    assert client.get(reverse("units:add")).status_code == 302
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    response = client.post(
        reverse("units:add"),
        {"parent": tree.district.pk, "code": "370202011", "name": "金湖路街道", "level": "street"},
    )
    assert response.status_code == 302
    tree.district.refresh_from_db()  # treebeard reads the child count from the instance, now stale
    new_street = tree.district.get_children().get(name="金湖路街道")
    assert new_street.code == "370202011"


def test_federation_staff_sees_its_federation_only(client, tree):

    own = found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会")
    user = UserFactory()
    add_federation_staff(user=user, federation=own)
    client.force_login(user)
    response = client.get(reverse("federations:index"))
    assert response.status_code == 200
    assert [f.name for f in response.context["object_list"]] == ["湛山街道社区社会组织联合会"]
