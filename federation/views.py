"""Back office for federations: scoped like everything else."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.viewsets.model import ModelViewSet

from registry.permissions import RulesPermissionPolicy
from registry.views.scoped import ScopedViewSetMixin

from .models import Federation
from .selectors import federations_for_user


class FederationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Federation
    name = "federations"
    icon = "group"
    menu_label = _("街道联合会")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["name", "street", "founded_on", "contact_person"]
    search_fields = ["name", "street__name"]
    search_backend_name = None
    form_fields = ["street", "name", "founded_on", "contact_person", "contact_phone", "address"]
    inspect_view_fields = ["name", "street", "founded_on", "contact_person", "contact_phone", "address"]
    list_export = ["name", "street", "founded_on", "contact_person", "contact_phone", "address"]
    export_filename = "federations"

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(Federation, scopes={"view": federations_for_user})
