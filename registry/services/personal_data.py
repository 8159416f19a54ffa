"""Writes of the encrypted personal data as a whole (keys: registry/encryption.py)."""

from collections.abc import Callable

from django.db import transaction
from django.db.models import Model, QuerySet

from ..models import Application, Organization
from ..models.organizations import PERSONAL_FIELDS

BATCH_SIZE = 500


def _write_again(queryset: QuerySet, fields: list[str], holds: Callable[[Model], bool]) -> int:
    rewritten, batch = 0, []
    for row in queryset.only(*fields).iterator(chunk_size=BATCH_SIZE):
        if holds(row):
            batch.append(row)
        if len(batch) == BATCH_SIZE:
            rewritten += queryset.model.objects.bulk_update(batch, fields)
            batch = []
    return rewritten + queryset.model.objects.bulk_update(batch, fields)


@transaction.atomic
def reencrypt_personal_data() -> dict[str, int]:
    """Write every stored personal value again under the newest key, after a new key was put first
    (a key rotation); the old keys may be dropped afterwards. Reading decrypts with any configured
    key, writing encrypts with the first. Returns how many rows were written per model."""
    return {
        "organizations": _write_again(
            Organization.objects.exclude(**dict.fromkeys(PERSONAL_FIELDS, "")),
            list(PERSONAL_FIELDS),
            lambda organization: True,
        ),
        "applications": _write_again(
            Application.objects.all(),
            ["proposed"],
            lambda application: any(application.proposed.get(field) for field in PERSONAL_FIELDS),
        ),
    }
