"""Wagtail permission policies that delegate to the `rules` predicates and scoping selectors."""

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from wagtail.permission_policies.base import BasePermissionPolicy


class RulesPermissionPolicy(BasePermissionPolicy):
    """Answers Wagtail's questions with `user.has_perm("<app>.<action>_<model>", obj)`.

    `scope` names, for an action, the selector of instances the user may act on ("view" when
    an action has none of its own); the admin views use it for every list and object lookup.
    """

    def __init__(self, model, scopes: dict[str, Callable[[object], QuerySet]]):
        super().__init__(model)
        self.scopes = scopes

    def _perm(self, action: str) -> str:
        return f"{self.model._meta.app_label}.{action}_{self.model._meta.model_name}"

    def user_has_permission(self, user, action):
        return user.has_perm(self._perm(action))

    def user_has_permission_for_instance(self, user, action, instance):
        return user.has_perm(self._perm(action), instance)

    def instances_user_has_permission_for(self, user, action):
        if not self.user_has_permission(user, action):
            return self.model._default_manager.none()
        return self.scopes.get(action, self.scopes["view"])(user)

    def instances_user_has_any_permission_for(self, user, actions):
        condition = Q(pk__in=[])
        for action in actions:
            condition |= Q(pk__in=self.instances_user_has_permission_for(user, action).values("pk"))
        return self.model._default_manager.filter(condition)

    def users_with_any_permission(self, actions):
        # Only superusers are known without evaluating every predicate for every user; Wagtail
        # uses this for notifications, which the registry does not send through it.
        return get_user_model().objects.filter(Q(is_superuser=True, is_active=True))
