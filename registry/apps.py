from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("登记管理")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .access import register_role_provider
        from .selectors.roles import registry_roles

        register_role_provider(registry_roles)
