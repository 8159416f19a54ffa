"""The organizations back office: a scoped list with filters, Chinese substring search,
CSV/XLSX export in the import format, and create/edit through the organization services."""

from django.forms import modelform_factory
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from ..forms import ORGANIZATION_FORM_FIELDS, OrganizationForm
from ..models import Organization
from ..permissions import RulesPermissionPolicy
from ..personal_data import PERSONAL_FIELDS, personal_data_for
from ..selectors.organizations import (
    manageable_organizations_for_user,
    organizations_for_user,
    with_list_relations,
)
from ..services.organizations import create_organization, update_organization
from ..spreadsheets import COLUMNS, OrganizationResource
from .scoped import ScopedCreateView, ScopedEditView, ScopedIndexView, ScopedInspectView, ScopedViewSetMixin

ADMIN_SOURCE = "后台编辑"


class OrganizationIndexView(ScopedIndexView):
    """Exports use the import spreadsheet's columns, so an export can be edited and re-imported."""

    def get_base_queryset(self):
        # Neither the list nor the export shows personal data: not even decrypted.
        return with_list_relations(super().get_base_queryset()).defer(*PERSONAL_FIELDS)

    def get_heading(self, queryset, field):
        return field

    def to_row_dict(self, item):
        resource = OrganizationResource()
        return dict(zip(resource.get_export_headers(), resource.export_resource(item), strict=True))

    def stream_csv(self, queryset):
        # A byte-order mark lets Excel open the UTF-8 file with its Chinese intact.
        yield "\ufeff"
        yield from super().stream_csv(queryset)


def _form_data(form) -> dict:
    return {field: value for field, value in form.cleaned_data.items() if field != "activity_fields"}


class OrganizationCreateView(ScopedCreateView):
    def save_instance(self):
        return create_organization(
            actor=self.request.user,
            data=_form_data(self.form),
            activity_fields=self.form.cleaned_data.get("activity_fields", []),
            source=ADMIN_SOURCE,
        )


class OrganizationEditView(ScopedEditView):
    """Only the officers who manage the organization edit it, and the form holds its personal data
    in clear: opening it is recorded as a view of that data."""

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        personal_data_for(request, self.object)
        return response

    def save_instance(self):
        organization, changes = update_organization(
            organization=self.object,
            actor=self.request.user,
            data=_form_data(self.form),
            activity_fields=self.form.cleaned_data.get("activity_fields"),
            source=ADMIN_SOURCE,
        )
        self.has_content_changes = bool(changes)
        return organization


class OrganizationInspectView(ScopedInspectView):
    """Read-only view for every role that sees the organization; the personal data in clear only
    for its registration officers, and recorded (`registry.personal_data`)."""

    @cached_property
    def personal_data(self) -> dict[str, str]:
        return personal_data_for(self.request, self.object)

    def get_field_display_value(self, field_name, field):
        if field_name in PERSONAL_FIELDS:
            return self.personal_data[field_name]
        if field_name == "activity_fields":
            return "、".join(str(f) for f in self.object.activity_fields.all())
        return super().get_field_display_value(field_name, field)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["changes"] = self.object.changes.select_related("changed_by")[:50]
        return context


class OrganizationViewSet(ScopedViewSetMixin, ModelViewSet):
    model = Organization
    name = "organizations"
    icon = "group"
    menu_label = _("社会组织")
    add_to_admin_menu = False
    index_view_class = OrganizationIndexView
    add_view_class = OrganizationCreateView
    edit_view_class = OrganizationEditView
    inspect_view_class = OrganizationInspectView
    inspect_template_name = "registry/admin/organization_inspect.html"
    list_display = [
        "name",
        Column("identifier", label=_("信用代码/备案编号")),
        "kind",
        "street",
        "status",
    ]
    list_filter = ["kind", "category", "activity_fields", "street", "status"]
    # Plain database search (icontains): a Chinese name is one unbroken run of characters, and
    # a substring match finds 养老 inside 颐和老年公寓养老服务中心 without any segmentation.
    search_fields = ["name", "uscc", "filing_number", "address", "legal_representative"]
    search_backend_name = None
    list_export = list(COLUMNS.values())
    export_filename = "organizations"
    list_per_page = 50
    inspect_view_fields_exclude = ["id"]

    @property
    def permission_policy(self):
        return RulesPermissionPolicy(
            Organization, scopes={"view": organizations_for_user, "change": manageable_organizations_for_user}
        )

    def get_form_class(self, for_update=False):
        return modelform_factory(Organization, form=OrganizationForm, fields=ORGANIZATION_FORM_FIELDS)
