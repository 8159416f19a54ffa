"""Back office for the administrative tree and the unit roles held on it."""

from django.forms import modelform_factory
from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from ..forms import AdministrativeUnitForm, UnitRoleForm
from ..models import AdministrativeUnit, UnitRole
from ..permissions import RulesPermissionPolicy
from ..selectors.units import units_for_user
from ..services.roles import assign_unit_role, change_unit_role, revoke_unit_role
from ..services.units import add_unit, rename_unit
from .scoped import ScopedCreateView, ScopedDeleteView, ScopedEditView, ScopedViewSetMixin


class UnitCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return add_unit(
            parent=data.get("parent"),
            code=data["code"],
            name=data["name"],
            level=data["level"],
            actor=self.request.user,
        )


class UnitEditView(ScopedEditView):
    def save_instance(self):
        return rename_unit(unit=self.object, name=self.form.cleaned_data["name"], actor=self.request.user)


class AdministrativeUnitViewSet(ScopedViewSetMixin, ModelViewSet):
    """Adding a street here is all it takes for it to appear in every form, filter and import."""

    model = AdministrativeUnit
    name = "units"
    icon = "site"
    menu_label = _("行政区划")
    add_view_class = UnitCreateView
    edit_view_class = UnitEditView
    list_display = ["name", "code", "level"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    search_backend_name = None
    list_per_page = 100
    inspect_view_fields = ["name", "code", "level"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(AdministrativeUnit, scopes={"view": units_for_user})

    def get_form_class(self, for_update=False):
        return modelform_factory(
            AdministrativeUnit, form=AdministrativeUnitForm, fields=["parent", "code", "name", "level"]
        )


def unit_roles_for_user(user):
    return UnitRole.objects.filter(unit__in=units_for_user(user)).select_related("user", "unit")


class UnitRoleCreateView(ScopedCreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return assign_unit_role(user=data["user"], role=data["role"], unit=data["unit"], actor=self.request.user)


class UnitRoleEditView(ScopedEditView):
    def save_instance(self):
        data = self.form.cleaned_data
        return change_unit_role(
            assignment=self.object, actor=self.request.user, user=data["user"], role=data["role"], unit=data["unit"]
        )


class UnitRoleDeleteView(ScopedDeleteView):
    def delete_action(self):
        revoke_unit_role(assignment=self.object, actor=self.request.user)


class UnitRoleViewSet(ScopedViewSetMixin, ModelViewSet):
    model = UnitRole
    name = "unit_roles"
    icon = "user"
    menu_label = _("单位角色")
    add_view_class = UnitRoleCreateView
    edit_view_class = UnitRoleEditView
    delete_view_class = UnitRoleDeleteView
    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "unit__name"]
    search_backend_name = None
    inspect_view_fields = ["user", "role", "unit"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(UnitRole, scopes={"view": unit_roles_for_user})

    def get_form_class(self, for_update=False):
        return modelform_factory(UnitRole, form=UnitRoleForm, fields=["user", "role", "unit"])
