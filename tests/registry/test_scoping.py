"""Scoping (DESIGN.md section 5): what each role sees and manages among organizations, units and
federations, back-office access, and the `rules` permissions agreeing with the selectors."""

import pytest
from django.contrib.auth.models import AnonymousUser

from evaluation.enums import AgencyRole
from evaluation.models import Agency, Committee
from evaluation.services.people import add_agency_member, add_committee_member
from federation.selectors import federations_for_user
from federation.services import add_federation_staff, found_federation
from registry.enums import ApplicationAction, ApplicationKind, Category, OrganizationKind, Role, UnitLevel
from registry.selectors.applications import applications_for_user
from registry.selectors.organizations import manageable_organizations_for_user, organizations_for_user
from registry.selectors.units import streets_for_user, units_for_user
from registry.services.applications import act_on_application, allowed_actions, start_application
from registry.services.roles import assign_unit_role, link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org, file_required_materials

pytestmark = pytest.mark.django_db

ALL_ORGS = {
    "zhanshan_group",
    "yangkou_group",
    "zhanshan_institution",
    "badaguan_society",
    "badaguan_group",
    "city_association",
    "shibei_society",
}
SHINAN_ORGS = ALL_ORGS - {"shibei_society"}
ALL_UNITS = {
    "青岛市",
    "市南区",
    "湛山街道",
    "盐城路社区",
    "仰口路社区",
    "八大关街道",
    "太平角社区",
    "市北区",
    "辽宁路街道",
}
SHINAN_UNITS = {"市南区", "湛山街道", "盐城路社区", "仰口路社区", "八大关街道", "太平角社区"}
ZHANSHAN_UNITS = {"湛山街道", "盐城路社区", "仰口路社区"}
BOTH_FEDERATIONS = {"湛山街道社区社会组织联合会", "八大关街道社区社会组织联合会"}


@pytest.fixture
def tree(tree):
    """The shared tree plus a second district of the city, 市北区, with one street."""
    tree.shibei = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    tree.liaoning = add_unit(parent=tree.shibei, code="370203001", name="辽宁路街道", level=UnitLevel.STREET)
    return tree


@pytest.fixture
def orgs(tree):
    return {
        "zhanshan_group": create_org(
            street=tree.zhanshan,
            community=tree.yancheng,
            name="盐城路志愿者服务队",
            kind=OrganizationKind.COMMUNITY_GROUP,
        ),
        "yangkou_group": create_org(
            street=tree.zhanshan, community=tree.yangkou, name="仰口路合唱团", kind=OrganizationKind.COMMUNITY_GROUP
        ),
        "zhanshan_institution": create_org(
            street=tree.zhanshan,
            community=tree.yangkou,
            name="颐和养老服务中心",
            kind=OrganizationKind.SERVICE_INSTITUTION,
        ),
        "badaguan_society": create_org(street=tree.badaguan, community=tree.taipingjiao, name="八大关书画研究会"),
        "badaguan_group": create_org(
            street=tree.badaguan,
            community=tree.taipingjiao,
            name="太平角邻里互助队",
            kind=OrganizationKind.COMMUNITY_GROUP,
        ),
        "city_association": create_org(
            street=tree.badaguan,
            name="青岛市餐饮行业协会",
            category=Category.INDUSTRY_ASSOCIATION,
            registration_authority=tree.city,
        ),
        "shibei_society": create_org(street=tree.liaoning, name="市北区摄影协会", registration_authority=tree.shibei),
    }


@pytest.fixture
def federations(tree):
    return {
        "zhanshan": found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会"),
        "badaguan": found_federation(street=tree.badaguan, name="八大关街道社区社会组织联合会"),
    }


@pytest.fixture
def people(tree, orgs, federations, make_officer):
    """One user per role (and a few without any)."""
    agency = Agency.objects.create(name="青岛市社会组织评估中心")
    committee = Committee.objects.create(name="市南区社会组织评估委员会", authority=tree.district)

    def user(username, **fields):
        return UserFactory(username=username, **fields)

    account = user("account")
    link_organization_account(user=account, organization=orgs["badaguan_society"])
    federation_staff = user("federation_staff")
    add_federation_staff(user=federation_staff, federation=federations["zhanshan"])
    manager = user("agency_manager")
    add_agency_member(user=manager, agency=agency, role=AgencyRole.MANAGER)
    assessor = user("assessor")
    add_agency_member(user=assessor, agency=agency, role=AgencyRole.ASSESSOR)
    committee_member = user("committee_member")
    add_committee_member(user=committee_member, committee=committee)
    inactive = make_officer(Role.DISTRICT_OFFICER, tree.district, username="inactive_officer")
    inactive.is_active = False
    inactive.save()
    return {
        "superuser": user("root", is_superuser=True, is_staff=True),
        "city_officer": make_officer(Role.CITY_OFFICER, tree.city),
        "district_officer": make_officer(Role.DISTRICT_OFFICER, tree.district),
        "street_officer": make_officer(Role.STREET_OFFICER, tree.zhanshan),
        "community_supervisor": make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng),
        "federation_staff": federation_staff,
        "organization_account": account,
        "agency_manager": manager,
        "assessor": assessor,
        "committee_member": committee_member,
        "no_role": user("nobody"),
        "inactive_officer": inactive,
        "anonymous": AnonymousUser(),
    }


