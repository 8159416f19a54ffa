"""Writes to organizations. The only place that changes an organization's registered facts,
so that every change lands in its history."""

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import ActivityField, AdministrativeUnit, Organization, OrganizationChange
from ..search import build_search_document, name_sort_key
from ..selectors.organizations import manageable_organizations_for_user
from ..signals import organization_status_changed
from ..validators import mask_resident_id

# Registered facts whose changes are recorded. Private ones are recorded without being public,
# and an ID number only in masked form.
TRACKED_FIELDS = [
    "name",
    "uscc",
    "filing_number",
    "kind",
    "category",
    "status",
    "registration_authority",
    "supervising_unit",
    "supervising_approval_number",
    "street",
    "community",
    "address",
    "founded_on",
    "registered_capital",
    "business_scope",
    "activity_area",
    "member_count",
    "legal_representative",
    "public_phone",
    "legal_representative_id_number",
    "legal_representative_phone",
]
PRIVATE_FIELDS = {"legal_representative_id_number", "legal_representative_phone"}
ACTIVITY_FIELDS = "activity_fields"


def _display(organization: Organization, field: str) -> str:
    """A field's value as a person reads it, in the bureau's language, for the history."""
    if field == ACTIVITY_FIELDS:
        return "、".join(sorted(str(f) for f in organization.activity_fields.all()))
    value = getattr(organization, field)
    if value is None or value == "":
        return ""
    if field == "legal_representative_id_number":
        return mask_resident_id(value)
    model_field = organization._meta.get_field(field)
    if model_field.choices:
        return str(getattr(organization, f"get_{field}_display")())
    return str(value)


def _snapshot(organization: Organization) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {field: _display(organization, field) for field in [*TRACKED_FIELDS, ACTIVITY_FIELDS]}


def _check_actor_may_manage(actor, organization: Organization) -> None:
    """Refuse, as a validation error on the location, a change that would put the organization
    outside what the actor manages (e.g. a street officer registering in another street)."""
    if actor is None:  # system writes: demo data, management commands run by an operator
        return
    if not manageable_organizations_for_user(actor).filter(pk=organization.pk).exists():
        raise ValidationError({"street": _("您无权登记或修改该街道、该类型的组织。")})


def refresh_search_fields(organization: Organization) -> None:
    """Recompute the derived search fields from the name, codes and location (not saved)."""
    organization.name_pinyin = name_sort_key(organization.name)
    organization.search_document = build_search_document(
        name=organization.name,
        codes=[organization.uscc, organization.filing_number],
        places=[unit.name for unit in (organization.street, organization.community) if unit is not None],
    )


def reindex_organizations_of_unit(unit: AdministrativeUnit) -> int:
    """After a unit is renamed: refresh the search fields of the organizations located in it."""
    organizations = list(
        Organization.objects.filter(Q(street=unit) | Q(community=unit)).select_related("street", "community")
    )
    for organization in organizations:
        refresh_search_fields(organization)
    Organization.objects.bulk_update(organizations, ["name_pinyin", "search_document"], batch_size=500)
    return len(organizations)


def _record_changes(
    organization: Organization, before: dict[str, str], after: dict[str, str], *, actor, source: str
) -> list[OrganizationChange]:
    changes = [
        OrganizationChange(
            organization=organization,
            changed_by=actor,
            field=field,
            old_value=before[field],
            new_value=after[field],
            is_public=field not in PRIVATE_FIELDS,
            source=source,
        )
        for field in after
        if before[field] != after[field]
    ]
    return OrganizationChange.objects.bulk_create(changes)


@transaction.atomic
def create_organization(
    *, actor, data: dict[str, Any], activity_fields: Iterable[ActivityField] = (), source: str
) -> Organization:
    """Create an organization from validated facts. `actor` must manage the result."""
    organization = Organization(**data)
    organization.full_clean()
    refresh_search_fields(organization)
    organization.save()
    organization.activity_fields.set(activity_fields)
    _check_actor_may_manage(actor, organization)
    return organization


@transaction.atomic
def update_organization(
    *,
    organization: Organization,
    actor,
    data: dict[str, Any],
    activity_fields: Iterable[ActivityField] | None = None,
    source: str,
) -> tuple[Organization, list[OrganizationChange]]:
    """Change registered facts and record each changed field (who, when, old, new).

    The row is locked and re-read, so the history compares against what is really stored even
    when the caller's instance was already modified (as a bound ModelForm does). A change of
    status is announced with `registry.signals.organization_status_changed`.
    """
    current = Organization.objects.select_for_update().get(pk=organization.pk)
    _check_actor_may_manage(actor, current)
    before, previous_status = _snapshot(current), current.status
    for field, value in data.items():
        setattr(current, field, value)
    current.full_clean()
    refresh_search_fields(current)
    current.save()
    if activity_fields is not None:
        current.activity_fields.set(activity_fields)
    _check_actor_may_manage(actor, current)
    changes = _record_changes(current, before, _snapshot(current), actor=actor, source=source)
    if current.status != previous_status:
        organization_status_changed.send(
            sender=Organization,
            organization=current,
            old_status=previous_status,
            new_status=current.status,
            actor=actor,
            source=source,
        )
    return current, changes
