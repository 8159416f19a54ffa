"""Registers the registry's back office in the Wagtail admin (registration only)."""

from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.base import ViewSetGroup

from .views.annual_reports import AnnualReportViewSet
from .views.applications import ApplicationActionView, ApplicationViewSet
from .views.claims import OrganizationClaimViewSet
from .views.credit import AdministrativePenaltyViewSet, CreditListingViewSet, CreditProposalViewSet
from .views.importing import OrganizationImportView
from .views.organizations import OrganizationViewSet
from .views.supervision import SupervisionRecordViewSet
from .views.units import AdministrativeUnitViewSet, UnitRoleViewSet


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("registry.add_organization")


class RegistryGroup(ViewSetGroup):
    menu_label = _("登记管理")
    menu_icon = "group"
    menu_order = 200
    items = (
        ApplicationViewSet,
        OrganizationClaimViewSet,
        OrganizationViewSet,
        AnnualReportViewSet,
        AdministrativeUnitViewSet,
        UnitRoleViewSet,
        SupervisionRecordViewSet,
        CreditProposalViewSet,
        CreditListingViewSet,
        AdministrativePenaltyViewSet,
    )

    def get_submenu_items(self):
        return [
            *super().get_submenu_items(),
            ImportMenuItem(
                _("导入社会组织"), reverse_lazy("registry_import_organizations"), icon_name="upload", order=900
            ),
        ]


@hooks.register("register_admin_viewset")
def register_registry_viewsets():
    return RegistryGroup()


@hooks.register("register_admin_urls")
def register_registry_urls():
    return [
        path("registry/import/", OrganizationImportView.as_view(), name="registry_import_organizations"),
        path(
            "registry/applications/<int:pk>/act/",
            ApplicationActionView.as_view(),
            name="registry_application_act",
        ),
    ]