def keys(queryset, orgs) -> set[str]:
    by_pk = {org.pk: key for key, org in orgs.items()}
    pks = list(queryset.values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "no organization twice"
    return {by_pk[pk] for pk in pks}


# --- organizations ---------------------------------------------------------------------------

SCOPES = [
    # who, sees, manages
    ("superuser", ALL_ORGS, ALL_ORGS),
    ("city_officer", ALL_ORGS, {"city_association"}),
    ("district_officer", SHINAN_ORGS, SHINAN_ORGS),
    (
        "street_officer",
        {"zhanshan_group", "yangkou_group", "zhanshan_institution"},
        {"zhanshan_group", "yangkou_group"},
    ),
    ("community_supervisor", {"zhanshan_group"}, set()),
    ("federation_staff", {"zhanshan_group", "yangkou_group"}, set()),
    ("organization_account", {"badaguan_society"}, set()),
    ("agency_manager", set(), set()),
    ("assessor", set(), set()),
    ("committee_member", set(), set()),
    ("no_role", set(), set()),
    ("inactive_officer", set(), set()),
    ("anonymous", set(), set()),
]


@pytest.mark.parametrize(("who", "sees", "manages"), SCOPES)
def test_organizations_for_user_follows_the_role(people, orgs, who, sees, manages):
    assert keys(organizations_for_user(people[who]), orgs) == sees


@pytest.mark.parametrize(("who", "sees", "manages"), SCOPES)
def test_manageable_organizations_for_user_follows_the_role(people, orgs, who, sees, manages):
    managed = keys(manageable_organizations_for_user(people[who]), orgs)
    assert managed == manages
    assert managed <= keys(organizations_for_user(people[who]), orgs), "one manages only what one sees"


def test_a_district_officer_also_sees_what_the_district_registered_outside_it(people, orgs, tree):
    elsewhere = create_org(street=tree.liaoning, name="市南区登记的外区组织", registration_authority=tree.district)
    officer = people["district_officer"]
    assert organizations_for_user(officer).filter(pk=elsewhere.pk).exists()
    assert manageable_organizations_for_user(officer).filter(pk=elsewhere.pk).exists()


def test_a_role_on_two_units_sees_both_without_duplicates(people, orgs, tree):
    officer = people["street_officer"]
    assign_unit_role(user=officer, role=Role.STREET_OFFICER, unit=tree.badaguan)
    assert keys(organizations_for_user(officer), orgs) == {
        "zhanshan_group",
        "yangkou_group",
        "zhanshan_institution",
        "badaguan_society",
        "badaguan_group",
        "city_association",
    }
    assert keys(manageable_organizations_for_user(officer), orgs) == {
        "zhanshan_group",
        "yangkou_group",
        "badaguan_group",
    }


def test_an_organization_account_moves_with_its_link(people, orgs):
    account = people["organization_account"]
    link_organization_account(user=account, organization=orgs["zhanshan_group"])
    assert keys(organizations_for_user(account), orgs) == {"zhanshan_group"}


# --- back-office access ----------------------------------------------------------------------

BACK_OFFICE = [
    ("superuser", True),
    ("city_officer", True),
    ("district_officer", True),
    ("street_officer", True),
    ("community_supervisor", True),
    ("federation_staff", True),
    ("agency_manager", True),
    ("assessor", True),
    ("committee_member", True),
    ("organization_account", False),
    ("no_role", False),
    ("inactive_officer", False),
    ("anonymous", False),
]


@pytest.mark.parametrize(("who", "allowed"), BACK_OFFICE)
def test_back_office_access_follows_the_roles(people, who, allowed):
    assert people[who].has_perm("wagtailadmin.access_admin") is allowed


# --- units -----------------------------------------------------------------------------------

UNIT_SCOPES = [
    ("superuser", ALL_UNITS),
    ("city_officer", ALL_UNITS),
    ("district_officer", SHINAN_UNITS),
    ("street_officer", ZHANSHAN_UNITS),
    ("community_supervisor", {"盐城路社区"}),
    ("federation_staff", ZHANSHAN_UNITS),
    ("organization_account", set()),
    ("agency_manager", set()),
    ("assessor", set()),
    ("committee_member", set()),
    ("no_role", set()),
    ("inactive_officer", set()),
    ("anonymous", set()),
]


@pytest.mark.parametrize(("who", "units"), UNIT_SCOPES)
def test_units_for_user_is_the_subtree_of_the_roles_units(people, who, units):
    assert set(units_for_user(people[who]).values_list("name", flat=True)) == units


@pytest.mark.parametrize(("who", "units"), UNIT_SCOPES)
def test_streets_for_user_are_the_streets_among_its_units(people, who, units):
    streets = set(streets_for_user(people[who]).values_list("name", flat=True))
    assert streets == {name for name in units if name.endswith("街道")}


# --- federations -----------------------------------------------------------------------------

FEDERATION_SCOPES = [
    ("superuser", BOTH_FEDERATIONS),
    ("city_officer", BOTH_FEDERATIONS),
    ("district_officer", BOTH_FEDERATIONS),
    ("street_officer", {"湛山街道社区社会组织联合会"}),
    ("federation_staff", {"湛山街道社区社会组织联合会"}),
    ("community_supervisor", set()),  # a community holds no street, so no federation
    ("organization_account", set()),
    ("agency_manager", set()),
    ("assessor", set()),
    ("committee_member", set()),
    ("no_role", set()),
    ("inactive_officer", set()),
    ("anonymous", set()),
]


@pytest.mark.parametrize(("who", "names"), FEDERATION_SCOPES)
def test_federations_for_user_follows_the_role(people, who, names):
    federations = list(federations_for_user(people[who]).values_list("name", flat=True))
    assert len(federations) == len(set(federations))
    assert set(federations) == names


def test_federation_staff_of_two_federations_see_both_streets_groups(people, orgs, federations):
    staff = people["federation_staff"]
    add_federation_staff(user=staff, federation=federations["badaguan"])
    assert keys(organizations_for_user(staff), orgs) == {"zhanshan_group", "yangkou_group", "badaguan_group"}
    assert set(federations_for_user(staff).values_list("name", flat=True)) == BOTH_FEDERATIONS


# --- rules permissions agree with the selectors ---------------------------------------------

AGREEING = [who for who, _sees, _manages in SCOPES]


@pytest.mark.parametrize("who", AGREEING)
def test_object_permissions_agree_with_the_selectors(people, orgs, who):
    user = people[who]
    visible = set(organizations_for_user(user).values_list("pk", flat=True))
    manageable = set(manageable_organizations_for_user(user).values_list("pk", flat=True))
    for key, organization in orgs.items():
        assert user.has_perm("registry.view_organization", organization) is (organization.pk in visible), key
        assert user.has_perm("registry.change_organization", organization) is (organization.pk in manageable), key


@pytest.mark.parametrize(
    ("who", "may_view", "may_change"),
    [
        ("district_officer", True, True),
        ("city_officer", True, True),
        ("street_officer", True, True),
        ("community_supervisor", True, False),
        ("federation_staff", True, False),
        ("organization_account", True, False),
        ("no_role", False, False),
        ("inactive_officer", False, False),
    ],
)
def test_model_permissions_without_an_object_follow_the_roles(people, who, may_view, may_change):
    user = people[who]
    assert user.has_perm("registry.view_organization") is may_view
    assert user.has_perm("registry.change_organization") is may_change


def test_nobody_but_a_superuser_may_delete_an_organization(people, orgs):
    organization = orgs["zhanshan_group"]
    assert people["superuser"].has_perm("registry.delete_organization", organization)
    assert not people["district_officer"].has_perm("registry.delete_organization", organization)


@pytest.fixture
def inactive_superuser(db):
    return UserFactory(username="retired_root", is_superuser=True, is_staff=True, is_active=False)


def test_an_inactive_superuser_sees_no_organization(inactive_superuser, orgs):
    assert not organizations_for_user(inactive_superuser).exists()
    assert not manageable_organizations_for_user(inactive_superuser).exists()
    assert not units_for_user(inactive_superuser).exists()


def test_an_inactive_superuser_has_no_permission_on_an_organization(inactive_superuser, orgs):
    organization = orgs["zhanshan_group"]
    assert not inactive_superuser.has_perm("registry.view_organization", organization)
    assert not inactive_superuser.has_perm("registry.change_organization", organization)
    assert not inactive_superuser.has_perm("wagtailadmin.access_admin")


def test_roles_granted_later_take_effect_on_the_same_user_object(people, orgs, tree):
    user = people["no_role"]
    assert not organizations_for_user(user).exists()
    assign_unit_role(user=user, role=Role.STREET_OFFICER, unit=tree.badaguan)
    assert keys(organizations_for_user(user), orgs) == {"badaguan_society", "badaguan_group", "city_association"}
    assert user.has_perm("wagtailadmin.access_admin")


# --- applications ----------------------------------------------------------------------------


@pytest.fixture
def applications(tree, orgs, people):
    """Applications of each kind, drafts and submitted ones, in both streets of 市南区."""
    founder, group_account = UserFactory(username="founder"), UserFactory(username="group_account")
    link_organization_account(user=group_account, organization=orgs["zhanshan_group"])
    filing = {"name": "新社区读书会", "address": "湛山路8号", "legal_representative": "张敏"}
    registration = {
        **filing,
        "name": "新书画研究会",
        "kind": OrganizationKind.SOCIAL_GROUP,
        "category": "public_welfare",
    }

    def application(applicant, kind, street, proposed, organization=None, submit=True):
        made = start_application(
            applicant=applicant, kind=kind, street=street, proposed=proposed, organization=organization
        )
        if submit:
            file_required_materials(made)
            made = act_on_application(application=made, action=ApplicationAction.SUBMIT, actor=applicant)
        return made

    zhanshan_filing = {**filing, "community": tree.yancheng.pk}
    account, society, group = people["organization_account"], orgs["badaguan_society"], orgs["zhanshan_group"]
    return {
        "filing_draft": application(founder, ApplicationKind.FILING, tree.zhanshan, zhanshan_filing, submit=False),
        "filing": application(founder, ApplicationKind.FILING, tree.zhanshan, zhanshan_filing),
        "registration_draft": application(
            founder, ApplicationKind.REGISTRATION, tree.zhanshan, registration, submit=False
        ),
        "registration": application(founder, ApplicationKind.REGISTRATION, tree.zhanshan, registration),
        "badaguan_filing": application(
            founder, ApplicationKind.FILING, tree.badaguan, {**filing, "community": tree.taipingjiao.pk}
        ),
        "society_change": application(
            account, ApplicationKind.CHANGE, tree.badaguan, {"address": "新址路1号"}, society
        ),
        "society_deregistration_draft": application(
            account, ApplicationKind.DEREGISTRATION, tree.badaguan, {"reason": "解散"}, society, submit=False
        ),
        "group_change": application(
            group_account, ApplicationKind.CHANGE, tree.zhanshan, {"address": "新址路2号"}, group
        ),
    }


SUBMITTED_IN_SHINAN = {"filing", "registration", "badaguan_filing", "society_change", "group_change"}
APPLICATION_SCOPES = [
    # Drafts are their applicant's alone, whoever else asks.
    ("superuser", SUBMITTED_IN_SHINAN),
    ("city_officer", {"registration"}),  # decides registrations; manages only what the city registered
    ("district_officer", SUBMITTED_IN_SHINAN),
    ("street_officer", {"filing", "group_change"}),  # its street's community groups, not registrations
    ("community_supervisor", set()),
    ("federation_staff", {"filing"}),  # the filings it pre-reviews, nothing else
    ("organization_account", {"society_change", "society_deregistration_draft"}),  # its own
    ("agency_manager", set()),
    ("assessor", set()),
    ("committee_member", set()),
    ("no_role", set()),
    ("inactive_officer", set()),
    ("anonymous", set()),
]


@pytest.mark.parametrize(("who", "sees"), APPLICATION_SCOPES)
def test_applications_for_user_follows_who_takes_part(people, applications, who, sees):
    by_pk = {application.pk: key for key, application in applications.items()}
    pks = list(applications_for_user(people[who]).values_list("pk", flat=True))
    assert len(pks) == len(set(pks)), "no application twice"
    assert {by_pk[pk] for pk in pks} == sees


@pytest.mark.parametrize("who", [who for who, _sees in APPLICATION_SCOPES if who != "anonymous"])
def test_whoever_may_act_on_an_application_sees_it(people, applications, who):
    user = people[who]
    visible = set(applications_for_user(user).values_list("pk", flat=True))
    for key, application in applications.items():
        if allowed_actions(user, application):
            assert application.pk in visible, key
