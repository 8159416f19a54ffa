"""Registers the audit log's back office in the Wagtail admin (registration only)."""

from wagtail import hooks

from .views import AuditEntryViewSet


@hooks.register("register_admin_viewset")
def register_audit_viewset():
    return AuditEntryViewSet()
