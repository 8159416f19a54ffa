"""The rules an organization's facts obey: in `Organization.clean()` (run by the services through
`full_clean()`) and, for the identifiers and the capital, in database constraints as well."""

from decimal import Decimal

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from stdnum.cn import ric

from registry.enums import Category, OrganizationKind, OrganizationStatus
from registry.models import Organization
from registry.services.organizations import create_organization, update_organization
from tests.factories import create_org, make_filing_number, make_uscc

pytestmark = pytest.mark.django_db


def registered_data(tree, **overrides) -> dict:
    data = {
        "name": "湛山社区养老服务协会",
        "kind": OrganizationKind.SOCIAL_GROUP,
        "uscc": make_uscc(OrganizationKind.SOCIAL_GROUP),
        "category": Category.COMMUNITY_SERVICE,
        "status": OrganizationStatus.ACTIVE,
        "registration_authority": tree.district,
        "street": tree.zhanshan,
        "community": tree.yancheng,
    }
    data.update(overrides)
    return data


def community_group_data(tree, **overrides) -> dict:
    data = {
        "name": "盐城路社区志愿者服务队",
        "kind": OrganizationKind.COMMUNITY_GROUP,
        "filing_number": make_filing_number(),
        "status": OrganizationStatus.FILED,
        "street": tree.zhanshan,
        "community": tree.yancheng,
    }
    data.update(overrides)
    return data


def refused(data) -> dict[str, list[str]]:
    """Create through the service and return the refusal's messages per field; nothing is stored."""
    count = Organization.objects.count()
    with pytest.raises(ValidationError) as caught:
        create_organization(actor=None, data=data, source="测试")
    assert Organization.objects.count() == count
    return caught.value.message_dict


# --- community groups --------------------------------------------------------------------------


def test_a_community_group_is_created_with_a_filing_number_and_no_credit_code(tree):
    filing_number = make_filing_number(number=7, year=2026)
    organization = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, filing_number=filing_number)
    organization.refresh_from_db()
    assert organization.filing_number == filing_number
    assert organization.uscc is None
    assert organization.identifier == filing_number


def test_a_community_group_without_a_filing_number_is_refused(tree):
    errors = refused(community_group_data(tree, filing_number=""))
    assert errors["filing_number"] == ["社区社会组织须有备案编号。"]


def test_a_community_group_with_a_credit_code_is_refused(tree):
    errors = refused(community_group_data(tree, uscc=make_uscc(OrganizationKind.SOCIAL_GROUP)))
    assert errors["uscc"] == ["社区社会组织不使用统一社会信用代码，请填写备案编号。"]


def test_a_community_group_with_a_malformed_filing_number_is_refused(tree):
    errors = refused(community_group_data(tree, filing_number="市南备字2026-1"))
    assert "市南备字〔2026〕第0001号" in errors["filing_number"][0]


def test_a_community_group_needs_no_category(tree):
    organization = create_organization(actor=None, data=community_group_data(tree), source="测试")
    assert organization.category == ""


# --- registered kinds --------------------------------------------------------------------------


@pytest.mark.parametrize("kind", OrganizationKind.registered())
def test_a_registered_kind_is_created_with_a_credit_code_of_its_kind(tree, kind):
    uscc = make_uscc(kind)
    organization = create_org(street=tree.zhanshan, kind=kind, uscc=uscc)
    organization.refresh_from_db()
    assert organization.uscc == uscc
    assert organization.filing_number is None
    assert organization.identifier == uscc


def test_a_registered_kind_without_a_credit_code_is_refused(tree):
    errors = refused(registered_data(tree, uscc=""))
    assert errors["uscc"] == ["登记的组织须填写统一社会信用代码。"]


def test_a_registered_kind_with_a_filing_number_is_refused(tree):
    errors = refused(registered_data(tree, filing_number=make_filing_number()))
    assert errors["filing_number"] == ["登记的组织不使用备案编号。"]


def test_a_credit_code_of_another_kind_is_refused(tree):
    data = registered_data(
        tree, kind=OrganizationKind.SERVICE_INSTITUTION, uscc=make_uscc(OrganizationKind.SOCIAL_GROUP)
    )
    errors = refused(data)
    assert len(errors["uscc"]) == 1
    assert "民办非企业单位" in errors["uscc"][0]
    assert "第2位为1" in errors["uscc"][0]


