"""The back office of the audit log: a listing and a detail page, nothing that writes.

The viewset registers only the index and inspect URLs: there is no add, edit, delete, copy,
history or usage address to reach, whatever the permissions.
"""

import json

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet

from .filters import AuditEntryFilterSet, target_type_label
from .models import AuditEntry
from .permissions import AuditLogPermissionPolicy
from .scoping import audit_entries_for_user


def _field_label(target_type: str, key: str) -> str:
    try:
        return str(apps.get_model(target_type)._meta.get_field(key).verbose_name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return key


def _shown(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, indent=1)
    return str(value)


class AuditIndexView(generic.IndexView):
    def get_base_queryset(self):
        return audit_entries_for_user(self.request.user)


class AuditInspectView(generic.InspectView):
    template_name = "audit/inspect.html"

    def get_object(self, queryset=None):
        return get_object_or_404(audit_entries_for_user(self.request.user), pk=self.pk)

    def get_field_display_value(self, field_name, field):
        if field_name == "action":
            return self.object.get_action_display()
        if field_name == "target_type":
            return target_type_label(self.object.target_type)
        return super().get_field_display_value(field_name, field)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        before, after = self.object.before or {}, self.object.after or {}
        keys = [*before, *(key for key in after if key not in before)]
        context["changes"] = [
            {
                "label": _field_label(self.object.target_type, key),
                "before": _shown(before.get(key)),
                "after": _shown(after.get(key)),
            }
            for key in keys
        ]
        return context


class AuditEntryViewSet(ModelViewSet):
    model = AuditEntry
    name = "audit"
    icon = "history"
    menu_label = _("审计日志")
    menu_order = 9000
    add_to_admin_menu = True
    index_view_class = AuditIndexView
    inspect_view_class = AuditInspectView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = AuditEntryFilterSet
    list_display = ["target_repr", "at", "get_action_display", "actor_name", "organization_name", "reason"]
    search_fields = ["actor_name", "action_label", "target_repr", "organization_name", "reason"]
    search_backend_name = None
    list_per_page = 50
    inspect_view_fields = [
        "at",
        "actor_name",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "organization_name",
        "reason",
        "ip",
    ]

    @property
    def permission_policy(self):
        return AuditLogPermissionPolicy()

    def get_common_view_kwargs(self, **kwargs):
        # No view here writes, so no view links to one.
        return super().get_common_view_kwargs(
            **{
                "add_url_name": None,
                "edit_url_name": None,
                "delete_url_name": None,
                "history_url_name": None,
                "usage_url_name": None,
                **kwargs,
            }
        )

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
        ]
