"""Who reads which audit entries.

Audit depends on no other app, yet what an officer may read follows the registry's roles and areas.
The app that knows the roles registers a *visibility provider* at start-up (registry does, in
RegistryConfig.ready, as it registers its role provider with registry.access): a function of the
user that answers None (no access), `Visibility(everything=True)`, or the ids of the organizations
whose entries the user reads. Keeping the viewset here and the role knowledge there means audit
never imports a project app, and every app may still write to the log.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from .models import AuditEntry


@dataclass(frozen=True)
class Visibility:
    everything: bool = False
    # A queryset of organization ids (e.g. `organizations.values("pk")`), used as a subquery.
    organization_ids: QuerySet | None = None


VisibilityProvider = Callable[[object], Visibility | None]
_providers: list[VisibilityProvider] = []


def register_visibility_provider(provider: VisibilityProvider) -> VisibilityProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def _visibilities(user) -> list[Visibility]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return [Visibility(everything=True)]
    return [visibility for provider in _providers if (visibility := provider(user)) is not None]


def may_read_audit_log(user) -> bool:
    """Does the user read any part of the log (district and city officers, superusers: all of it;
    street officers and community supervisors: their area's)."""
    return bool(_visibilities(user))


def audit_entries_for_user(user) -> QuerySet[AuditEntry]:
    """The entries the user reads: every list and detail of the log goes through this."""
    visibilities = _visibilities(user)
    if not visibilities:
        return AuditEntry.objects.none()
    if any(visibility.everything for visibility in visibilities):
        return AuditEntry.objects.all()
    condition = reduce(
        or_,
        [Q(organization_id__in=v.organization_ids) for v in visibilities if v.organization_ids is not None],
        Q(pk__in=[]),
    )
    return AuditEntry.objects.filter(condition)
