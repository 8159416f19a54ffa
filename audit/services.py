"""The one writer of the audit log."""

import ipaddress
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.utils import translation
from django.utils.module_loading import import_string

from .actions import action_label
from .models import AuditEntry


class _AuditEncoder(DjangoJSONEncoder):
    """Dates, decimals, UUIDs and lazy strings as DjangoJSONEncoder writes them; model instances
    and files by name; sets as sorted lists. The log keeps what people read, not references."""

    def default(self, o):
        if isinstance(o, models.Model):
            return str(o)
        if isinstance(o, FieldFile):
            return o.name or ""
        if isinstance(o, set | frozenset):
            return sorted(o, key=str)
        return super().default(o)


def _jsonable(values: dict | None) -> dict | None:
    if values is None:
        return None
    return json.loads(json.dumps(values, cls=_AuditEncoder, ensure_ascii=False))


def _client_ip(request) -> str | None:
    if request is None:
        return None
    # The same address the login lockout counts, which honours the trusted reverse proxies.
    # X-Forwarded-For is written by the client: keep it only if it is an address at all.
    address = import_string(settings.AXES_CLIENT_IP_CALLABLE)(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _actor_name(actor) -> str:
    full_name = actor.get_full_name() if hasattr(actor, "get_full_name") else ""
    return full_name or actor.get_username()


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The facts that differ between `before` and `after` (one missing counts as None), as an
    entry's before and after."""
    changed = [name for name in {**before, **after} if before.get(name) != after.get(name)]
    return {name: before.get(name) for name in changed}, {name: after.get(name) for name in changed}


def entry(
    *,
    actor,
    action: str,
    target: models.Model,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    organization: models.Model | None = None,
    request=None,
) -> AuditEntry:
    """An entry of the audit log, not yet saved: `record` saves one, `record_many` many.

    `actor` is the user who acted, or None when the system did (a scheduled task, an import run).
    `action` is a registered code (audit.actions). `before` and `after` hold the changed facts;
    their values are stored as text where JSON has no type for them. `organization` scopes the
    entry for officers who see only their area. Called inside the caller's transaction, so a
    decision that rolls back leaves no entry.
    """
    if actor is not None and not actor.is_authenticated:
        actor = None
    # Stored in the site's language whatever the actor's (labels passed lazily in before/after,
    # names of targets built from labels); the listing shows the catalogue's label translated.
    with translation.override(settings.LANGUAGE_CODE):
        label = str(action_label(action))
        before, after = _jsonable(before), _jsonable(after)
        target_repr = str(target)[:255]
        organization_name = str(organization)[:200] if organization is not None else ""
    return AuditEntry(
        actor_id=actor.pk if actor is not None else None,
        actor_name=_actor_name(actor) if actor is not None else "",
        action=action,
        action_label=label,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=target_repr,
        organization_id=organization.pk if organization is not None else None,
        organization_name=organization_name,
        reason=reason or "",
        before=before,
        after=after,
        ip=_client_ip(request),
    )


def record(**arguments) -> AuditEntry:
    """Append one entry to the audit log (the arguments are `entry`'s) and return it."""
    new = entry(**arguments)
    new.save()
    return new


def record_many(entries: list[AuditEntry], *, batch_size: int = 1000) -> None:
    """Append many entries built by `entry` in a few statements: for bulk writes such as an import."""
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
