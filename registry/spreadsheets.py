"""The organizations spreadsheet: the Chinese columns a bureau already keeps, in one place.

The same resource reads imports and writes exports, so an exported file imported again changes
nothing. Values are read leniently (labels or codes, several date formats, 、 or ; between fields)
and written in one canonical form. Every problem is a ValueError with a message for a clerk;
the import (registry.services.importing) reports those as the row's errors.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation
from functools import cached_property

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from .enums import Category, FieldOfActivity, OrganizationKind, UnitLevel
from .models import ActivityField, Organization
from .selectors.units import UnitsByName
from .spreadsheet_cells import unguard
from .validators import normalize_uscc

# Column headers, in the order of the bureau's spreadsheets.
COLUMNS = {
    "name": "名称",
    "uscc": "统一社会信用代码",
    "filing_number": "备案编号",
    "kind": "类型",
    "category": "类别",
    "activity_fields": "活动领域",
    "street": "街道",
    "community": "社区",
    "address": "住所",
    "legal_representative": "法定代表人",
    "founded_on": "成立日期",
    "registered_capital": "开办资金",
    "business_scope": "业务范围",
    "public_phone": "联系电话",
}
REQUIRED_COLUMNS = ["名称", "类型", "街道"]
LIST_SEPARATORS = re.compile(r"[、;；,，/\n]+")
DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]


def _text(value) -> str:
    """A cell's text; an exported cell's formula guard is taken off again."""
    return "" if value is None else unguard(str(value).strip())


class ChoiceWidget(widgets.Widget):
    """A choice by its Chinese label (as exported) or its code."""

    def __init__(self, choices, *, what: str):
        super().__init__()
        self.choices = choices
        self.what = what

    @cached_property
    def by_label(self) -> dict[str, str]:
        # Built once: translating every label for each cell was a large share of an import's time.
        with translation.override("zh-hans"):
            return {str(choice.label): choice.value for choice in self.choices}

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return ""
        by_label = self.by_label
        if text in by_label:
            return by_label[text]
        if text in self.choices.values:
            return text
        raise ValueError(
            _("“%(value)s”不是有效的%(what)s，可选：%(options)s。")
            % {"value": text, "what": self.what, "options": "、".join(by_label)}
        )

    def render(self, value, obj=None, **kwargs):
        if not value:
            return ""
        with translation.override("zh-hans"):
            return str(self.choices(value).label)


class UnitWidget(widgets.Widget):
    """A street, or a community of the row's street, by name (with or without 街道/社区), found
    among `units`: the units the file names, read once for the whole file."""

    def __init__(self, level: UnitLevel):
        super().__init__()
        self.level = level

    def clean(self, value, row=None, *, units: UnitsByName, **kwargs):
        name = _text(value)
        if not name:
            return None
        if self.level == UnitLevel.STREET:
            unit = units.find(name, level=UnitLevel.STREET)
            if unit is None:
                raise ValueError(_("未知街道“%(name)s”。") % {"name": name})
            return unit
        street_name = _text((row or {}).get(COLUMNS["street"]))
        street = units.find(street_name, level=UnitLevel.STREET) if street_name else None
        unit = units.find(name, level=UnitLevel.COMMUNITY, within=street)
        if unit is None:
            if street is not None and units.find(name, level=UnitLevel.COMMUNITY):
                raise ValueError(_("社区“%(name)s”不属于%(street)s。") % {"name": name, "street": street.name})
            raise ValueError(_("未知社区“%(name)s”。") % {"name": name})
        return unit

    def render(self, value, obj=None, **kwargs):
        return value.name if value is not None else ""


class DateWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, datetime.datetime):  # XLSX date cells
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = _text(value)
        if not text:
            return None
        for date_format in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        raise ValueError(_("日期“%(value)s”无法识别，请写成 2020-01-31。") % {"value": text})

    def render(self, value, obj=None, **kwargs):
        return value.isoformat() if value else ""


class AmountWidget(widgets.Widget):
    """An amount of yuan; thousands separators and a trailing 元 are accepted."""

    def clean(self, value, row=None, **kwargs):
        text = _text(value).replace(",", "").replace("，", "").removesuffix("元").strip()
        if not text:
            return None
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValueError(_("金额“%(value)s”不是有效的数字。") % {"value": _text(value)}) from None
        if not amount.is_finite():
            raise ValueError(_("金额“%(value)s”不是有效的数字。") % {"value": _text(value)})
        if amount < 0:
            raise ValueError(_("金额不能为负数（%(value)s）。") % {"value": _text(value)})
        try:
            return amount.quantize(Decimal("0.01"))
        except InvalidOperation:  # too many digits for cents (e.g. 1E+30): the row's error, not a crash
            raise ValueError(_("金额过大，请核对。")) from None

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return f"{value:.2f}"


class ActivityFieldsWidget(widgets.ManyToManyWidget):
    """Fields of activity by their Chinese labels, separated by 、 (or ; , /), as a list of the
    `activity_fields` given by code (the table's rows, read once for the whole file)."""

    def __init__(self):
        super().__init__(ActivityField, field="code")
        self.choice = ChoiceWidget(FieldOfActivity, what=gettext_lazy("活动领域"))

    def clean(self, value, row=None, *, activity_fields: dict[str, ActivityField], **kwargs):
        labels = [label for label in LIST_SEPARATORS.split(_text(value)) if label]
        codes = dict.fromkeys(self.choice.clean(label) for label in labels)
        return [activity_fields[code] for code in codes if code in activity_fields]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        with translation.override("zh-hans"):
            return "、".join(str(field) for field in value.all())


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return _text(value)


class CodeWidget(widgets.CharWidget):
    """A credit code or filing number: compacted, and None when absent (as stored)."""

    def __init__(self, *, is_uscc: bool):
        super().__init__()
        self.is_uscc = is_uscc

    def clean(self, value, row=None, **kwargs):
        return (normalize_uscc(_text(value)) if self.is_uscc else _text(value)) or None


class OrganizationResource(resources.ModelResource):
    """The columns of exports, and the reading of an import's rows. Imports do not use
    import-export's row-by-row saving: `registry.services.importing` checks every row with the
    methods below and writes them together through the organization services."""

    name = fields.Field("name", COLUMNS["name"], widget=TextWidget())
    uscc = fields.Field("uscc", COLUMNS["uscc"], widget=CodeWidget(is_uscc=True))
    filing_number = fields.Field("filing_number", COLUMNS["filing_number"], widget=CodeWidget(is_uscc=False))
    kind = fields.Field("kind", COLUMNS["kind"], widget=ChoiceWidget(OrganizationKind, what=gettext_lazy("类型")))
    category = fields.Field("category", COLUMNS["category"], widget=ChoiceWidget(Category, what=gettext_lazy("类别")))
    activity_fields = fields.Field("activity_fields", COLUMNS["activity_fields"], widget=ActivityFieldsWidget())
    street = fields.Field("street", COLUMNS["street"], widget=UnitWidget(UnitLevel.STREET))
    community = fields.Field("community", COLUMNS["community"], widget=UnitWidget(UnitLevel.COMMUNITY))
    address = fields.Field("address", COLUMNS["address"], widget=TextWidget())
    legal_representative = fields.Field("legal_representative", COLUMNS["legal_representative"], widget=TextWidget())
    founded_on = fields.Field("founded_on", COLUMNS["founded_on"], widget=DateWidget())
    registered_capital = fields.Field("registered_capital", COLUMNS["registered_capital"], widget=AmountWidget())
    business_scope = fields.Field("business_scope", COLUMNS["business_scope"], widget=TextWidget())
    public_phone = fields.Field("public_phone", COLUMNS["public_phone"], widget=TextWidget())

    class Meta:
        model = Organization
        fields = list(COLUMNS)
        import_order = export_order = list(COLUMNS)

    @cached_property
    def import_fields(self) -> list[fields.Field]:
        return self.get_import_fields()  # built anew on each call: once per file, not per row

    @staticmethod
    def identifiers(row: dict) -> dict[str, str]:
        """The row's credit code and filing number as stored (compacted; "" when absent)."""
        return {
            "uscc": normalize_uscc(_text(row.get(COLUMNS["uscc"]))),
            "filing_number": _text(row.get(COLUMNS["filing_number"])),
        }

    def read_row(
        self, row: dict, instance: Organization, *, units: UnitsByName, activity_fields: dict[str, ActivityField]
    ) -> tuple[list[ActivityField] | None, dict[str, list[ValidationError]]]:
        """Set the row's cells on `instance`; return its fields of activity (None without that
        column) and each column's error, by field name. Makes no query: `units` and
        `activity_fields` hold what the file refers to."""
        errors: dict[str, list[ValidationError]] = {}
        activity = None
        for field in self.import_fields:
            if field.column_name not in row:
                continue
            try:
                value = field.clean(row, units=units, activity_fields=activity_fields)
            except ValueError as error:
                errors[field.attribute] = [ValidationError(str(error), code="invalid")]
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                activity = value
            else:
                setattr(instance, field.attribute, value)
        return activity, errors

    def unchanged(self, instance: Organization, original: Organization, activity, row: dict) -> bool:
        """The row changes nothing when each of its columns would export as `original` does now."""
        for field in self.import_fields:
            if field.column_name not in row:
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                if sorted(item.pk for item in activity) != sorted(item.pk for item in original.activity_fields.all()):
                    return False
            elif field.export(instance) != field.export(original):
                return False
        return True
