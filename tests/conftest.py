"""Fixtures shared by the whole suite."""

import io
import sys
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.utils import timezone, translation

from portal.demo import load_demo_data
from registry.enums import Role, UnitLevel
from registry.services.roles import assign_unit_role
from registry.services.units import add_unit
from tests.factories import UserFactory


@pytest.fixture
def tree(db):
    """A small administrative tree: 青岛市 → 市南区 → 湛山街道 (盐城路社区, 仰口路社区) and
    八大关街道 (太平角社区)."""
    city = add_unit(parent=None, code="370200", name="青岛市", level=UnitLevel.CITY)
    district = add_unit(parent=city, code="370202", name="市南区", level=UnitLevel.DISTRICT)
    zhanshan = add_unit(parent=district, code="370202010", name="湛山街道", level=UnitLevel.STREET)
    yancheng = add_unit(parent=zhanshan, code="370202010001", name="盐城路社区", level=UnitLevel.COMMUNITY)
    yangkou = add_unit(parent=zhanshan, code="370202010002", name="仰口路社区", level=UnitLevel.COMMUNITY)
    badaguan = add_unit(parent=district, code="370202009", name="八大关街道", level=UnitLevel.STREET)
    taipingjiao = add_unit(parent=badaguan, code="370202009001", name="太平角社区", level=UnitLevel.COMMUNITY)
    units = SimpleNamespace(
        city=city,
        district=district,
        zhanshan=zhanshan,
        yancheng=yancheng,
        yangkou=yangkou,
        badaguan=badaguan,
        taipingjiao=taipingjiao,
    )
    # Re-read: a parent's in-memory child count is stale once children are added under it.
    for unit in vars(units).values():
        unit.refresh_from_db()
    return units


@pytest.fixture
def today():
    # A fixture, not a module constant: a constant is fixed at collection, which may be the day before.
    return timezone.localdate()


@pytest.fixture(autouse=True)
def chinese():
    """Messages are asserted in Chinese, the default language, whatever a request activated before."""
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def make_officer(tree):
    """make_officer(role, unit) → a user holding that unit role."""

    def make(role: Role, unit, username: str | None = None):
        user = UserFactory(username=username or f"{role}_{unit.code}")
        assign_unit_role(user=user, role=role, unit=unit)
        return user

    return make


DEMO_SEED = 2026


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the demo once for the module, in a transaction rolled back afterwards so that other
    modules start from an empty database; each test runs in a savepoint inside it."""
    outer = transaction.atomic()
    with django_db_blocker.unblock():
        outer.__enter__()
        try:
            created = load_demo_data(DEMO_SEED, io.StringIO())
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    yield created
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)
