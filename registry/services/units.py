"""Writes to the administrative tree."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record

from ..enums import UnitLevel
from ..models import AdministrativeUnit
from ..models.units import CHILD_LEVEL, CODE_LENGTH
from .organizations import reindex_organizations_of_unit


def _check_unit(*, parent: AdministrativeUnit | None, code: str, level: str) -> None:
    errors = {}
    if not code.isdigit() or len(code) != CODE_LENGTH[UnitLevel(level)]:
        errors["code"] = _("%(level)s的区划代码应为%(length)d位数字。") % {
            "level": UnitLevel(level).label,
            "length": CODE_LENGTH[UnitLevel(level)],
        }
    if parent is None:
        if level != UnitLevel.CITY:
            errors["level"] = _("只有市级单位可以没有上级单位。")
    elif CHILD_LEVEL.get(UnitLevel(parent.level)) != level:
        errors["level"] = _("%(parent)s的下级应为%(child)s。") % {
            "parent": parent.name,
            "child": CHILD_LEVEL[UnitLevel(parent.level)].label if parent.level in CHILD_LEVEL else "—",
        }
    elif level in (UnitLevel.STREET, UnitLevel.COMMUNITY) and not code.startswith(parent.code):
        errors["code"] = _("区划代码应以上级单位的代码%(code)s开头。") % {"code": parent.code}
    if errors:
        raise ValidationError(errors)


def add_unit(*, parent: AdministrativeUnit | None, code: str, name: str, level: str, actor=None) -> AdministrativeUnit:
    """Add a unit under `parent` (a city when `parent` is None). Adding a street is data only:
    everything that lists streets reads them from this tree. `actor` None: the system (demo data)."""
    _check_unit(parent=parent, code=code, level=level)
    with transaction.atomic():
        unit = AdministrativeUnit(code=code, name=name, level=level)
        unit.full_clean(exclude=["path", "depth", "numchild"])
        if parent is None:
            unit = AdministrativeUnit.add_root(instance=unit)
        else:
            # Reload: treebeard needs the parent's current child count.
            unit = AdministrativeUnit.objects.get(pk=parent.pk).add_child(instance=unit)
        record(actor=actor, action="unit.add", target=unit, after={"parent": parent, "code": code, "name": name})
        return unit


@transaction.atomic
def rename_unit(*, unit: AdministrativeUnit, name: str, actor=None) -> AdministrativeUnit:
    """Units keep their code and place in the tree; only the name may change. Organizations
    located there are found by the new name from then on."""
    before = {"name": AdministrativeUnit.objects.values_list("name", flat=True).get(pk=unit.pk)}
    unit.name = name
    unit.full_clean(exclude=["path", "depth", "numchild"])
    unit.save(update_fields=["name"])
    record(actor=actor, action="unit.rename", target=unit, before=before, after={"name": name})
    reindex_organizations_of_unit(unit)
    return unit