def test_a_credit_code_with_a_wrong_check_character_is_refused(tree):
    errors = refused(registered_data(tree, uscc="51370000MJD6217312"))
    assert "校验位" in errors["uscc"][0]


def test_a_foundation_code_is_accepted_for_a_foundation(tree):
    organization = create_organization(
        actor=None,
        data=registered_data(tree, kind=OrganizationKind.FOUNDATION, uscc="53100000500019795A"),
        source="测试",
    )
    assert organization.uscc == "53100000500019795A"


def test_a_lower_case_credit_code_is_stored_upper_case(tree):
    organization = create_organization(actor=None, data=registered_data(tree, uscc="51370000mjd6217311"), source="测试")
    organization.refresh_from_db()
    assert organization.uscc == "51370000MJD6217311"


def test_a_registered_kind_without_a_category_is_refused(tree):
    errors = refused(registered_data(tree, category=""))
    assert errors["category"] == ["登记的组织须选择类别。"]


@pytest.mark.parametrize("category", Category.direct_registration())
def test_a_direct_registration_category_needs_no_supervising_unit(tree, category):
    organization = create_org(street=tree.zhanshan, category=category, supervising_unit="")
    assert organization.category == category
    assert not organization.needs_supervising_unit


def test_category_other_without_a_supervising_unit_is_refused(tree):
    errors = refused(registered_data(tree, category=Category.OTHER, supervising_unit=""))
    assert errors["supervising_unit"] == ["不属于直接登记类别的组织须填写业务主管单位。"]


def test_category_other_with_a_supervising_unit_is_accepted(tree):
    organization = create_org(
        street=tree.zhanshan,
        category=Category.OTHER,
        supervising_unit="市南区教育和体育局",
        supervising_approval_number="南教体字〔2025〕12号",
    )
    organization.refresh_from_db()
    assert organization.supervising_unit == "市南区教育和体育局"
    assert organization.needs_supervising_unit


# --- location and authority --------------------------------------------------------------------


def test_a_community_of_another_street_is_refused_naming_community_and_street(tree):
    errors = refused(registered_data(tree, street=tree.zhanshan, community=tree.taipingjiao))
    assert errors["community"] == ["社区“太平角社区”不属于湛山街道。"]


def test_a_community_of_its_street_is_accepted(tree):
    organization = create_org(street=tree.badaguan, community=tree.taipingjiao)
    organization.refresh_from_db()
    assert (organization.street, organization.community) == (tree.badaguan, tree.taipingjiao)


def test_the_street_must_be_a_street(tree):
    errors = refused(registered_data(tree, street=tree.district, community=None))
    assert errors["street"] == ["请选择街道。"]


def test_the_registration_authority_must_be_a_city_or_district(tree):
    errors = refused(registered_data(tree, registration_authority=tree.zhanshan))
    assert errors["registration_authority"] == ["登记管理机关应为市级或区级单位。"]


def test_a_city_may_be_the_registration_authority(tree):
    organization = create_org(street=tree.badaguan, registration_authority=tree.city)
    assert organization.registration_authority == tree.city


# --- capital and uniqueness --------------------------------------------------------------------


def test_negative_registered_capital_is_refused(tree):
    errors = refused(registered_data(tree, registered_capital=Decimal("-1.00")))
    assert errors[NON_FIELD_ERRORS] == ["开办资金不能为负数。"]


def test_zero_registered_capital_is_accepted(tree):
    organization = create_org(street=tree.zhanshan, registered_capital=Decimal("0"))
    organization.refresh_from_db()
    assert organization.registered_capital == Decimal("0.00")


def test_a_duplicate_credit_code_is_refused_with_a_chinese_message(tree):
    uscc = make_uscc(OrganizationKind.SOCIAL_GROUP)
    create_org(street=tree.zhanshan, uscc=uscc, name="第一个组织")
    errors = refused(registered_data(tree, uscc=uscc, name="第二个组织"))
    assert errors["uscc"] == ["该统一社会信用代码已被其他组织使用。"]


