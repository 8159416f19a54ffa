"""Gapless numbering for filing and certificate numbers."""

from django.conf import settings
from django.db import transaction

from ..models import NumberSequence


def allocate_number(*, series: str, year: int) -> int:
    """Give out the next number of `series` in `year`.

    Call it inside the transaction that saves the numbered record: the sequence row stays locked
    until that transaction ends, so a rollback returns the number and no two callers get the same
    one (PostgreSQL row lock; SQLite serializes writers anyway).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_number must run inside the transaction that uses the number")
    NumberSequence.objects.get_or_create(series=series, year=year)
    sequence = NumberSequence.objects.select_for_update().get(series=series, year=year)
    sequence.last_number += 1
    sequence.save(update_fields=["last_number"])
    return sequence.last_number


FILING_SERIES = "community_group_filing"


def allocate_filing_number(*, year: int) -> str:
    """The next community-group filing number of `year`, e.g. 市南备字〔2026〕第0001号."""
    number = allocate_number(series=FILING_SERIES, year=year)
    return f"{settings.REGISTRY_FILING_PREFIX}备字〔{year}〕第{number:04d}号"
