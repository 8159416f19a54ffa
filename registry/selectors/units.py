"""Reads of the administrative tree."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from ..access import NOTHING, held_roles
from ..enums import UnitLevel
from ..models import AdministrativeUnit


def subtree_filter(unit: AdministrativeUnit, prefix: str = "") -> dict:
    """A filter for rows whose `prefix`-unit lies in `unit`'s subtree (the unit itself included)."""
    return {f"{prefix}path__startswith": unit.path}


def streets() -> QuerySet[AdministrativeUnit]:
    return AdministrativeUnit.objects.filter(level=UnitLevel.STREET)


def communities_of(street: AdministrativeUnit) -> QuerySet[AdministrativeUnit]:
    return street.get_children().filter(level=UnitLevel.COMMUNITY)


def unit_by_name(name: str, *, level: UnitLevel, within: AdministrativeUnit | None = None):
    """Find a unit by its name as people write it: with or without the 街道/社区 suffix."""
    suffix = {UnitLevel.STREET: "街道", UnitLevel.COMMUNITY: "社区"}.get(level, "")
    names = {name, name.removesuffix(suffix), name.removesuffix(suffix) + suffix} if suffix else {name}
    queryset = AdministrativeUnit.objects.filter(level=level, name__in=names)
    if within is not None:
        queryset = queryset.filter(path__startswith=within.path)
    return queryset.first()


def units_for_user(user) -> QuerySet[AdministrativeUnit]:
    """The units in the subtrees of the units on which the user holds a role."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return AdministrativeUnit.objects.all()
    covered = [Q(path__startswith=held.unit.path) for held in held_roles(user) if held.unit is not None]
    return AdministrativeUnit.objects.filter(reduce(or_, covered, NOTHING))


def streets_for_user(user) -> QuerySet[AdministrativeUnit]:
    return units_for_user(user).filter(level=UnitLevel.STREET)
