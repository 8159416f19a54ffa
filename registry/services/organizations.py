"""Writes to organizations. The only place that changes an organization's registered facts,
so that every change lands in its history."""

import functools
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit.services import entry, record_many

from ..enums import FieldOfActivity
from ..models import ActivityField, AdministrativeUnit, Organization, OrganizationChange
from ..personal_data import PERSONAL_FIELDS, masked
from ..search import build_search_document, name_sort_key
from ..selectors.organizations import manageable_organizations_for_user
from ..signals import organization_status_changed, organizations_saved_in_bulk

# Registered facts whose changes are recorded. Private ones (the personal data) are recorded masked,
# and not public.
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
PRIVATE_FIELDS = set(PERSONAL_FIELDS)
ACTIVITY_FIELDS = "activity_fields"
# The language of the change history (the bureau's).
HISTORY_LANGUAGE = "zh-hans"
# Rows per statement (and per `pk IN (...)` list) of the writes in bulk.
BATCH_SIZE = 1000


def _display(organization: Organization, field: str) -> str:
    """A field's value as a person reads it, in the bureau's language, for the history."""
    value = getattr(organization, field)
    if value is None or value == "":
        return ""
    if field in PRIVATE_FIELDS:
        return masked(field, value)
    model_field = organization._meta.get_field(field)
    if model_field.choices:
        return _labels(model_field).get(value, str(value))
    return str(value)


# The history is written in the bureau's language, so a label is translated once per process, not
# once per use: get_FOO_display() translated every label of the field on each call (most of an
# import's time), and translating each label on use still made the history's snapshots 1.9 s of a
# 10,000-row import under the profiler (0.6 s now; docs/performance.md).
@functools.cache
def _labels(model_field) -> dict[str, str]:
    """A field's choices, value → label as the history shows it."""
    with translation.override(HISTORY_LANGUAGE):
        return {value: str(label) for value, label in model_field.flatchoices}


@functools.cache
def _activity_label(code: str) -> str:
    with translation.override(HISTORY_LANGUAGE):
        return str(FieldOfActivity(code).label)


def _snapshot(organization: Organization, activity_fields: Iterable[ActivityField] | None = None) -> dict[str, str]:
    """The tracked fields as people read them; `activity_fields` instead of the stored ones."""
    if activity_fields is None:
        activity_fields = organization.activity_fields.all()
    with translation.override(HISTORY_LANGUAGE):
        snapshot = {field: _display(organization, field) for field in TRACKED_FIELDS}
        snapshot[ACTIVITY_FIELDS] = "、".join(sorted(_activity_label(f.code) for f in activity_fields))
    return snapshot


def _outside_scope(actor, organizations: list[Organization]) -> list[Organization]:
    """Those of the saved `organizations` that the actor does not manage: one query per thousand."""
    if actor is None:  # system writes: demo data, management commands run by an operator
        return []
    manageable = set()
    for start in range(0, len(organizations), BATCH_SIZE):
        pks = [organization.pk for organization in organizations[start : start + BATCH_SIZE]]
        manageable.update(manageable_organizations_for_user(actor).filter(pk__in=pks).values_list("pk", flat=True))
    return [organization for organization in organizations if organization.pk not in manageable]


def outside_scope_error() -> ValidationError:
    return ValidationError({"street": _("您无权登记或修改该街道、该类型的组织。")})


def _check_actor_may_manage(actor, organization: Organization) -> None:
    """Refuse, as a validation error on the location, a change that would put the organization
    outside what the actor manages (e.g. a street officer registering in another street)."""
    if _outside_scope(actor, [organization]):
        raise outside_scope_error()


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


