"""Reads of the administrative tree."""

from collections import defaultdict
from collections.abc import Iterable
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


def _written_names(name: str, level: UnitLevel) -> set[str]:
    """The names a unit of `level` may bear when people write `name`: with or without the 街道/社区 suffix."""
    suffix = {UnitLevel.STREET: "街道", UnitLevel.COMMUNITY: "社区"}.get(level, "")
    return {name, name.removesuffix(suffix), name.removesuffix(suffix) + suffix} if suffix else {name}


class UnitsByName:
    """The units that the given written names may mean, read in one query per thousand names, then
    found as people write them (see `find`). An import resolves every row's street and community
    from one of these instead of a query per cell."""

    def __init__(self, names: Iterable[str]):
        names = set(names)  # a file names the same streets over and over
        candidates = sorted(
            {written for name in names for level in UnitLevel for written in _written_names(name, level)}
        )
        units = []
        for start in range(0, len(candidates), 1000):
            units += AdministrativeUnit.objects.filter(name__in=candidates[start : start + 1000])
        units.sort(key=lambda unit: unit.code)  # the model's ordering, across the chunks
        self._by_name: dict[tuple[str, str], list[AdministrativeUnit]] = defaultdict(list)
        for unit in units:
            self._by_name[unit.level, unit.name].append(unit)

    def find(self, name: str, *, level: UnitLevel, within: AdministrativeUnit | None = None):
        """The first unit (in the model's order) of `level` named `name` with or without its suffix,
        within the subtree of `within` if given; None if there is none."""
        found = [
            unit
            for variant in _written_names(name, level)
            for unit in self._by_name[level, variant]
            if within is None or unit.path.startswith(within.path)
        ]
        return min(found, key=lambda unit: unit.code, default=None)


def unit_by_name(name: str, *, level: UnitLevel, within: AdministrativeUnit | None = None):
    """Find a unit by its name as people write it: with or without the 街道/社区 suffix."""
    return UnitsByName([name]).find(name, level=level, within=within)


def units_for_user(user) -> QuerySet[AdministrativeUnit]:
    """The units in the subtrees of the units on which the user holds a role."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return AdministrativeUnit.objects.all()
    covered = [Q(path__startswith=held.unit.path) for held in held_roles(user) if held.unit is not None]
    return AdministrativeUnit.objects.filter(reduce(or_, covered, NOTHING))


def streets_for_user(user) -> QuerySet[AdministrativeUnit]:
    return units_for_user(user).filter(level=UnitLevel.STREET)
