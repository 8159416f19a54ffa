"""Writes of federation councils (DESIGN.md section 8): a president, vice-presidents and a
secretary-general, each a member organization's delegate for a term.

Who may: the federation's own staff, and the officers of its street or of the district above it.
A seat is held by a current member; the president and the secretary-general are one at a time
(the database holds that too, `council_one_current_president_and_secretary`), vice-presidents
may be several; an organization holds one seat at a time. Ending a term keeps the row as the
record of who served when.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from registry.access import held_roles
from registry.enums import Role

from .enums import SINGLE_SEAT_ROLES, CouncilRole
from .models import CouncilSeat, Federation, Membership

OFFICER_ROLES = {Role.STREET_OFFICER, Role.DISTRICT_OFFICER}
PERSON_NAME_MAX = CouncilSeat._meta.get_field("person_name").max_length


def is_federation_staff(user, federation: Federation) -> bool:
    """The user works for this federation (its street's, one federation per street)."""
    return any(
        held.role == Role.FEDERATION_STAFF and held.unit is not None and held.unit.pk == federation.street_id
        for held in held_roles(user)
    )


def is_officer_over(user, street, roles=frozenset(OFFICER_ROLES)) -> bool:
    """The user holds one of `roles` on the street or on a unit above it."""
    return any(
        held.role in roles and held.unit is not None and street.path.startswith(held.unit.path)
        for held in held_roles(user)
    )


def may_manage_council(user, federation: Federation) -> bool:
    if getattr(user, "is_superuser", False) and user.is_active:
        return True
    return is_federation_staff(user, federation) or is_officer_over(user, federation.street)


def _check_date(value, field: str, label: str) -> None:
    if not isinstance(value, datetime.date):
        raise ValidationError({field: _("请填写有效的%(label)s。") % {"label": label}})
    if value > timezone.localdate():
        raise ValidationError({field: _("%(label)s不能晚于今天：请在任免之后登记。") % {"label": label}})


@transaction.atomic
def appoint_council_member(
    *, federation: Federation, organization, role: str, person_name: str, started_on: datetime.date, actor
) -> CouncilSeat:
    """Seat `person_name`, delegated by the member `organization`, in `role` from `started_on`."""
    if not may_manage_council(actor, federation):
        raise PermissionDenied(_("只有本联合会的工作人员或所在街道、区的工作人员可以任免理事会职务。"))
    if role not in CouncilRole.values:
        raise ValidationError({"role": _("请选择会长、副会长或秘书长。")})
    person_name = (person_name or "").strip()
    if not person_name:
        raise ValidationError({"person_name": _("请填写担任人姓名。")})
    if len(person_name) > PERSON_NAME_MAX:
        raise ValidationError({"person_name": _("担任人姓名不能超过%(max)d个字。") % {"max": PERSON_NAME_MAX}})
    _check_date(started_on, "started_on", _("任职日期"))
    # Locks the federation's row: two appointments to one seat at once queue here.
    Federation.objects.select_for_update().filter(pk=federation.pk).first()
    membership = Membership.objects.filter(
        federation=federation, organization=organization, left_on__isnull=True
    ).first()
    if membership is None:
        raise ValidationError(
            {"organization": _("%(name)s不是本联合会的现有会员，不能担任理事会职务。") % {"name": organization.name}}
        )
    if started_on < membership.joined_on:
        raise ValidationError(
            {"started_on": _("任职日期不能早于该组织的入会日期（%(date)s）。") % {"date": membership.joined_on}}
        )
    current = CouncilSeat.objects.filter(federation=federation, ended_on__isnull=True)
    held_by_organization = current.filter(organization=organization).first()
    if held_by_organization is not None:
        raise ValidationError(
            {
                "organization": _("%(name)s已在理事会担任%(role)s，请先办理离任。")
                % {"name": organization.name, "role": held_by_organization.get_role_display()}
            }
        )
    if role in SINGLE_SEAT_ROLES:
        holder = current.filter(role=role).select_related("organization").first()
        if holder is not None:
            raise ValidationError(
                {
                    "role": _("%(role)s现由%(person)s（%(organization)s）担任，请先办理离任。")
                    % {
                        "role": CouncilRole(role).label,
                        "person": holder.person_name,
                        "organization": holder.organization.name,
                    }
                }
            )
    seat = CouncilSeat(
        federation=federation,
        organization=organization,
        role=role,
        person_name=person_name,
        started_on=started_on,
        appointed_by=actor,
    )
    seat.full_clean()
    try:
        with transaction.atomic():
            seat.save()
    except IntegrityError as error:  # a concurrent appointment won the seat (the constraint held)
        raise ValidationError({"role": _("该职务已有在任人员，请先办理离任。")}) from error
    record(
        actor=actor,
        action="council.appoint",
        target=seat,
        after={"role": seat.get_role_display(), "person_name": person_name, "started_on": started_on},
        organization=organization,
    )
    return seat


@transaction.atomic
def end_council_term(*, seat: CouncilSeat, ended_on: datetime.date, actor) -> CouncilSeat:
    """End the seat's term on `ended_on`; the row stays as the record."""
    if not may_manage_council(actor, seat.federation):
        raise PermissionDenied(_("只有本联合会的工作人员或所在街道、区的工作人员可以任免理事会职务。"))
    seat = CouncilSeat.objects.select_for_update().get(pk=seat.pk)
    if seat.ended_on is not None:
        raise ValidationError(_("%(person)s已于%(date)s离任。") % {"person": seat.person_name, "date": seat.ended_on})
    _check_date(ended_on, "ended_on", _("离任日期"))
    if ended_on < seat.started_on:
        raise ValidationError({"ended_on": _("离任日期不能早于任职日期（%(date)s）。") % {"date": seat.started_on}})
    seat.ended_on, seat.ended_by = ended_on, actor
    seat.full_clean()
    seat.save(update_fields=["ended_on", "ended_by"])
    record(
        actor=actor,
        action="council.end",
        target=seat,
        before={"ended_on": None},
        after={"ended_on": ended_on},
        organization=seat.organization,
    )
    return seat
