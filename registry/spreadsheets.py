"""The organizations spreadsheet: the Chinese columns a bureau already keeps, in one place.

The same resource reads imports and writes exports, so an exported file imported again changes
nothing. Values are read leniently (labels or codes, several date formats, 、 or ; between fields)
and written in one canonical form. Every problem is a ValueError with a message for a clerk;
django-import-export turns those into per-row validation errors.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from .enums import Category, FieldOfActivity, OrganizationKind, UnitLevel
from .models import ActivityField, Organization
from .selectors.units import unit_by_name
from .services.organizations import create_organization, update_organization
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
    return "" if value is None else str(value).strip()


class ChoiceWidget(widgets.Widget):
    """A choice by its Chinese label (as exported) or its code."""

    def __init__(self, choices, *, what: str):
        super().__init__()
        self.choices = choices
        self.what = what

    def clean(self, value, row=None, **kwargs):
        text = _text(value)
        if not text:
            return ""
        with translation.override("zh-hans"):
            by_label = {str(choice.label): choice.value for choice in self.choices}
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
    """A street, or a community of the row's street, by name (with or without 街道/社区)."""

    def __init__(self, level: UnitLevel):
        super().__init__()
        self.level = level

    def clean(self, value, row=None, **kwargs):
        name = _text(value)
        if not name:
            return None
        if self.level == UnitLevel.STREET:
            unit = unit_by_name(name, level=UnitLevel.STREET)
            if unit is None:
                raise ValueError(_("未知街道“%(name)s”。") % {"name": name})
            return unit
        street_name = _text((row or {}).get(COLUMNS["street"]))
        street = unit_by_name(street_name, level=UnitLevel.STREET) if street_name else None
        unit = unit_by_name(name, level=UnitLevel.COMMUNITY, within=street)
        if unit is None:
            if street is not None and unit_by_name(name, level=UnitLevel.COMMUNITY):
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
    """Fields of activity by their Chinese labels, separated by 、 (or ; , /)."""

    def __init__(self):
        super().__init__(ActivityField, field="code")

    def clean(self, value, row=None, **kwargs):
        labels = [label for label in LIST_SEPARATORS.split(_text(value)) if label]
        if not labels:
            return ActivityField.objects.none()
        codes = [ChoiceWidget(FieldOfActivity, what=_("活动领域")).clean(label) for label in labels]
        return ActivityField.objects.filter(code__in=codes)

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
    """Imports and exports organizations; every write goes through the organization services
    on behalf of `actor`, so history is kept and scoping is enforced."""

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
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True
        skip_html_diff = True
        use_transactions = True

    def __init__(self, *, actor=None, source: str = "表格导入"):
        super().__init__()
        self.actor = actor
        self.source = source
        self._seen: dict[str, int] = {}

    def get_queryset(self):
        return Organization.objects.select_related("street", "community").prefetch_related("activity_fields")

    def get_instance(self, instance_loader, row):
        """Rows are matched on their credit code or, for community groups, their filing number."""
        code = normalize_uscc(_text(row.get(COLUMNS["uscc"])))
        if code:
            return self.get_queryset().filter(uscc=code).first()
        filing_number = _text(row.get(COLUMNS["filing_number"]))
        if filing_number:
            return self.get_queryset().filter(filing_number=filing_number).first()
        return None

    def import_instance(self, instance, row, **kwargs):
        """Also check the fields of activity, which import-export only reads once the row is saved:
        an unknown one is then the row's error in its column, not a failure while saving."""
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if COLUMNS["activity_fields"] in row:
            try:
                self.fields["activity_fields"].clean(row)
            except ValueError as error:
                errors["activity_fields"] = [ValidationError(str(error), code="invalid")]
        if errors:
            raise ValidationError(errors)

    def before_import_row(self, row, **kwargs):
        """Refuse a code or filing number that an earlier row of the same file already used."""
        # import-export counts data rows from 1; the spreadsheet's header is row 1.
        row_number = kwargs["row_number"] + 1
        for field in ("uscc", "filing_number"):
            value = _text(row.get(COLUMNS[field]))
            if field == "uscc":
                value = normalize_uscc(value)
            if not value:
                continue
            key = f"{field}:{value}"
            if key in self._seen:
                raise ValidationError({field: _("与文件第%(row)d行重复。") % {"row": self._seen[key]}})
            self._seen[key] = row_number

    def skip_row(self, instance, original, row, import_validation_errors=None):
        """A row is unchanged when each of its columns would export as it does now."""
        if import_validation_errors or original is None or original.pk is None:
            return False
        for field in self.get_import_fields():
            if field.column_name not in row:
                continue
            if isinstance(field.widget, widgets.ManyToManyWidget):
                new = sorted(item.pk for item in field.clean(row))
                if new != sorted(item.pk for item in original.activity_fields.all()):
                    return False
            elif field.export(instance) != field.export(original):
                return False
        return True

    def save_instance(self, instance, is_create, row, **kwargs):
        data = {field: getattr(instance, field) for field in COLUMNS if field != "activity_fields"}
        activity = list(self.fields["activity_fields"].clean(row)) if COLUMNS["activity_fields"] in row else None
        if is_create:
            created = create_organization(
                actor=self.actor, data=data, activity_fields=activity or [], source=self.source
            )
            instance.pk = created.pk
        else:
            update_organization(
                organization=instance, actor=self.actor, data=data, activity_fields=activity, source=self.source
            )

    def save_m2m(self, instance, row, **kwargs):
        """Fields of activity are saved by the services in save_instance()."""
