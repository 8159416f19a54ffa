from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = _("社区社会组织联合会")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit.actions import register_actions
        from registry.access import register_connection_provider, register_role_provider
        from registry.selectors.deadlines import register_deadline_source
        from registry.selectors.directory import register_directory_facet

        from .audit_actions import AUDIT_ACTIONS
        from .selectors import MEMBERSHIP_FACET, council_connections, federation_roles, staff_connections
        from .venture_deadlines import VENTURE_REPORTS

        register_actions(AUDIT_ACTIONS)
        register_role_provider(federation_roles)
        register_connection_provider(staff_connections)
        register_connection_provider(council_connections)
        register_directory_facet(MEMBERSHIP_FACET)
        register_deadline_source(VENTURE_REPORTS)
