"""`manage.py load_demo_data`: the figures of the source text, valid identifiers, one user per role,
the same data for the same seed, and nothing new on a second run."""

import io
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Max

from federation.models import Federation
from portal.demo import ADMIN_URL, DEMO_PASSWORD, DEMO_USERS, SITE_URL, load_demo_data
from registry.access import held_roles
from registry.demo import OtherSeedLoaded, demo_random, plan_organizations, source_era_streets
from registry.enums import Category, FieldOfActivity, OrganizationKind, Role, UnitLevel
from registry.models import AdministrativeUnit, Organization, OrganizationChange, UnitRole
from registry.validators import FILING_NUMBER_RE, validate_resident_id, validate_uscc_for_kind

SEED = 2026
ZHANSHAN = "370202010"


def organizations():
    return Organization.objects.select_related("street", "community", "registration_authority")


def names_planned(seed: int) -> list[str]:
    return [plan.name for plan in plan_organizations(demo_random(seed, "organizations"), source_era_streets())]


def test_plan_is_the_same_for_a_seed_and_differs_for_another():
    assert names_planned(SEED) == names_planned(SEED)
    assert set(names_planned(SEED)) != set(names_planned(SEED + 1))


@pytest.mark.django_db
def test_counts_are_those_of_the_source_text(demo):
    assert Counter(Organization.objects.values_list("kind", flat=True)) == {
        OrganizationKind.SOCIAL_GROUP: 56,
        OrganizationKind.SERVICE_INSTITUTION: 155,
        OrganizationKind.COMMUNITY_GROUP: 365,
    }
    streets = AdministrativeUnit.objects.filter(level=UnitLevel.STREET)
    assert sorted(streets.values_list("name", flat=True)) == sorted(row.name for row in source_era_streets())
    assert not streets.filter(code="370202011").exists()  # 金湖路 came after the source text
    assert AdministrativeUnit.objects.get(code="370202010001").name == "盐城路社区"
    assert AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNITY).count() == sum(
        len(row.communities) for row in source_era_streets()
    )
    assert Federation.objects.count() == 10
    assert set(Federation.objects.values_list("street__code", flat=True)) == set(streets.values_list("code", flat=True))
    assert Federation.objects.get(street__code=ZHANSHAN).name == "湛山街道社区社会组织联合会"
    assert all(date(2019, 1, 1) <= f.founded_on <= date(2021, 12, 31) for f in Federation.objects.all())


@pytest.mark.django_db
def test_identifiers_are_valid_and_filing_numbers_have_no_gaps(demo):
    numbers_by_year = {}
    for organization in organizations():
        if organization.kind == OrganizationKind.COMMUNITY_GROUP:
            year, number = FILING_NUMBER_RE.match(organization.filing_number).groups()
            numbers_by_year.setdefault(year, []).append(int(number))
        else:
            validate_uscc_for_kind(organization.uscc, organization.kind)
        validate_resident_id(organization.legal_representative_id_number)
    assert all(sorted(numbers) == list(range(1, len(numbers) + 1)) for numbers in numbers_by_year.values())


@pytest.mark.django_db
def test_every_organization_sits_in_a_community_of_its_street(demo):
    for organization in organizations():
        assert organization.street.level == UnitLevel.STREET
        assert organization.community.get_parent() == organization.street
        assert organization.address.startswith("青岛市市南区")


@pytest.mark.django_db
def test_registered_facts_follow_the_kind(demo):
    registered = [o for o in organizations() if o.kind != OrganizationKind.COMMUNITY_GROUP]
    groups = [o for o in organizations() if o.kind == OrganizationKind.COMMUNITY_GROUP]
    assert all(o.category == "" and o.registration_authority is None and o.registered_capital is None for o in groups)
    assert all(date(2012, 1, 1) <= o.founded_on <= date(2025, 12, 31) for o in groups)
    assert all(date(1995, 1, 1) <= o.founded_on <= date(2025, 12, 31) for o in registered)
    authorities = Counter((o.kind, o.registration_authority.code) for o in registered)
    assert authorities[(OrganizationKind.SOCIAL_GROUP, "370200")] == 4
    assert authorities[(OrganizationKind.SERVICE_INSTITUTION, "370200")] == 0
    supervised = [o for o in registered if o.category == Category.OTHER]
    assert 0.10 <= len(supervised) / len(registered) <= 0.20
    assert all(o.supervising_unit and "字〔" in o.supervising_approval_number for o in supervised)
    for o in registered:
        low, high = (30_000, 100_000) if o.kind == OrganizationKind.SOCIAL_GROUP else (30_000, 2_000_000)
        assert Decimal(low) <= o.registered_capital <= Decimal(high)
        assert (o.member_count is not None) == (o.kind == OrganizationKind.SOCIAL_GROUP)