def _changes(
    organization: Organization, before: dict[str, str], after: dict[str, str], *, actor, source: str
) -> list[OrganizationChange]:
    return [
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


def _record_changes(
    organization: Organization, before: dict[str, str], after: dict[str, str], *, actor, source: str
) -> list[OrganizationChange]:
    return OrganizationChange.objects.bulk_create(_changes(organization, before, after, actor=actor, source=source))


def _creation_entry(organization: Organization, snapshot: dict[str, str], *, actor, source: str):
    """The audit entry of a new organization: its facts as the history shows them (masked)."""
    after = {field: value for field, value in snapshot.items() if value}
    return entry(
        actor=actor,
        action="organization.create",
        target=organization,
        reason=source,
        after=after,
        organization=organization,
    )


def _change_entry(organization: Organization, changes: list[OrganizationChange], *, actor, source: str):
    """The audit entry of changed facts: each changed field before and after, as the history has them."""
    return entry(
        actor=actor,
        action="organization.change",
        target=organization,
        reason=source,
        before={change.field: change.old_value for change in changes},
        after={change.field: change.new_value for change in changes},
        organization=organization,
    )


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
    _creation_entry(organization, _snapshot(organization), actor=actor, source=source).save()
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
    after = _snapshot(current)
    changes = _record_changes(current, before, after, actor=actor, source=source)
    if changes:
        _change_entry(current, changes, actor=actor, source=source).save()
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


class OrganizationsOutsideScope(Exception):
    """Some organizations of a bulk write lie outside what the actor manages; nothing was written."""

    def __init__(self, organizations: list[Organization]):
        super().__init__(organizations)
        self.organizations = organizations


@transaction.atomic
def save_organizations_in_bulk(
    *,
    new: list[tuple[Organization, list[ActivityField]]],
    changed: list[tuple[Organization, Organization, list[ActivityField] | None]],
    actor,
    source: str,
) -> None:
    """What create_organization and update_organization do, for many organizations at once, in a
    few statements per thousand: for an import of a whole spreadsheet.

    `new`: unsaved organizations, each with its fields of activity. `changed`: each changed
    organization, the stored one it was copied from (with its activity fields prefetched) and its
    new fields of activity (None: unchanged). All of them already passed full_clean() or its
    equivalent. Raises OrganizationsOutsideScope, having written nothing, when the actor may not
    manage some of them (before or after the change); the caller reports those.
    """
    created = [organization for organization, _activity in new]
    updated = {stored.pk: organization for organization, stored, _activity in changed}
    outside = [updated[stored.pk] for stored in _outside_scope(actor, [stored for _o, stored, _a in changed])]
    for organization in created:
        refresh_search_fields(organization)
    Organization.objects.bulk_create(created, batch_size=BATCH_SIZE)

    now = timezone.now()  # bulk_update() does not apply auto_now
    for organization in updated.values():
        refresh_search_fields(organization)
        organization.updated_at = now
    Organization.objects.bulk_update(
        list(updated.values()),
        [*TRACKED_FIELDS, "name_pinyin", "search_document", "updated_at"],
        batch_size=BATCH_SIZE,
    )

    through = Organization.activity_fields.through
    replaced = [organization.pk for organization, _stored, activity in changed if activity is not None]
    for start in range(0, len(replaced), BATCH_SIZE):
        through.objects.filter(organization_id__in=replaced[start : start + BATCH_SIZE]).delete()
    links = new + [(organization, activity) for organization, _stored, activity in changed if activity is not None]
    through.objects.bulk_create(
        [
            through(organization=organization, activityfield=field)
            for organization, activity in links
            for field in activity
        ],
        batch_size=BATCH_SIZE,
    )

    history, audit_entries = [], []
    for organization, activity in new:
        audit_entries.append(
            _creation_entry(organization, _snapshot(organization, activity), actor=actor, source=source)
        )
    for organization, stored, activity in changed:
        after = _snapshot(organization, stored.activity_fields.all() if activity is None else activity)
        changes = _changes(organization, _snapshot(stored), after, actor=actor, source=source)
        history += changes
        if changes:
            audit_entries.append(_change_entry(organization, changes, actor=actor, source=source))
    OrganizationChange.objects.bulk_create(history, batch_size=BATCH_SIZE)
    record_many(audit_entries, batch_size=BATCH_SIZE)

    outside += _outside_scope(actor, [*created, *updated.values()])
    if outside:
        raise OrganizationsOutsideScope(list(dict.fromkeys(outside)))
    for organization, stored, _activity in changed:
        if organization.status != stored.status:
            organization_status_changed.send(
                sender=Organization,
                organization=organization,
                old_status=stored.status,
                new_status=organization.status,
                actor=actor,
                source=source,
            )
    organizations_saved_in_bulk.send(sender=Organization)
