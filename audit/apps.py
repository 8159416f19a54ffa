from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("审计日志")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from .erasing import register_sqlite_guard

        connection_created.connect(register_sqlite_guard, dispatch_uid="audit.register_sqlite_guard")
