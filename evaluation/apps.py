from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("社会组织评估")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from audit.actions import register_actions
        from registry.access import register_role_provider
        from registry.selectors.deadlines import register_deadline_source
        from registry.selectors.directory import register_directory_facet
        from registry.signals import organization_status_changed

        from .audit_actions import AUDIT_ACTIONS
        from .selectors.appeal_deadlines import APPEAL_WINDOWS
        from .selectors.directory import GRADE_FACET, PURCHASE_FACET
        from .selectors.people import evaluation_roles
        from .services.certificates import revoke_when_organization_ends

        register_actions(AUDIT_ACTIONS)
        register_role_provider(evaluation_roles)
        register_directory_facet(GRADE_FACET)
        register_directory_facet(PURCHASE_FACET)
        register_deadline_source(APPEAL_WINDOWS)
        organization_status_changed.connect(
            revoke_when_organization_ends, dispatch_uid="evaluation-revoke-certificates"
        )
