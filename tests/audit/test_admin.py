"""The audit log in the back office: read-only, filterable, scoped to the officer's area."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from audit.models import AuditEntry
from audit.services import record
from evaluation.enums import AgencyRole
from evaluation.models import Agency
from evaluation.services.people import add_agency_member
from registry.enums import Role
from registry.services.organizations import update_organization
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db

INDEX = reverse("audit:index")
# The sidebar is JSON in the page.
MENU_LINK = f'"url": "{INDEX}"'


@pytest.fixture
def log(tree, make_officer):
    """An officer's change in each of two streets, and an entry about no organization."""
    district = make_officer(Role.DISTRICT_OFFICER, tree.district, "district")
    district.first_name = "王科长"
    district.save()
    zhanshan = create_org(street=tree.zhanshan, name="湛山书画研究会", address="湛山路1号")
    badaguan = create_org(street=tree.badaguan, name="八大关合唱团", address="八大关路1号")
    update_organization(organization=zhanshan, actor=district, data={"address": "湛山路2号"}, source="后台编辑")
    update_organization(organization=badaguan, actor=district, data={"address": "八大关路2号"}, source="后台编辑")
    record(actor=district, action="personal_data.view", target=tree.zhanshan, reason="核对联系人")
    return {
        "district": district,
        "zhanshan": AuditEntry.objects.get(action="organization.change", organization_id=zhanshan.pk),
        "badaguan": AuditEntry.objects.get(action="organization.change", organization_id=badaguan.pk),
        "no_organization": AuditEntry.objects.get(action="personal_data.view"),
    }


def listed(client, **params) -> set[int]:
    response = client.get(INDEX, params)
    assert response.status_code == 200
    return {entry.pk for entry in response.context["object_list"]}


def test_district_officers_read_the_whole_log_newest_first(client, log):
    client.force_login(log["district"])
    response = client.get(INDEX)
    entries = list(response.context["object_list"])
    assert {log["zhanshan"].pk, log["badaguan"].pk, log["no_organization"].pk} <= {e.pk for e in entries}
    assert entries == sorted(entries, key=lambda e: (e.at, e.pk), reverse=True)
    page = response.content.decode()
    assert "变更组织信息" in page and "王科长" in page and "湛山书画研究会" in page


def test_a_street_officer_reads_only_entries_about_organizations_of_their_street(client, tree, make_officer, log):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    seen = listed(client)
    assert log["zhanshan"].pk in seen
    assert log["badaguan"].pk not in seen and log["no_organization"].pk not in seen
    assert client.get(reverse("audit:inspect", args=[log["zhanshan"].pk])).status_code == 200
    assert client.get(reverse("audit:inspect", args=[log["badaguan"].pk])).status_code == 404


def test_organization_accounts_and_assessors_are_refused_and_get_no_menu_item(client, tree, log):
    account = UserFactory(username="account")
    link_organization_account(user=account, organization=create_org(street=tree.zhanshan))
    assessor = UserFactory(username="assessor")
    add_agency_member(
        user=assessor,
        agency=Agency.objects.create(name="评估中心", uscc="52370202MJD602187J"),
        role=AgencyRole.ASSESSOR,
    )
    for user in (account, assessor):
        client.force_login(user)
        response = client.get(INDEX)
        # Refused: to the login page (no back-office role) or the dashboard with a message.
        assert response.status_code == 302, user
        assert response["Location"].split("?")[0] in (reverse("wagtailadmin_login"), reverse("wagtailadmin_home"))
        assert client.get(reverse("audit:inspect", args=[log["zhanshan"].pk])).status_code in (302, 404)
        assert MENU_LINK not in client.get(reverse("wagtailadmin_home")).content.decode(), user


def test_the_menu_shows_the_log_to_officers(client, log):
    client.force_login(log["district"])
    assert MENU_LINK in client.get(reverse("wagtailadmin_home")).content.decode()


def test_the_filters_narrow_the_listing(client, log, today):
    client.force_login(log["district"])
    both = {log["zhanshan"].pk, log["badaguan"].pk}
    assert listed(client, action="organization.change") == both
    assert listed(client, action="personal_data.view") == {log["no_organization"].pk}
    assert listed(client, organization="八大关") == {
        e.pk for e in AuditEntry.objects.filter(organization_name="八大关合唱团")
    }
    assert log["zhanshan"].pk in listed(client, actor="王科")
    assert listed(client, actor="王科") == {e.pk for e in AuditEntry.objects.filter(actor_name="王科长")}
    assert listed(client, target_type="registry.administrativeunit") >= {log["no_organization"].pk}
    assert log["zhanshan"].pk not in listed(client, target_type="registry.administrativeunit")
    assert listed(client, at_from=today.isoformat(), at_to=today.isoformat()) == set(
        AuditEntry.objects.values_list("pk", flat=True)
    )
    assert listed(client, at_to=today.replace(year=today.year - 1).isoformat()) == set()
    assert listed(client, q="核对联系人") == {log["no_organization"].pk}


def test_malformed_filters_answer_a_page_not_an_error(client, log):
    client.force_login(log["district"])
    for params in ({"at_from": "not-a-date"}, {"action": "nonsense"}, {"target_type": "x" * 500}, {"p": "999"}):
        assert client.get(INDEX, params).status_code == 200, params


def test_the_detail_shows_before_and_after_side_by_side(client, log):
    client.force_login(log["district"])
    response = client.get(reverse("audit:inspect", args=[log["zhanshan"].pk]))
    assert response.status_code == 200
    assert response.context["changes"] == [{"label": "住所", "before": "湛山路1号", "after": "湛山路2号"}]
    page = response.content.decode()
    assert "湛山路1号" in page and "湛山路2号" in page and "后台编辑" in page


def test_there_is_no_add_edit_or_delete_address(client, log):
    for name in ("add", "edit", "delete", "copy", "history", "usage"):
        with pytest.raises(NoReverseMatch):
            reverse(f"audit:{name}", args=[] if name == "add" else [log["zhanshan"].pk])
    client.force_login(log["district"])
    for path in ("new/", f"edit/{log['zhanshan'].pk}/", f"delete/{log['zhanshan'].pk}/"):
        assert client.get(INDEX + path).status_code == 404
        assert client.post(INDEX + path, {"reason": "x"}).status_code == 404
    assert client.post(reverse("audit:inspect", args=[log["zhanshan"].pk]), {"reason": "x"}).status_code == 405
    log["zhanshan"].refresh_from_db()
    assert log["zhanshan"].reason == "后台编辑"


def test_the_listing_takes_as_many_queries_for_one_entry_as_for_three(client, log):
    client.force_login(log["district"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(INDEX).status_code == 200
        return len(captured)

    first = queries()
    for n in range(2):
        record(actor=log["district"], action="personal_data.view", target=log["district"], reason=f"第{n}次")
    assert queries() == first
