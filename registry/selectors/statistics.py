"""Figures of the public registry, for the statistics page and the API."""

from django.db.models import Count

from ..enums import Category, FieldOfActivity, OrganizationKind, OrganizationStatus, UnitLevel
from ..models import AdministrativeUnit
from .organizations import count_by_kind, public_organizations


def _labelled(counts: dict, choices) -> list[dict]:
    return [{"code": code, "label": str(label), "count": counts.get(code, 0)} for code, label in choices]


def registry_statistics() -> dict:
    """Counts of public organizations by kind, category, field of activity, street and status.
    Each is a list of {code, label, count}; every value of a choice is present, 0 included."""
    organizations = public_organizations().order_by()
    by_category = dict(organizations.exclude(category="").values_list("category").annotate(n=Count("pk")))
    by_field = dict(organizations.values_list("activity_fields__code").annotate(n=Count("pk", distinct=True)))
    by_street = dict(organizations.values_list("street__code").annotate(n=Count("pk")))
    by_status = dict(organizations.values_list("status").annotate(n=Count("pk")))
    streets = AdministrativeUnit.objects.filter(level=UnitLevel.STREET).order_by("code").values_list("code", "name")
    statuses = [(s.value, s.label) for s in OrganizationStatus if by_status.get(s.value)]
    return {
        "total": sum(by_status.values()),
        "by_kind": _labelled(count_by_kind(organizations), OrganizationKind.choices),
        "by_category": _labelled(by_category, Category.choices),
        "by_field": _labelled(by_field, FieldOfActivity.choices),
        "by_street": [{"code": code, "label": name, "count": by_street.get(code, 0)} for code, name in streets],
        "by_status": _labelled(by_status, statuses),
    }
