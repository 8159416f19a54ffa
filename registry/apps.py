from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("登记管理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit.actions import register_actions
        from audit.scoping import register_visibility_provider

        from .access import register_role_provider
        from .audit_actions import AUDIT_ACTIONS
        from .selectors.audit_log import audit_log_visibility
        from .selectors.roles import registry_roles

        register_role_provider(registry_roles)
        register_actions(AUDIT_ACTIONS)
        register_visibility_provider(audit_log_visibility)
