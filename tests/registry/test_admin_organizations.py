"""The organizations back office: scoping in list, search, detail-by-address and export,
creation and edits through the services, and a constant number of queries."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from registry.enums import OrganizationKind, Role
from registry.models import Organization, OrganizationChange
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org, make_uscc

pytestmark = pytest.mark.django_db

INDEX = reverse("organizations:index")


@pytest.fixture
def orgs(tree):
    """Organizations in two streets and two communities of 湛山."""
    return {
        "zhanshan_group": create_org(
            street=tree.zhanshan,
            community=tree.yancheng,
            name="湛山社区志愿者服务队",
            kind=OrganizationKind.COMMUNITY_GROUP,
        ),
        "zhanshan_elderly": create_org(
            street=tree.zhanshan,
            community=tree.yangkou,
            name="颐和老年公寓养老服务中心",
            kind=OrganizationKind.SERVICE_INSTITUTION,
        ),
        "badaguan_society": create_org(street=tree.badaguan, community=tree.taipingjiao, name="八大关书画研究会"),
        "city_registered": create_org(
            street=tree.badaguan, name="青岛市餐饮行业协会", registration_authority=tree.city
        ),
    }


def names_in(response) -> set[str]:
    return {org.name for org in response.context["object_list"]}


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [
        (
            Role.DISTRICT_OFFICER,
            "district",
            {"zhanshan_group", "zhanshan_elderly", "badaguan_society", "city_registered"},
        ),
        (Role.CITY_OFFICER, "city", {"zhanshan_group", "zhanshan_elderly", "badaguan_society", "city_registered"}),
        (Role.STREET_OFFICER, "zhanshan", {"zhanshan_group", "zhanshan_elderly"}),
        (Role.STREET_OFFICER, "badaguan", {"badaguan_society", "city_registered"}),
        (Role.COMMUNITY_SUPERVISOR, "yancheng", {"zhanshan_group"}),
    ],
)
def test_each_role_lists_only_its_area(client, tree, orgs, make_officer, role, unit, expected):
    client.force_login(make_officer(role, getattr(tree, unit)))
    response = client.get(INDEX)
    assert response.status_code == 200
    assert names_in(response) == {orgs[key].name for key in expected}


def test_search_finds_a_chinese_substring_within_scope(client, tree, orgs, make_officer):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    assert names_in(client.get(INDEX, {"q": "养老"})) == {"颐和老年公寓养老服务中心"}
    # 研究会 exists, but in another street: the search must not reveal it.
    assert names_in(client.get(INDEX, {"q": "研究会"})) == set()


def test_search_by_credit_code(client, tree, orgs, make_officer):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    code = orgs["badaguan_society"].uscc
    assert names_in(client.get(INDEX, {"q": code})) == {"八大关书画研究会"}


def test_another_streets_organization_is_not_found_by_address(client, tree, orgs, make_officer):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    other = orgs["badaguan_society"]
    for view in ("edit", "inspect", "history"):
        response = client.get(reverse(f"organizations:{view}", args=[other.pk]))
        assert response.status_code == 404, view
    own = orgs["zhanshan_group"]
    assert client.get(reverse("organizations:inspect", args=[own.pk])).status_code == 200


def test_street_officer_cannot_edit_a_registered_organization_of_its_street(client, tree, orgs, make_officer):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    registered = orgs["zhanshan_elderly"]
    assert client.get(reverse("organizations:inspect", args=[registered.pk])).status_code == 200
    assert client.get(reverse("organizations:edit", args=[registered.pk])).status_code == 404


def test_community_supervisor_may_read_but_not_edit(client, tree, orgs, make_officer):
    client.force_login(make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng))
    own = orgs["zhanshan_group"]
    assert client.get(reverse("organizations:inspect", args=[own.pk])).status_code == 200
    response = client.get(reverse("organizations:edit", args=[own.pk]))
    # Wagtail answers a refused admin action with a redirect to the dashboard and a message.
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_city_officer_edits_only_what_the_city_registered(client, tree, orgs, make_officer):
    client.force_login(make_officer(Role.CITY_OFFICER, tree.city))
    assert client.get(reverse("organizations:edit", args=[orgs["city_registered"].pk])).status_code == 200
    assert client.get(reverse("organizations:edit", args=[orgs["badaguan_society"].pk])).status_code == 404


def test_organization_account_has_no_back_office(client, tree, orgs):
    user = UserFactory()
    link_organization_account(user=user, organization=orgs["zhanshan_elderly"])
    client.force_login(user)
    response = client.get(INDEX)
    assert response.status_code == 302  # Wagtail sends users without admin access to the login page


def test_anonymous_is_sent_to_login(client, orgs):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_export_contains_only_the_users_area_with_chinese_headers(client, tree, orgs, make_officer, export_format):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    response = client.get(INDEX, {"export": export_format})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(content), read_only=True).active
        rows = [[str(c) if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:4] == ["名称", "统一社会信用代码", "备案编号", "类型"]
    assert {row[0] for row in rows[1:]} == {"湛山社区志愿者服务队", "颐和老年公寓养老服务中心"}


def test_edit_records_history_with_who_old_and_new(client, tree, orgs, make_officer):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    client.force_login(officer)
    org = orgs["badaguan_society"]
    url = reverse("organizations:edit", args=[org.pk])
    form = client.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["activity_fields"] = []
    data["address"] = "青岛市市南区太平角一路5号"
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    change = OrganizationChange.objects.get(organization=org, field="address")
    assert change.old_value == ""
    assert change.new_value == "青岛市市南区太平角一路5号"
    assert change.changed_by == officer
    assert change.source == "后台编辑"


def test_street_officer_cannot_create_in_another_street(client, tree, make_officer):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    response = client.post(
        reverse("organizations:add"),
        {
            "name": "太平角社区舞蹈队",
            "kind": OrganizationKind.COMMUNITY_GROUP,
            "filing_number": "市南备字〔2026〕第0999号",
            "status": "filed",
            "street": tree.badaguan.pk,
        },
    )
    assert response.status_code == 200
    assert "street" in response.context["form"].errors
    assert not Organization.objects.filter(name="太平角社区舞蹈队").exists()


def test_street_officer_files_a_community_group_in_its_street(client, tree, make_officer):
    client.force_login(make_officer(Role.STREET_OFFICER, tree.zhanshan))
    response = client.post(
        reverse("organizations:add"),
        {
            "name": "仰口路社区舞蹈队",
            "kind": OrganizationKind.COMMUNITY_GROUP,
            "filing_number": "市南备字〔2026〕第0998号",
            "status": "filed",
            "street": tree.zhanshan.pk,
            "community": tree.yangkou.pk,
        },
    )
    assert response.status_code == 302
    assert Organization.objects.get(name="仰口路社区舞蹈队").street == tree.zhanshan


def test_bad_credit_code_is_refused_with_a_chinese_message(client, tree, make_officer):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    code = make_uscc(OrganizationKind.SOCIAL_GROUP)
    bad = code[:-1] + ("1" if code[-1] != "1" else "2")
    response = client.post(
        reverse("organizations:add"),
        {
            "name": "某协会",
            "kind": OrganizationKind.SOCIAL_GROUP,
            "uscc": bad,
            "category": "public_welfare",
            "status": "active",
            "street": tree.zhanshan.pk,
        },
    )
    assert response.status_code == 200
    assert "校验位错误" in str(response.context["form"].errors["uscc"])


def _list_queries(client, tree, count: int) -> int:
    for _ in range(count):
        create_org(street=tree.zhanshan, community=tree.yancheng, activity_codes=["education", "culture"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(INDEX)
    assert response.status_code == 200
    assert len(response.context["object_list"]) == Organization.objects.count()
    return len(queries)


def test_list_uses_the_same_number_of_queries_for_1_and_50_organizations(client, tree, make_officer):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    one = _list_queries(client, tree, 1)
    fifty = _list_queries(client, tree, 49)
    assert one == fifty
