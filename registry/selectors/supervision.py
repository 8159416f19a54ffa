"""Reads of supervision records, always scoped to the person asking."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from ..access import NOTHING, held_roles
from ..enums import Role
from ..models import Organization, SupervisionAttachment, SupervisionRecord
from .organizations import organizations_for_user

# Roles that record inspections and follow records up; community supervisors only observe.
OFFICER_ROLES = {Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}


def _unit_role_sees(user) -> Q:
    """What the user's unit roles see. Complaints name people, so organization accounts and
    federation or evaluation roles do not read them even about organizations they see."""
    return reduce(or_, [held.sees for held in held_roles(user) if held.role in Role.unit_roles()], NOTHING)


def _active_superuser(user) -> bool:
    return getattr(user, "is_superuser", False) and user.is_active


def supervised_organizations_for_user(user) -> QuerySet[Organization]:
    """The organizations whose supervision records the user reads (and may add to): those it
    sees (`organizations_for_user`) through a unit role."""
    if _active_superuser(user):
        return Organization.objects.all()
    return organizations_for_user(user).filter(_unit_role_sees(user))


def supervision_records_for_user(user) -> QuerySet[SupervisionRecord]:
    """Every list, detail and export of supervision records goes through this."""
    return SupervisionRecord.objects.filter(
        organization__in=supervised_organizations_for_user(user).values("pk")
    ).select_related("organization", "recorded_by")


def records_to_follow_up_for_user(user) -> QuerySet[SupervisionRecord]:
    """Records whose follow-up the user may move on: an officer's, about an organization the
    officer manages (`manageable_organizations_for_user`) or, for the district, any organization
    in the district's area."""
    if _active_superuser(user):
        return SupervisionRecord.objects.select_related("organization", "recorded_by")
    condition = NOTHING
    for held in held_roles(user):
        if held.role in OFFICER_ROLES:
            condition |= held.manages
        if held.role == Role.DISTRICT_OFFICER:
            condition |= held.sees
    organizations = Organization.objects.filter(condition)
    return SupervisionRecord.objects.filter(organization__in=organizations.values("pk")).select_related(
        "organization", "recorded_by"
    )


def follow_up_trail(record: SupervisionRecord) -> QuerySet:
    """The record's status changes, oldest first, with who made them."""
    return record.follow_ups.select_related("actor").order_by("at", "id")


def supervision_attachments_for_user(user) -> QuerySet[SupervisionAttachment]:
    """Attachments are read with their records: whoever reads the record may download them."""
    return SupervisionAttachment.objects.filter(record__in=supervision_records_for_user(user).values("pk"))
