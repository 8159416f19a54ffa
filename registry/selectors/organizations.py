"""Reads of organizations, always scoped to the person asking."""

from functools import reduce
from operator import or_

from django.db.models import Count, Q, QuerySet

from ..access import NOTHING, held_roles
from ..enums import OrganizationKind, OrganizationStatus
from ..models import Organization


def _union(filters: list[Q]) -> Q:
    return reduce(or_, filters, NOTHING)


def organizations_for_user(user) -> QuerySet[Organization]:
    """The organizations the user may read: every list, detail, search, export and download
    in the back office goes through this (DESIGN.md section 5)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Organization.objects.all()
    roles = held_roles(user)
    if not roles:
        return Organization.objects.none()
    return Organization.objects.filter(_union([held.sees for held in roles])).distinct()


def manageable_organizations_for_user(user) -> QuerySet[Organization]:
    """The organizations whose registered facts the user may change."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return Organization.objects.all()
    roles = held_roles(user)
    if not roles:
        return Organization.objects.none()
    return Organization.objects.filter(_union([held.manages for held in roles])).distinct()


def with_list_relations(queryset: QuerySet[Organization]) -> QuerySet[Organization]:
    """What a list of organizations shows, fetched in a constant number of queries."""
    return queryset.select_related("street", "community", "registration_authority").prefetch_related("activity_fields")


def public_organizations() -> QuerySet[Organization]:
    """What the public directory shows: everything past the application stage, closed ones included,
    since a revoked or deregistered organization keeps its public record."""
    return Organization.objects.exclude(status__in=[OrganizationStatus.DRAFT, OrganizationStatus.PENDING])


def count_by_kind(queryset: QuerySet[Organization]) -> dict[str, int]:
    """Organizations per kind code, every kind present (0 where none)."""
    counts = dict.fromkeys(OrganizationKind.values, 0)
    counts.update(queryset.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n"))
    return counts
