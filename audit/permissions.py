"""The Wagtail permission policy of the audit log: view, scoped; nothing else, for anyone."""

from django.contrib.auth import get_user_model
from wagtail.permission_policies.base import BasePermissionPolicy

from .models import AuditEntry
from .scoping import audit_entries_for_user


class AuditLogPermissionPolicy(BasePermissionPolicy):
    def __init__(self):
        super().__init__(AuditEntry)

    def user_has_permission(self, user, action):
        return action == "view" and user.has_perm("audit.view_auditentry")

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and user.has_perm("audit.view_auditentry", instance)

    def instances_user_has_permission_for(self, user, action):
        if action != "view":
            return AuditEntry.objects.none()
        return audit_entries_for_user(user)

    def users_with_any_permission(self, actions):
        # Wagtail asks this for notifications only, which the log does not send.
        return get_user_model().objects.none()