@pytest.mark.django_db
def test_names_are_unique_and_fields_of_activity_all_used(demo):
    names = list(Organization.objects.values_list("name", flat=True))
    assert len(names) == len(set(names))
    fields_per_organization = Counter(Organization.activity_fields.through.objects.values_list("organization_id"))
    assert len(fields_per_organization) == len(names)
    assert set(fields_per_organization.values()) <= {1, 2}
    used = set(Organization.objects.values_list("activity_fields__code", flat=True))
    assert used == set(FieldOfActivity.values)


@pytest.mark.django_db
def test_names_the_demos_look_for_are_present(demo):
    assert Organization.objects.filter(name__contains="颐和老年公寓养老服务中心").count() == 1
    assert Organization.objects.filter(street__code=ZHANSHAN, name__contains="志愿者").count() >= 3
    for kind in OrganizationKind.values:
        if kind != OrganizationKind.FOUNDATION:
            assert Organization.objects.filter(kind=kind, name__contains="养老").exists()


@pytest.mark.django_db
def test_names_are_those_planned_for_the_seed(demo):
    assert sorted(Organization.objects.values_list("name", flat=True)) == sorted(names_planned(SEED))


@pytest.mark.django_db
def test_second_run_creates_and_changes_nothing(demo):
    def state():
        return (
            sorted((o.identifier, o.name) for o in Organization.objects.all()),
            Organization.objects.aggregate(Max("updated_at")),
            AdministrativeUnit.objects.count(),
            Federation.objects.count(),
            sorted(get_user_model().objects.values_list("username", "password")),
            UnitRole.objects.count(),
        )

    before = state()
    assert load_demo_data(SEED, io.StringIO()) == dict.fromkeys(demo, 0)
    assert state() == before
    assert not OrganizationChange.objects.exists()


@pytest.mark.django_db
def test_another_seed_on_top_is_refused_and_writes_nothing(demo):
    count = Organization.objects.count()
    with pytest.raises(OtherSeedLoaded):
        load_demo_data(SEED + 1, io.StringIO())
    assert Organization.objects.count() == count


@pytest.mark.django_db
def test_every_role_has_a_demo_user_who_holds_it(demo):
    by_role = {spec.role: spec for spec in DEMO_USERS}
    assert set(Role.values) <= set(by_role)
    for role in Role:
        user = get_user_model().objects.get(username=by_role[role].username)
        assert role in {held.role for held in held_roles(user)}, role
        assert user.check_password(DEMO_PASSWORD)
        assert user.email.endswith("@example.com") and user.last_name
    admin = get_user_model().objects.get(username=by_role[None].username)
    assert admin.is_superuser and admin.is_staff
    account = get_user_model().objects.get(username=by_role[Role.ORGANIZATION_ACCOUNT].username)
    organization = account.organization_account.organization
    assert organization.kind == OrganizationKind.SOCIAL_GROUP and organization.street.code == ZHANSHAN


@pytest.mark.django_db
def test_command_prints_the_addresses_and_the_logins(demo):
    out = io.StringIO()
    call_command("load_demo_data", stdout=out)
    output = out.getvalue()
    assert SITE_URL in output and ADMIN_URL in output and DEMO_PASSWORD in output
    for spec in DEMO_USERS:
        assert spec.username in output and spec.where in output
    assert "社区社会监督员" in output and "盐城路社区（湛山街道）" in output
