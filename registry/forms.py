"""Back-office forms of the registry."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .enums import UnitLevel
from .models import AdministrativeUnit
from .selectors.units import units_for_user
from .services.organizations import ACTIVITY_FIELDS, TRACKED_FIELDS

# The form edits exactly the facts whose changes the history records.
ORGANIZATION_FORM_FIELDS = [*TRACKED_FIELDS, ACTIVITY_FIELDS]


class OrganizationForm(WagtailAdminModelForm):
    """Units offered are those in the user's area; the rest of the rules are the model's clean()
    and the organization services (which also refuse what the user may not manage)."""

    class Meta:
        widgets = {"activity_fields": forms.CheckboxSelectMultiple}

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        units = units_for_user(for_user) if for_user is not None else AdministrativeUnit.objects.all()
        self.fields["street"].queryset = units.filter(level=UnitLevel.STREET)
        self.fields["community"].queryset = units.filter(level=UnitLevel.COMMUNITY)
        self.fields["registration_authority"].queryset = AdministrativeUnit.objects.filter(
            level__in=[UnitLevel.CITY, UnitLevel.DISTRICT]
        )

    def clean_uscc(self):
        return (self.cleaned_data.get("uscc") or "").strip().upper() or None

    def clean_filing_number(self):
        return (self.cleaned_data.get("filing_number") or "").strip() or None


class AdministrativeUnitForm(WagtailAdminModelForm):
    """A new unit is placed under a parent; code and level are fixed once the unit exists."""

    parent = forms.ModelChoiceField(queryset=AdministrativeUnit.objects.all(), required=False, label=_("上级单位"))

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None and not for_user.is_superuser:
            self.fields["parent"].queryset = units_for_user(for_user)
        if self.instance.pk:
            del self.fields["parent"]
            for name in ("code", "level"):
                self.fields[name].disabled = True


class UnitRoleForm(WagtailAdminModelForm):
    """Roles can be granted only on units in the granting officer's own area."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        if for_user is not None:
            self.fields["unit"].queryset = units_for_user(for_user)
