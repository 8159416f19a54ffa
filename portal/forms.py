"""Forms of the public site."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.enums import Category, FieldOfActivity, OrganizationKind, UnitLevel
from registry.models import AdministrativeUnit
from registry.selectors.directory import (
    PUBLIC_STATUSES,
    CreditStatus,
    DirectoryFilters,
    RegistrationPath,
    SortOrder,
    extra_facets,
)

UNIT_FIELDS = {"street": UnitLevel.STREET, "community": UnitLevel.COMMUNITY}


class DirectoryForm(forms.Form):
    """The directory's query string. Invalid values are dropped, never an error page, so an old
    or hand-edited shared address still shows results."""

    q = forms.CharField(label=_("搜索"), required=False, max_length=100)
    kind = forms.MultipleChoiceField(label=_("类型"), required=False, choices=OrganizationKind.choices)
    category = forms.MultipleChoiceField(label=_("类别"), required=False, choices=Category.choices)
    path = forms.MultipleChoiceField(label=_("登记方式"), required=False, choices=RegistrationPath.CHOICES)
    activity = forms.MultipleChoiceField(label=_("活动领域"), required=False, choices=FieldOfActivity.choices)
    street = forms.MultipleChoiceField(label=_("街道"), required=False)
    community = forms.MultipleChoiceField(label=_("社区"), required=False)
    status = forms.MultipleChoiceField(
        label=_("状态"), required=False, choices=[(s.value, s.label) for s in PUBLIC_STATUSES]
    )
    credit = forms.MultipleChoiceField(label=_("信用状况"), required=False, choices=CreditStatus.CHOICES)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SortOrder.CHOICES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices are only there to drop unknown codes, so only the codes asked for are looked
        # up: every street and community as a choice cost a read of the whole tree on each search
        # (9,000 units at 100,000 organizations, docs/performance.md).
        asked = {name: self.data.getlist(name) if hasattr(self.data, "getlist") else [] for name in UNIT_FIELDS}
        if any(asked.values()):
            units = AdministrativeUnit.objects.filter(
                level__in=UNIT_FIELDS.values(), code__in=[code for codes in asked.values() for code in codes]
            )
            found = list(units.values_list("code", "name", "level"))
        else:
            found = []
        for name, level in UNIT_FIELDS.items():
            self.fields[name].choices = [(code, unit) for code, unit, unit_level in found if unit_level == level]
        for facet in extra_facets():
            self.fields[facet.name] = forms.MultipleChoiceField(
                label=facet.label, required=False, choices=facet.choices()
            )

    def filters(self) -> DirectoryFilters:
        self.is_valid()
        extra_names = {facet.name for facet in extra_facets()}
        data = {name: value for name, value in self.cleaned_data.items() if value and name not in extra_names}
        extra = {name: self.cleaned_data[name] for name in extra_names if self.cleaned_data.get(name)}
        return DirectoryFilters(**{"sort": SortOrder.RELEVANCE, **data}, extra=extra)