def test_a_duplicate_credit_code_in_lower_case_is_refused(tree):
    create_org(street=tree.zhanshan, uscc="51370000MJD6217311")
    errors = refused(registered_data(tree, uscc="51370000mjd6217311"))
    assert errors["uscc"] == ["该统一社会信用代码已被其他组织使用。"]


def test_a_duplicate_filing_number_is_refused(tree):
    filing_number = make_filing_number()
    create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP, filing_number=filing_number)
    errors = refused(community_group_data(tree, filing_number=filing_number))
    assert errors["filing_number"] == ["该备案编号已被其他组织使用。"]


def test_an_organization_may_keep_its_own_credit_code_on_update(tree):
    organization = create_org(street=tree.zhanshan)
    updated, changes = update_organization(
        organization=organization, actor=None, data={"uscc": organization.uscc, "address": "东海西路1号"}, source="测试"
    )
    assert updated.address == "东海西路1号"
    assert [change.field for change in changes] == ["address"]


# --- database constraints, bypassing validation ------------------------------------------------


def bare(tree, **fields) -> dict:
    return {"name": "绕过校验的组织", "street": tree.zhanshan, **fields}


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(
            {"kind": OrganizationKind.COMMUNITY_GROUP, "uscc": "51370000MJD6217311"},
            id="community-group-with-uscc-and-no-filing-number",
        ),
        pytest.param(
            {"kind": OrganizationKind.COMMUNITY_GROUP, "uscc": None, "filing_number": None},
            id="community-group-without-any-identifier",
        ),
        pytest.param(
            {
                "kind": OrganizationKind.COMMUNITY_GROUP,
                "uscc": "51370000MJD6217311",
                "filing_number": "市南备字〔2026〕第0001号",
            },
            id="community-group-with-both",
        ),
        pytest.param(
            {"kind": OrganizationKind.SOCIAL_GROUP, "filing_number": "市南备字〔2026〕第0001号"},
            id="social-group-with-filing-number-and-no-uscc",
        ),
        pytest.param({"kind": OrganizationKind.FOUNDATION}, id="foundation-without-any-identifier"),
        pytest.param(
            {"kind": OrganizationKind.SOCIAL_GROUP, "uscc": "51370000MJD6217311", "registered_capital": Decimal("-5")},
            id="negative-capital",
        ),
        pytest.param({"kind": "company", "uscc": "91370202MA3C00000G"}, id="unknown-kind"),
    ],
)
def test_database_constraints_hold_when_validation_is_bypassed(tree, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(**bare(tree, **fields))
    assert not Organization.objects.filter(name="绕过校验的组织").exists()


def test_database_accepts_rows_that_satisfy_the_constraints(tree):
    Organization.objects.create(
        **bare(tree, kind=OrganizationKind.COMMUNITY_GROUP, filing_number="市南备字〔2026〕第0001号")
    )
    Organization.objects.create(
        **bare(tree, kind=OrganizationKind.SOCIAL_GROUP, uscc="51370000MJD6217311", registered_capital=Decimal("0"))
    )
    assert Organization.objects.filter(name="绕过校验的组织").count() == 2


def test_database_refuses_a_duplicate_credit_code(tree):
    Organization.objects.create(**bare(tree, kind=OrganizationKind.SOCIAL_GROUP, uscc="51370000MJD6217311"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(**bare(tree, kind=OrganizationKind.SOCIAL_GROUP, uscc="51370000MJD6217311"))
    assert Organization.objects.filter(uscc="51370000MJD6217311").count() == 1


# --- the legal representative's ID number ------------------------------------------------------


def test_a_valid_resident_id_number_is_accepted(tree):
    id_number = "37020219900101123" + ric.calc_check_digit("37020219900101123" + "0")
    organization = create_org(street=tree.zhanshan, legal_representative_id_number=id_number)
    organization.refresh_from_db()
    assert organization.legal_representative_id_number == id_number


def test_the_services_refuse_an_invalid_resident_id_number(tree):
    errors = refused(registered_data(tree, legal_representative_id_number="123"))
    assert "legal_representative_id_number" in errors
