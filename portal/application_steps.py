"""The applicant's application forms as steps (DESIGN.md section 7): for each kind of application a
declared list of steps, each a form over some of the facts the application proposes.

Every step saves the draft with whatever was typed (`StepForm.proposed`), so a wrong value never
loses the others. Moving on checks the step in full; finishing the last step, and submitting,
checks every step again together with the registry's own checks (`checked_steps`), and the errors
land on the step and field they belong to.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from registry.enums import ApplicationKind, Category, OrganizationKind, UnitLevel
from registry.models import AdministrativeUnit, Application, Organization
from registry.services.applications import (
    DEREGISTRATION_FACTS,
    REGISTRABLE_KINDS,
    changeable_facts,
    fact_display,
    fact_value,
    proposed_facts,
    validate_proposed,
)
from registry.validators import validate_resident_id

PHONE = RegexValidator(r"^[0-9+\-() ]{7,20}$", _("请填写有效的电话号码，如 0532-88886666 或 13800000000。"))
MOBILE = RegexValidator(r"^1[0-9]{10}\Z", _("请填写11位手机号码。"))
# Checks the model leaves to its full_clean() or has none of; a form must say so at once.
EXTRA_VALIDATORS = {
    "legal_representative_id_number": [validate_resident_id],
    "legal_representative_phone": [MOBILE],
    "public_phone": [PHONE],
    "registered_capital": [MinValueValidator(Decimal(0), _("开办资金不能为负数。"))],
}
ALLOWED_CHOICES = {"kind": REGISTRABLE_KINDS}


def fact_field(name: str) -> forms.Field:
    """The form field of a registered fact, built from the Organization model (so lengths and
    choices stay the model's) with the widgets and checks an applicant needs."""
    if name == "community":
        return forms.TypedChoiceField(label=_("所在社区"), coerce=int, empty_value=None)
    model_field = Organization._meta.get_field(name)
    field = model_field.formfield()
    if model_field.choices:
        allowed = ALLOWED_CHOICES.get(name)
        field.choices = [("", _("请选择"))] + [
            (value, label) for value, label in model_field.choices if allowed is None or value in allowed
        ]
    if isinstance(field, forms.DateField):
        field.widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        field.help_text = _("格式如 2026-03-01。")
    field.validators.extend(EXTRA_VALIDATORS.get(name, []))
    return field


def community_choices(streets) -> tuple[list, dict[int, AdministrativeUnit]]:
    """Communities grouped under their streets for a select, and the communities by pk."""
    communities = AdministrativeUnit.objects.filter(level=UnitLevel.COMMUNITY).order_by("code")
    groups = {street.pk: (street.name, []) for street in streets}
    by_pk = {}
    for community in communities:
        for street in streets:
            if community.path.startswith(street.path):
                by_pk[community.pk] = community
                groups[street.pk][1].append((community.pk, community.name))
    choices = [("", _("请选择社区"))] + [(name, options) for name, options in groups.values() if options]
    return choices, by_pk


def _as_json(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


class StepForm(forms.Form):
    """One step: `facts` are the proposed facts it edits (fields not declared on the form are built
    from the Organization model). With `lenient`, only what a draft needs is required: saving and
    going back keep anything; moving on checks the step in full."""

    facts: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()  # may stay empty on submission too
    needed_for_draft: tuple[str, ...] = ()
    labels: dict[str, Promise] = {}

    def __init__(self, data=None, *, application: Application | None = None, organization=None, lenient=False):
        super().__init__(data)
        self.application, self.organization, self.lenient = application, organization, lenient
        for name in self.fact_names():
            if name not in self.fields:
                self.fields[name] = fact_field(name)
                self.fields[name].required = name not in self.optional
            if name in self.labels:
                self.fields[name].label = self.labels[name]
        if lenient:
            for name, field in self.fields.items():
                field.required = field.required and name in self.needed_for_draft
        if application is not None and not self.is_bound:
            self.initial = self.initial_from(application.proposed)
        self.order_fields(self.field_order)

    def fact_names(self) -> list[str]:
        return list(self.facts)

    @property
    def draft(self) -> dict[str, Any]:
        return self.application.proposed if self.application else {}

    def initial_from(self, proposed: dict[str, Any]) -> dict[str, Any]:
        return {name: proposed[name] for name in self.fact_names() if proposed.get(name) not in (None, "")}

    def draft_data(self) -> dict[str, Any]:
        """The draft as submitted data, to check it as if the applicant had just sent it."""
        return {self.add_prefix(name): value for name, value in self.initial.items()}

    def draft_street(self) -> AdministrativeUnit | None:
        """Where a new application is routed."""
        return self.organization.street if self.organization else None

    def proposed(self) -> dict[str, Any]:
        """The facts to keep, JSON-ready: what validated, and for the rest what was typed (text as
        typed; a choice only when it is one of the options)."""
        cleaned = getattr(self, "cleaned_data", {})
        facts = {}
        for name in self.fact_names():
            if name in cleaned:
                facts[name] = _as_json(cleaned[name])
                continue
            field = self.fields[name]
            raw = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
            try:
                facts[name] = _as_json(field.clean(raw))
            except ValidationError:
                facts[name] = None if isinstance(field, forms.ChoiceField) else (raw or "")
        return facts

    def dropped(self) -> list[str]:
        """Facts the draft no longer proposes."""
        return []

    def summary(self):
        """Facts to show above the form (a confirmation step shows what will be filed)."""
        return None


class PlaceStepForm(StepForm):
    """A step that places a new organization: its street (fixed once the application exists, since
    it routes the application) and a community of that street."""

    street = forms.ModelChoiceField(
        label=_("所在街道"), queryset=AdministrativeUnit.objects.none(), empty_label=_("请选择街道")
    )
    needed_for_draft = ("street",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        streets = AdministrativeUnit.objects.filter(level=UnitLevel.STREET).order_by("code")
        self.fields["street"].queryset = streets
        self.fields["community"].choices, self._communities = community_choices(list(streets))
        if self.application is not None:
            self.fields["street"].initial = self.application.street
            self.fields["street"].disabled = True
            self.fields["street"].help_text = _("街道在申请创建后不能更改；如需更改，请撤回后重新申请。")

    def draft_street(self):
        return getattr(self, "cleaned_data", {}).get("street")

    def clean(self):
        cleaned = super().clean()
        street, community_pk = cleaned.get("street"), cleaned.get("community")
        if street and community_pk:
            community = self._communities.get(community_pk)
            if community is None or not community.path.startswith(street.path):
                self.add_error("community", _("所选社区不属于%(street)s，请重新选择。") % {"street": street.name})
        return cleaned


class FilingForm(PlaceStepForm):
    """社区社会组织备案."""

    facts = ("name", "community", "address", "legal_representative", "business_scope", "founded_on")
    optional = ("business_scope", "founded_on")
    labels = {"name": _("组织名称"), "address": _("活动场所地址"), "legal_representative": _("负责人")}
    field_order = ["name", "street", "community"]


class RegistrationBasicsForm(PlaceStepForm):
    facts = (
        "name",
        "kind",
        "category",
        "community",
        "address",
        "founded_on",
        "supervising_unit",
        "supervising_approval_number",
    )
    optional = ("community", "founded_on", "supervising_unit", "supervising_approval_number")
    labels = {"name": _("组织名称")}
    field_order = ["name", "kind", "category", "street", "community", "address", "founded_on"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].help_text = _(
            "行业协会商会、科技类、公益慈善类、城乡社区服务类可直接登记；其他类别须有业务主管单位。"
        )
        self.fields["supervising_unit"].help_text = _("选择“其他”类别时必填。")

    def clean(self):
        cleaned = super().clean()
        if not self.lenient and cleaned.get("category") == Category.OTHER:
            for name in ("supervising_unit", "supervising_approval_number"):
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("不属于直接登记类别的组织须填写此项。"))
        return cleaned


class RegistrationPeopleForm(StepForm):
    facts = (
        "legal_representative",
        "legal_representative_id_number",
        "legal_representative_phone",
        "public_phone",
        "member_count",
    )
    optional = ("public_phone", "member_count")
    labels = {"legal_representative": _("法定代表人"), "public_phone": _("对外联系电话")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_representative_id_number"].help_text = _("仅登记管理机关可见。")
        self.fields["member_count"].help_text = _("社会团体必填。")

    def clean(self):
        cleaned = super().clean()
        if (
            not self.lenient
            and self.draft.get("kind") == OrganizationKind.SOCIAL_GROUP
            and cleaned.get("member_count") is None
            and "member_count" not in self.errors
        ):
            self.add_error("member_count", _("社会团体须填写会员数。"))
        return cleaned


class RegistrationActivityForm(StepForm):
    facts = ("business_scope", "activity_area", "registered_capital")


class ChangeChoiceForm(StepForm):
    """Which registered facts change. A fact newly chosen starts from its registered value."""

    changes = forms.MultipleChoiceField(
        label=_("要变更的登记事项"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("请至少选择一项要变更的登记事项。")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._changeable = changeable_facts(self.organization)
        self.fields["changes"].choices = [
            (
                name,
                _("%(label)s（现为：%(value)s）")
                % {
                    "label": Organization._meta.get_field(name).verbose_name,
                    "value": fact_display(name, fact_value(self.organization, name), personal_in_clear=True),
                },
            )
            for name in self._changeable
        ]

    def initial_from(self, proposed):
        return {"changes": [name for name in changeable_facts(self.organization) if name in proposed]}

    def _chosen(self) -> list[str]:
        if "changes" in getattr(self, "cleaned_data", {}):
            return self.cleaned_data["changes"]
        raw = self.fields["changes"].widget.value_from_datadict(self.data, self.files, self.add_prefix("changes"))
        return [name for name in raw or [] if name in self._changeable]

    def proposed(self):
        chosen = self._chosen()
        return {name: self.draft.get(name, fact_value(self.organization, name)) for name in chosen}

    def dropped(self):
        # A refused choice (moving on with nothing ticked) takes nothing back: the values typed on
        # the next step stay in the draft. Saving with nothing ticked is a choice, and drops them.
        if not self.is_valid():
            return []
        return [name for name in self._changeable if name not in self._chosen()]


class ChangeValuesForm(StepForm):
    """The new value of each chosen fact, with the registered one beside it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.fact_names():
            current = fact_display(name, fact_value(self.organization, name), personal_in_clear=True)
            self.fields[name].help_text = _("现登记内容：%(value)s") % {"value": current}
        if "community" in self.fields:
            self.fields["community"].choices, _by_pk = community_choices([self.organization.street])

    def fact_names(self):
        return [name for name in changeable_facts(self.organization) if name in self.draft]


class DeregistrationForm(StepForm):
    facts = tuple(DEREGISTRATION_FACTS)

    reason = forms.CharField(
        label=DEREGISTRATION_FACTS["reason"], max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    liquidation_summary = forms.CharField(
        label=DEREGISTRATION_FACTS["liquidation_summary"],
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("清算组成员、债权债务处理和剩余财产去向。"),
    )
    liquidation_completed_on = forms.DateField(
        label=DEREGISTRATION_FACTS["liquidation_completed_on"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("格式如 2026-03-01。"),
    )

    def clean_liquidation_completed_on(self):
        value = self.cleaned_data["liquidation_completed_on"]
        if value and value > timezone.localdate():
            raise ValidationError(_("清算完成日期不能晚于今天。"))
        return value


class DeregistrationConfirmForm(StepForm):
    facts = ("confirmed",)

    confirmed = forms.BooleanField(
        label=_("我确认：本组织已完成清算，申请注销登记；注销后组织不能再开展活动。"),
        error_messages={"required": _("请勾选确认后再继续。")},
    )

    def summary(self):
        return proposed_facts(self.application, personal_in_clear=True) if self.application else None


@dataclass(frozen=True)
class Step:
    slug: str
    title: Promise
    form_class: type[StepForm]


FLOWS: dict[str, tuple[Step, ...]] = {
    ApplicationKind.FILING: (Step("facts", _("备案事项"), FilingForm),),
    ApplicationKind.REGISTRATION: (
        Step("basics", _("基本信息"), RegistrationBasicsForm),
        Step("people", _("负责人与会员"), RegistrationPeopleForm),
        Step("activity", _("业务与资金"), RegistrationActivityForm),
    ),
    ApplicationKind.CHANGE: (
        Step("choose", _("选择变更事项"), ChangeChoiceForm),
        Step("values", _("填写变更内容"), ChangeValuesForm),
    ),
    ApplicationKind.DEREGISTRATION: (
        Step("reason", _("注销事由与清算"), DeregistrationForm),
        Step("confirm", _("确认注销"), DeregistrationConfirmForm),
    ),
}


def checked_steps(application: Application) -> list[tuple[Step, StepForm]]:
    """Every step's form bound to the draft and checked in full, with the registry's errors added on
    the fields they name (or, when no step has the field, on the first step)."""
    organization = application.organization
    checked = []
    for step in FLOWS[application.kind]:
        draft = step.form_class(application=application, organization=organization)
        form = step.form_class(draft.draft_data(), application=application, organization=organization)
        form.is_valid()
        checked.append((step, form))
    try:
        validate_proposed(application)
    except ValidationError as error:
        errors = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        for name, messages in errors.items():
            owner = next((form for _step, form in checked if name in form.fields), checked[0][1])
            said = {message for field_errors in owner.errors.values() for message in field_errors}
            fresh = [message for message in messages if message not in said]
            # A field the form already refused keeps the form's own words.
            if fresh and name not in owner.errors:
                owner.add_error(name if name in owner.fields else None, fresh)
    return checked
