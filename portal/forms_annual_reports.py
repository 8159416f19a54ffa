"""The annual-report form of the applicant's area. It only checks what was typed; the report is
saved by `registry.services.annual_reports` (a draft, or submitted), never by the form."""

from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from registry.models import AnnualReport

AMOUNT_FIELDS = ["income", "expenditure", "net_assets"]
# Net assets fall below zero when debts exceed assets, so only these two must not be negative.
NON_NEGATIVE_AMOUNTS = ["income", "expenditure"]
COUNT_FIELDS = ["staff", "volunteers"]
# What a submitted report must have (a draft may lack any of it).
REQUIRED_FIELDS = [*AMOUNT_FIELDS, *COUNT_FIELDS, "activities"]

AMOUNT_ERRORS = {
    "required": _("请填写金额（元），没有请填0。"),
    "invalid": _("请填写数字金额（元），如 12000.50。"),
    "max_decimal_places": _("金额最多保留两位小数。"),
    "max_digits": _("金额过大，请核对。"),
    "max_whole_digits": _("金额过大，请核对。"),
}
COUNT_ERRORS = {
    "required": _("请填写人数，没有请填0。"),
    "invalid": _("人数须为整数。"),
    "min_value": _("人数不能为负数。"),
}


class AnnualReportForm(forms.ModelForm):
    class Meta:
        model = AnnualReport
        fields = [*AMOUNT_FIELDS, *COUNT_FIELDS, "activities", "reportable_events"]
        # Text boxes rather than number inputs, so that whatever was typed comes back as typed
        # when the form has errors.
        widgets = {
            **{name: forms.TextInput(attrs={"inputmode": "decimal"}) for name in AMOUNT_FIELDS},
            **{name: forms.TextInput(attrs={"inputmode": "numeric"}) for name in COUNT_FIELDS},
            "activities": forms.Textarea(attrs={"rows": 5}),
            "reportable_events": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "net_assets": _("资不抵债时填写负数。"),
            "reportable_events": _("如负责人变更、重大投资、接受境外捐赠等；没有可不填。"),
        }
        error_messages = {
            **{name: AMOUNT_ERRORS for name in AMOUNT_FIELDS},
            **{name: COUNT_ERRORS for name in COUNT_FIELDS},
            "activities": {"required": _("请简要填写本年度开展的主要活动。")},
        }

    def __init__(self, *args, for_submission: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        for name in REQUIRED_FIELDS:
            self.fields[name].required = for_submission
        for name in NON_NEGATIVE_AMOUNTS:
            self.fields[name].validators.append(MinValueValidator(Decimal(0), message=_("金额不能为负数。")))
