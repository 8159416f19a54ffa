"""The administrative tree (`add_unit`), unit roles (`assign_unit_role`) and gapless numbering
(`allocate_number`, `allocate_filing_number`)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from registry.enums import Role, UnitLevel
from registry.models import AdministrativeUnit, NumberSequence, UnitRole
from registry.selectors.units import communities_of, streets, unit_by_name
from registry.services.numbering import FILING_SERIES, allocate_filing_number, allocate_number
from registry.services.roles import assign_unit_role
from registry.services.units import add_unit
from registry.validators import validate_filing_number
from tests.factories import UserFactory


def refusal(**kwargs) -> dict[str, list[str]]:
    count = AdministrativeUnit.objects.count()
    with pytest.raises(ValidationError) as caught:
        add_unit(**kwargs)
    assert AdministrativeUnit.objects.count() == count
    return caught.value.message_dict


# --- add_unit ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_street_directly_under_a_city_is_refused(tree):
    errors = refusal(parent=tree.city, code="370200099", name="越级街道", level=UnitLevel.STREET)
    assert errors["level"] == ["青岛市的下级应为区。"]


@pytest.mark.django_db
def test_a_second_root_must_be_a_city(tree):
    errors = refusal(parent=None, code="370203", name="无上级的区", level=UnitLevel.DISTRICT)
    assert errors["level"] == ["只有市级单位可以没有上级单位。"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("parent", "code", "level", "message"),
    [
        ("district", "37020201", UnitLevel.STREET, "街道的区划代码应为9位数字。"),
        ("district", "3702020111", UnitLevel.STREET, "街道的区划代码应为9位数字。"),
        ("district", "37020201A", UnitLevel.STREET, "街道的区划代码应为9位数字。"),
        ("zhanshan", "370202010", UnitLevel.COMMUNITY, "社区的区划代码应为12位数字。"),
        ("city", "3702031", UnitLevel.DISTRICT, "区的区划代码应为6位数字。"),
    ],
)
def test_a_wrongly_sized_code_is_refused(tree, parent, code, level, message):
    errors = refusal(parent=getattr(tree, parent), code=code, name="新单位", level=level)
    assert errors["code"] == [message]


@pytest.mark.django_db
def test_a_community_code_must_start_with_its_streets_code(tree):
    errors = refusal(parent=tree.zhanshan, code="370202009003", name="韶关路社区", level=UnitLevel.COMMUNITY)
    assert errors["code"] == ["区划代码应以上级单位的代码370202010开头。"]


@pytest.mark.django_db
def test_a_street_code_must_start_with_its_districts_code(tree):
    errors = refusal(parent=tree.district, code="370203011", name="外区街道", level=UnitLevel.STREET)
    assert errors["code"] == ["区划代码应以上级单位的代码370202开头。"]


@pytest.mark.django_db
def test_a_duplicate_code_is_refused(tree):
    with pytest.raises(ValidationError) as caught:
        add_unit(parent=tree.district, code="370202010", name="另一个湛山", level=UnitLevel.STREET)
    assert "code" in caught.value.message_dict
    assert AdministrativeUnit.objects.filter(code="370202010").get().name == "湛山街道"


@pytest.mark.django_db
def test_a_new_street_is_data_only_and_is_found_everywhere_streets_are_listed(tree):
    paths_before = dict(AdministrativeUnit.objects.values_list("code", "path"))

    jinhu = add_unit(parent=tree.district, code="370202011", name="金湖路街道", level=UnitLevel.STREET)

    assert jinhu.get_parent() == tree.district
    assert jinhu.level == UnitLevel.STREET
    assert set(streets().values_list("name", flat=True)) == {"湛山街道", "八大关街道", "金湖路街道"}
    assert unit_by_name("金湖路", level=UnitLevel.STREET) == jinhu
    assert unit_by_name("金湖路街道", level=UnitLevel.STREET) == jinhu
    assert unit_by_name("金湖路", level=UnitLevel.COMMUNITY) is None
    district = AdministrativeUnit.objects.get(pk=tree.district.pk)
    assert {unit.code for unit in district.get_children()} == {"370202009", "370202010", "370202011"}
    # The units already there keep their place in the tree, and the streets their communities.
    paths_after = dict(AdministrativeUnit.objects.values_list("code", "path"))
    assert {code: paths_after[code] for code in paths_before} == paths_before
    zhanshan = AdministrativeUnit.objects.get(code="370202010")
    assert set(communities_of(zhanshan).values_list("name", flat=True)) == {"盐城路社区", "仰口路社区"}


@pytest.mark.django_db
def test_communities_can_be_added_under_a_new_street(tree):
    jinhu = add_unit(parent=tree.district, code="370202011", name="金湖路街道", level=UnitLevel.STREET)
    community = add_unit(parent=jinhu, code="370202011001", name="金湖路社区", level=UnitLevel.COMMUNITY)
    assert community.get_parent() == AdministrativeUnit.objects.get(pk=jinhu.pk)
    assert unit_by_name("金湖路", level=UnitLevel.COMMUNITY, within=jinhu) == community
    assert unit_by_name("金湖路", level=UnitLevel.COMMUNITY, within=tree.zhanshan) is None


# --- assign_unit_role ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_street_officer_role_on_a_community_is_refused_naming_the_level(tree):
    user = UserFactory()
    with pytest.raises(ValidationError) as caught:
        assign_unit_role(user=user, role=Role.STREET_OFFICER, unit=tree.yancheng)
    assert caught.value.message_dict["unit"] == ["街道工作人员须授予在街道级单位上。"]
    assert not UnitRole.objects.filter(user=user).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "unit", "level"),
    [
        (Role.CITY_OFFICER, "district", "市"),
        (Role.DISTRICT_OFFICER, "city", "区"),
        (Role.COMMUNITY_SUPERVISOR, "zhanshan", "社区"),
    ],
)
def test_each_unit_role_is_held_only_at_its_level(tree, role, unit, level):
    with pytest.raises(ValidationError) as caught:
        assign_unit_role(user=UserFactory(), role=role, unit=getattr(tree, unit))
    assert f"须授予在{level}级单位上" in caught.value.message_dict["unit"][0]


@pytest.mark.django_db
def test_assign_unit_role_is_idempotent(tree):
    user = UserFactory()
    first = assign_unit_role(user=user, role=Role.STREET_OFFICER, unit=tree.zhanshan)
    second = assign_unit_role(user=user, role=Role.STREET_OFFICER, unit=tree.zhanshan)
    assert first.pk == second.pk
    assert UnitRole.objects.filter(user=user).count() == 1
    assert (second.role, second.unit) == (Role.STREET_OFFICER, tree.zhanshan)


# --- allocate_number -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_allocate_number_outside_a_transaction_is_a_programming_error():
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the transaction"):
        allocate_number(series="certificate", year=2026)
    assert not NumberSequence.objects.exists()


@pytest.mark.django_db
def test_allocate_number_counts_from_one_per_series_and_year():
    assert [allocate_number(series="certificate", year=2025) for _ in range(3)] == [1, 2, 3]
    assert allocate_number(series="certificate", year=2026) == 1
    assert allocate_number(series="other", year=2025) == 1
    assert allocate_number(series="certificate", year=2025) == 4
    assert NumberSequence.objects.get(series="certificate", year=2025).last_number == 4


@pytest.mark.django_db
def test_a_rolled_back_transaction_returns_its_number():
    assert allocate_number(series="certificate", year=2026) == 1

    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        assert allocate_number(series="certificate", year=2026) == 2
        raise Abandon

    assert allocate_number(series="certificate", year=2026) == 2


@pytest.mark.django_db
def test_a_rolled_back_first_number_of_a_year_is_given_again():
    class Abandon(Exception):
        pass

    with pytest.raises(Abandon), transaction.atomic():
        assert allocate_number(series="certificate", year=2027) == 1
        raise Abandon

    assert not NumberSequence.objects.filter(year=2027).exists()
    assert allocate_number(series="certificate", year=2027) == 1


@pytest.mark.django_db
def test_filing_numbers_follow_the_district_format(settings):
    settings.REGISTRY_FILING_PREFIX = "市南"
    first = allocate_filing_number(year=2026)
    second = allocate_filing_number(year=2026)
    assert first == "市南备字〔2026〕第0001号"
    assert second == "市南备字〔2026〕第0002号"
    validate_filing_number(first)
    assert allocate_filing_number(year=2027) == "市南备字〔2027〕第0001号"
    assert NumberSequence.objects.get(series=FILING_SERIES, year=2026).last_number == 2


# --- concurrency (PostgreSQL) ----------------------------------------------------------------

THREADS = 8
NUMBERS_PER_THREAD = 5


@pytest.mark.django_db(transaction=True)
def test_filing_number_has_no_gaps_or_duplicates_under_concurrency(settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so threads cannot race for the row lock")
    settings.REGISTRY_FILING_PREFIX = "市南"
    start = threading.Barrier(THREADS)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def allocate_some():
        try:
            start.wait(timeout=30)
            for _ in range(NUMBERS_PER_THREAD):
                with transaction.atomic():
                    number = allocate_filing_number(year=2026)
                with lock:
                    numbers.append(number)
        except BaseException as error:  # reported by the main thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate_some) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    total = THREADS * NUMBERS_PER_THREAD
    assert len(numbers) == total
    assert len(set(numbers)) == total
    assert sorted(numbers) == [f"市南备字〔2026〕第{n:04d}号" for n in range(1, total + 1)]
    assert NumberSequence.objects.get(series=FILING_SERIES, year=2026).last_number == total
