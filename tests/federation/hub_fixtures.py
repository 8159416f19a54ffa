"""Two federations (湛山 and 八大关) with their staff, the officers around them, and members of
湛山's: the people and records the hub's tests share."""

import datetime
from types import SimpleNamespace

import pytest

from federation.services import add_federation_staff, admit_member, found_federation
from registry.enums import OrganizationKind, Role
from tests.factories import UserFactory, create_org

FOUNDED = datetime.date(2020, 1, 1)
JOINED = datetime.date(2022, 3, 1)


@pytest.fixture
def hub(tree, make_officer):
    zhanshan = found_federation(
        street=tree.zhanshan,
        name="湛山街道社区社会组织联合会",
        founded_on=FOUNDED,
        address="青岛市市南区湛山路1号",
        contact_person="于晓燕",
        contact_phone="0532-80000001",
    )
    badaguan = found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会", founded_on=FOUNDED)
    staff, other_staff = UserFactory(username="zhanshan_staff"), UserFactory(username="badaguan_staff")
    add_federation_staff(user=staff, federation=zhanshan)
    add_federation_staff(user=other_staff, federation=badaguan)
    choir = create_org(
        street=tree.zhanshan,
        community=tree.yancheng,
        kind=OrganizationKind.COMMUNITY_GROUP,
        name="盐城路社区合唱团",
        legal_representative="王桂兰",
        legal_representative_phone="13900000001",
    )
    dance = create_org(
        street=tree.zhanshan,
        community=tree.yangkou,
        kind=OrganizationKind.COMMUNITY_GROUP,
        name="仰口路社区舞蹈队",
        legal_representative="刘淑芬",
    )
    society = create_org(
        street=tree.zhanshan,
        community=tree.yancheng,
        name="湛山书画研究会",
        legal_representative="张建国",
        legal_representative_phone="13900000002",
        public_phone="0532-80000003",
        founded_on=datetime.date(2015, 3, 1),
    )
    for organization in (choir, dance, society):
        admit_member(federation=zhanshan, organization=organization, joined_on=JOINED, actor=staff)
    return SimpleNamespace(
        federation=zhanshan,
        other_federation=badaguan,
        staff=staff,
        other_staff=other_staff,
        street=make_officer(Role.STREET_OFFICER, tree.zhanshan, "zhanshan_officer"),
        other_street=make_officer(Role.STREET_OFFICER, tree.badaguan, "badaguan_officer"),
        district=make_officer(Role.DISTRICT_OFFICER, tree.district, "district_officer"),
        supervisor=make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng, "supervisor"),
        choir=choir,
        dance=dance,
        society=society,
    )
