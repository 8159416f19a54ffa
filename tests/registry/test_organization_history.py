"""`update_organization` keeps the history of registered facts: one record per changed field, with
who changed it and the old and new values as people read them; refusals change nothing."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from stdnum.cn import ric

from registry.enums import Category, OrganizationKind, OrganizationStatus, Role
from registry.models import ActivityField, Organization, OrganizationChange
from registry.services.organizations import update_organization
from tests.factories import create_org

pytestmark = pytest.mark.django_db


def resident_id(first_17: str) -> str:
    return first_17 + ric.calc_check_digit(first_17 + "0")


OLD_ID = resident_id("37020219880808123")
NEW_ID = resident_id("37020219920202456")


@pytest.fixture
def district_officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


@pytest.fixture
def society(tree):
    return create_org(
        street=tree.zhanshan,
        community=tree.yancheng,
        name="湛山书画研究会",
        category=Category.PUBLIC_WELFARE,
        address="湛山路1号",
        registered_capital=Decimal("30000.00"),
        legal_representative="王建国",
        legal_representative_id_number=OLD_ID,
        legal_representative_phone="13800000001",
        activity_codes=["education", "culture"],
    )


@pytest.fixture
def group(tree):
    return create_org(
        street=tree.zhanshan, community=tree.yancheng, name="盐城路志愿者服务队", kind=OrganizationKind.COMMUNITY_GROUP
    )


def history(organization) -> dict[str, OrganizationChange]:
    changes = list(OrganizationChange.objects.filter(organization=organization))
    by_field = {change.field: change for change in changes}
    assert len(by_field) == len(changes), "one record per field"
    return by_field


def stored(organization) -> dict:
    """What the database holds for the organization, activity fields included."""
    fresh = Organization.objects.get(pk=organization.pk)
    values = {field.attname: getattr(fresh, field.attname) for field in Organization._meta.concrete_fields}
    values.pop("updated_at")
    values["activity_fields"] = sorted(fresh.activity_fields.values_list("code", flat=True))
    return values


def test_organizations_are_created_without_history(society):
    assert history(society) == {}


def test_a_status_change_is_recorded_with_chinese_labels_and_the_actor(society, district_officer):
    updated, changes = update_organization(
        organization=society,
        actor=district_officer,
        data={"status": OrganizationStatus.ABNORMAL},
        source="后台编辑",
    )
    assert updated.status == OrganizationStatus.ABNORMAL
    assert Organization.objects.get(pk=society.pk).status == OrganizationStatus.ABNORMAL
    assert len(changes) == 1
    change = history(society)["status"]
    assert (change.old_value, change.new_value) == ("正常", "活动异常")
    assert change.changed_by == district_officer
    assert change.is_public
    assert change.source == "后台编辑"
    assert change.changed_at is not None
    assert change.field_label == "状态"


def test_only_changed_fields_are_recorded(society, district_officer):
    update_organization(
        organization=society,
        actor=district_officer,
        data={
            "name": "湛山书画研究会",  # unchanged
            "address": "湛山路2号",
            "category": Category.PUBLIC_WELFARE,  # unchanged
            "registered_capital": Decimal("50000.00"),
        },
        source="后台编辑",
    )
    records = history(society)
    assert set(records) == {"address", "registered_capital"}
    assert (records["address"].old_value, records["address"].new_value) == ("湛山路1号", "湛山路2号")
    assert (records["registered_capital"].old_value, records["registered_capital"].new_value) == (
        "30000.00",
        "50000.00",
    )


def test_an_update_that_changes_nothing_records_nothing(society, district_officer):
    _updated, changes = update_organization(
        organization=society,
        actor=district_officer,
        data={"name": society.name, "status": society.status, "street": society.street},
        activity_fields=ActivityField.objects.filter(code__in=["culture", "education"]),
        source="后台编辑",
    )
    assert changes == []
    assert history(society) == {}


def test_a_category_change_is_recorded_by_label(society, district_officer):
    update_organization(
        organization=society, actor=district_officer, data={"category": Category.SCIENCE_TECHNOLOGY}, source="后台编辑"
    )
    change = history(society)["category"]
    assert (change.old_value, change.new_value) == ("公益慈善类", "科技类")


def test_a_move_records_street_and_community_by_name(society, district_officer, tree):
    update_organization(
        organization=society,
        actor=district_officer,
        data={"street": tree.badaguan, "community": tree.taipingjiao},
        source="后台编辑",
    )
    records = history(society)
    assert set(records) == {"street", "community"}
    assert (records["street"].old_value, records["street"].new_value) == ("湛山街道", "八大关街道")
    assert (records["community"].old_value, records["community"].new_value) == ("盐城路社区", "太平角社区")


def test_clearing_a_value_records_an_empty_new_value(society, district_officer):
    update_organization(organization=society, actor=district_officer, data={"community": None}, source="后台编辑")
    change = history(society)["community"]
    assert (change.old_value, change.new_value) == ("盐城路社区", "")


def test_activity_fields_are_recorded_as_labels_joined_by_the_enumeration_comma(society, district_officer):
    _updated, changes = update_organization(
        organization=society,
        actor=district_officer,
        data={},
        activity_fields=ActivityField.objects.filter(code__in=["elderly_care", "health", "culture"]),
        source="后台编辑",
    )
    assert [change.field for change in changes] == ["activity_fields"]
    change = history(society)["activity_fields"]
    assert set(change.old_value.split("、")) == {"教育", "文化"}
    assert set(change.new_value.split("、")) == {"养老服务", "卫生健康", "文化"}
    assert sorted(Organization.objects.get(pk=society.pk).activity_fields.values_list("code", flat=True)) == [
        "culture",
        "elderly_care",
        "health",
    ]


def test_activity_fields_left_out_are_not_touched(society, district_officer):
    update_organization(organization=society, actor=district_officer, data={"address": "湛山路3号"}, source="后台编辑")
    assert "activity_fields" not in history(society)
    assert sorted(Organization.objects.get(pk=society.pk).activity_fields.values_list("code", flat=True)) == [
        "culture",
        "education",
    ]


def test_private_fields_are_recorded_masked_and_not_public(society, district_officer):
    update_organization(
        organization=society,
        actor=district_officer,
        data={"legal_representative_phone": "13900000002", "legal_representative": "李红"},
        source="后台编辑",
    )
    records = history(society)
    phone = records["legal_representative_phone"]
    assert not phone.is_public
    assert (phone.old_value, phone.new_value) == ("138****0001", "139****0002")  # no personal data in history
    assert records["legal_representative"].is_public
    assert (records["legal_representative"].old_value, records["legal_representative"].new_value) == ("王建国", "李红")


def test_the_id_number_is_recorded_only_masked_and_not_public(society, district_officer):
    update_organization(
        organization=society,
        actor=district_officer,
        data={"legal_representative_id_number": NEW_ID},
        source="后台编辑",
    )
    assert Organization.objects.get(pk=society.pk).legal_representative_id_number == NEW_ID
    change = history(society)["legal_representative_id_number"]
    assert not change.is_public
    assert change.old_value == OLD_ID[:6] + "********" + OLD_ID[-4:]
    assert change.new_value == NEW_ID[:6] + "********" + NEW_ID[-4:]
    for full in (OLD_ID, NEW_ID):
        assert not OrganizationChange.objects.filter(old_value__contains=full[6:14]).exists()
        assert not OrganizationChange.objects.filter(new_value__contains=full[6:14]).exists()


def test_history_compares_with_what_is_stored_not_with_the_callers_modified_instance(society, district_officer):
    society.name = "湛山书画院"  # as a bound ModelForm leaves the instance before the service runs
    update_organization(organization=society, actor=district_officer, data={"name": "湛山书画院"}, source="后台编辑")
    change = history(society)["name"]
    assert (change.old_value, change.new_value) == ("湛山书画研究会", "湛山书画院")


def test_a_street_officer_records_changes_to_a_community_group_of_its_street(group, make_officer, tree):
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    update_organization(
        organization=group, actor=officer, data={"status": OrganizationStatus.LAPSED}, source="后台编辑"
    )
    change = history(group)["status"]
    assert (change.old_value, change.new_value, change.changed_by) == ("已备案", "备案失效", officer)


def test_a_street_officer_of_another_street_is_refused_and_nothing_changes(group, make_officer, tree):
    outsider = make_officer(Role.STREET_OFFICER, tree.badaguan)
    before = stored(group)
    with pytest.raises(ValidationError) as caught:
        update_organization(
            organization=group, actor=outsider, data={"name": "改名的服务队", "address": "某路9号"}, source="后台编辑"
        )
    assert caught.value.message_dict["street"] == ["您无权登记或修改该街道、该类型的组织。"]
    assert stored(group) == before
    assert history(group) == {}


def test_a_street_officer_may_not_change_a_registered_organization_of_its_own_street(society, make_officer, tree):
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    before = stored(society)
    with pytest.raises(ValidationError):
        update_organization(
            organization=society, actor=officer, data={"status": OrganizationStatus.ABNORMAL}, source="后台编辑"
        )
    assert stored(society) == before
    assert history(society) == {}


def test_a_street_officer_may_not_move_a_group_out_of_its_street(group, make_officer, tree):
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    before = stored(group)
    with pytest.raises(ValidationError) as caught:
        update_organization(
            organization=group,
            actor=officer,
            data={"street": tree.badaguan, "community": tree.taipingjiao},
            source="后台编辑",
        )
    assert "street" in caught.value.message_dict
    assert stored(group) == before
    assert history(group) == {}


def test_a_community_supervisor_is_refused(group, make_officer, tree):
    supervisor = make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng)
    before = stored(group)
    with pytest.raises(ValidationError):
        update_organization(organization=group, actor=supervisor, data={"address": "某路9号"}, source="后台编辑")
    assert stored(group) == before
    assert history(group) == {}


def test_a_failing_validation_leaves_the_stored_organization_unchanged(society, district_officer, tree):
    before = stored(society)
    with pytest.raises(ValidationError) as caught:
        update_organization(
            organization=society,
            actor=district_officer,
            data={"address": "湛山路9号", "category": Category.OTHER, "supervising_unit": ""},
            activity_fields=ActivityField.objects.filter(code="sports"),
            source="后台编辑",
        )
    assert set(caught.value.message_dict) == {"supervising_unit"}
    assert stored(society) == before
    assert history(society) == {}


def test_a_community_of_another_street_leaves_the_stored_organization_unchanged(society, district_officer, tree):
    before = stored(society)
    with pytest.raises(ValidationError) as caught:
        update_organization(
            organization=society, actor=district_officer, data={"community": tree.taipingjiao}, source="后台编辑"
        )
    assert caught.value.message_dict["community"] == ["社区“太平角社区”不属于湛山街道。"]
    assert stored(society) == before
    assert history(society) == {}
