"""Who holds which role, in one place.

Roles live beside what they are held on: unit roles and organization accounts here, federation
staff in `federation`, agency and committee roles in `evaluation`. Those apps depend on the
registry, not the other way round, so each registers a *role provider* in its AppConfig.ready();
the registry's scoping selectors then ask `held_roles(user)` and never import the other apps.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q

from .enums import Role


@dataclass(frozen=True)
class HeldRole:
    """One role a user holds, with what it lets them see and manage among organizations.

    `sees` and `manages` are filters on Organization; `Q(pk__in=[])` means nothing.
    `where` names the unit, federation, agency or committee it is held on (for people, not code).
    `unit` is the administrative unit whose subtree the role covers, if it covers one.
    """

    role: Role
    where: str
    sees: Q
    manages: Q
    unit: object = None


NOTHING = Q(pk__in=[])

RoleProvider = Callable[[object], list[HeldRole]]
_providers: list[RoleProvider] = []


def register_role_provider(provider: RoleProvider) -> RoleProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def held_roles(user) -> list[HeldRole]:
    """Every role the user holds, computed once per user object (that is, once per request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, "_held_roles_cache", None)
    if cached is None:
        cached = [held for provider in _providers for held in provider(user)]
        user._held_roles_cache = cached
    return cached


def forget_held_roles(user) -> None:
    """Drop the per-object cache after the user's roles change."""
    user.__dict__.pop("_held_roles_cache", None)


def holds_back_office_role(user) -> bool:
    """Staff roles use the Wagtail admin; organization accounts use their own area of the site."""
    return any(held.role != Role.ORGANIZATION_ACCOUNT for held in held_roles(user))


# Other apps also know people connected to an organization (a federation's staff, for its members);
# checks of conflicts of interest ask them through here, as scoping asks the role providers.
ConnectionProvider = Callable[[object, list[int]], dict[int, list[str]]]
_connection_providers: list[ConnectionProvider] = []


def register_connection_provider(provider: ConnectionProvider) -> ConnectionProvider:
    if provider not in _connection_providers:
        _connection_providers.append(provider)
    return provider


def connections_to(organization, user_ids: list[int]) -> dict[int, list[str]]:
    """user id → why that user is connected to `organization` through another app (a reason a
    person could read), for every provider; users without a connection are left out."""
    found: dict[int, list[str]] = {}
    for provider in _connection_providers:
        for user_id, reasons in provider(organization, user_ids).items():
            found.setdefault(user_id, []).extend(reasons)
    return found
