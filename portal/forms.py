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
        units = AdministrativeUnit.objects.filter(level__in=[UnitLevel.STREET, UnitLevel.COMMUNITY])
        codes = {level: [] for level in (UnitLevel.STREET, UnitLevel.COMMUNITY)}
        for code, name, level in units.values_list("code", "name", "level"):
            codes[level].append((code, name))
        self.fields["street"].choices = codes[UnitLevel.STREET]
        self.fields["community"].choices = codes[UnitLevel.COMMUNITY]
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
