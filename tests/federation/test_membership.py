"""Federation membership: who may join, one current membership, and what it shows in the
directory's federation filter and in the federation staff's scope."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from federation.services import add_federation_staff, admit_member, found_federation
from portal.site_structure import ensure_site_pages
from registry.enums import OrganizationKind, Role
from registry.selectors.directory import DirectoryFilters, facet_counts, search_directory
from registry.selectors.organizations import organizations_for_user
from tests.factories import UserFactory, create_org

pytestmark = pytest.mark.django_db
JOINED = datetime.date(2024, 3, 1)


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.STREET_OFFICER, tree.zhanshan)


@pytest.fixture
def federation(tree):
    return found_federation(
        street=tree.zhanshan, name="湛山街道社区社会组织联合会", founded_on=datetime.date(2020, 1, 1)
    )


def test_an_organization_of_the_street_joins_once(tree, federation, officer):
    group = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    admit_member(federation=federation, organization=group, joined_on=JOINED, actor=officer)
    with pytest.raises(ValidationError, match="已是本联合会的会员"):
        admit_member(federation=federation, organization=group, joined_on=JOINED, actor=officer)


def test_an_organization_of_another_street_cannot_join(tree, federation, officer):
    elsewhere = create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP)
    with pytest.raises(ValidationError, match="只有湛山街道的组织可以加入"):
        admit_member(federation=federation, organization=elsewhere, joined_on=JOINED, actor=officer)


def test_leaving_cannot_precede_joining(tree, federation, officer):
    group = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    membership = admit_member(federation=federation, organization=group, joined_on=JOINED, actor=officer)
    membership.left_on = JOINED - datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="退会日期不能早于入会日期"):
        membership.full_clean()


def test_directory_filters_and_counts_by_federation(tree, federation, officer):
    member = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="盐城路社区合唱团")
    registered_member = create_org(street=tree.zhanshan, name="湛山书画研究会")
    create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="仰口路社区舞蹈队")
    admit_member(federation=federation, organization=member, joined_on=JOINED, actor=officer)
    admit_member(federation=federation, organization=registered_member, joined_on=JOINED, actor=officer)
    filters = DirectoryFilters(extra={"federation": [tree.zhanshan.code]})
    assert {o.name for o in search_directory(filters)} == {"盐城路社区合唱团", "湛山书画研究会"}
    counts = {code: count for code, _label, count in facet_counts(DirectoryFilters())["federation"]}
    assert counts == {tree.zhanshan.code: 2}
    # A former member is no longer counted.
    membership = registered_member.federation_memberships.get()
    membership.left_on = datetime.date(2025, 1, 1)
    membership.save()
    assert {o.name for o in search_directory(filters)} == {"盐城路社区合唱团"}


def test_federation_staff_see_their_registered_members_too(tree, federation, officer):
    registered_member = create_org(street=tree.zhanshan, name="湛山书画研究会")
    registered_other = create_org(street=tree.zhanshan, name="湛山餐饮协会")
    admit_member(federation=federation, organization=registered_member, joined_on=JOINED, actor=officer)
    staff = UserFactory()
    add_federation_staff(user=staff, federation=federation)
    visible = set(organizations_for_user(staff).values_list("name", flat=True))
    assert "湛山书画研究会" in visible
    assert registered_other.name not in visible


def test_directory_page_and_api_accept_the_federation_filter(client, tree, federation, officer):
    ensure_site_pages()
    member = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="盐城路社区合唱团")
    admit_member(federation=federation, organization=member, joined_on=JOINED, actor=officer)
    create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, name="仰口路社区舞蹈队")
    page = client.get("/directory/", {"federation": tree.zhanshan.code})
    assert [o.name for o in page.context["results"]] == ["盐城路社区合唱团"]
    assert "湛山街道社区社会组织联合会" in page.content.decode()
    api = client.get("/api/v1/organizations", {"federation": tree.zhanshan.code}).json()
    assert [item["name"] for item in api["results"]] == ["盐城路社区合唱团"]
