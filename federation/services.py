"""Writes of federations."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record
from registry.access import forget_held_roles
from registry.enums import UnitLevel

from .council import end_council_term, may_manage_council
from .models import CouncilSeat, Federation, FederationStaff, Membership


@transaction.atomic
def found_federation(
    *, street, name: str, founded_on=None, contact_person="", contact_phone="", address=""
) -> Federation:
    """Record a street's federation (one per street)."""
    if street.level != UnitLevel.STREET:
        raise ValidationError({"street": _("联合会须设在街道。")})
    federation = Federation(
        street=street,
        name=name,
        founded_on=founded_on,
        contact_person=contact_person,
        contact_phone=contact_phone,
        address=address,
    )
    federation.full_clean()
    federation.save()
    return federation


@transaction.atomic
def add_federation_staff(*, user, federation: Federation) -> FederationStaff:
    staff, _created = FederationStaff.objects.get_or_create(user=user, federation=federation)
    forget_held_roles(user)
    return staff


def _check_past_date(value, field: str, label: str) -> None:
    if not isinstance(value, datetime.date):
        raise ValidationError({field: _("请填写有效的%(label)s。") % {"label": label}})
    if value > timezone.localdate():
        raise ValidationError({field: _("%(label)s不能晚于今天。") % {"label": label}})


@transaction.atomic
def admit_member(*, federation: Federation, organization, joined_on, actor) -> Membership:
    """Admit an organization of the federation's street (registered ones may join too) from
    `joined_on`, today at the latest. One current membership per organization; a former member
    rejoins no earlier than it last left. `actor` is checked like `end_membership`'s; None: the
    demo/system loading data (never a request's user)."""
    if actor is not None and not may_manage_council(actor, federation):
        raise PermissionDenied(_("只有本联合会的工作人员或所在街道、区的工作人员可以办理入会。"))
    if not organization.street_id or organization.street_id != federation.street_id:
        raise ValidationError(
            {
                "organization": _("只有%(street)s的组织可以加入%(federation)s。")
                % {"street": federation.street.name, "federation": federation.name}
            }
        )
    _check_past_date(joined_on, "joined_on", _("入会日期"))
    # Locks the federation's row: two admissions of one organization at once queue here.
    Federation.objects.select_for_update().filter(pk=federation.pk).first()
    memberships = Membership.objects.filter(federation=federation, organization=organization)
    current = memberships.filter(left_on__isnull=True).first()
    if current is not None:
        raise ValidationError(
            {
                "organization": _("%(name)s已是本联合会的会员（%(date)s入会）。")
                % {"name": organization.name, "date": current.joined_on}
            }
        )
    last_left = memberships.filter(left_on__isnull=False).order_by("-left_on").values_list("left_on", flat=True).first()
    if last_left is not None and joined_on < last_left:
        raise ValidationError(
            {"joined_on": _("该组织已于%(date)s退会，重新入会的日期不能早于退会日期。") % {"date": last_left}}
        )
    membership = Membership(federation=federation, organization=organization, joined_on=joined_on)
    membership.full_clean()
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as error:  # admitted meanwhile (the constraint held)
        raise ValidationError(
            {"organization": _("%(name)s已是本联合会的会员。") % {"name": organization.name}}
        ) from error
    record(
        actor=actor,
        action="membership.admit",
        target=membership,
        after={"federation": federation, "joined_on": joined_on},
        organization=organization,
    )
    return membership


@transaction.atomic
def end_membership(*, membership: Membership, left_on, actor) -> Membership:
    """The organization leaves the federation on `left_on`: the membership keeps its dates, and
    any council seat the organization holds ends the same day (only members sit on the council)."""
    if not may_manage_council(actor, membership.federation):
        raise PermissionDenied(_("只有本联合会的工作人员或所在街道、区的工作人员可以办理退会。"))
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.left_on is not None:
        raise ValidationError(_("该组织已于%(date)s退会。") % {"date": membership.left_on})
    _check_past_date(left_on, "left_on", _("退会日期"))
    if left_on < membership.joined_on:
        raise ValidationError({"left_on": _("退会日期不能早于入会日期（%(date)s）。") % {"date": membership.joined_on}})
    membership.left_on = left_on
    membership.full_clean()
    membership.save(update_fields=["left_on"])
    record(
        actor=actor,
        action="membership.end",
        target=membership,
        before={"left_on": None},
        after={"left_on": left_on},
        organization=membership.organization,
    )
    for seat in CouncilSeat.objects.filter(
        federation=membership.federation, organization=membership.organization, ended_on__isnull=True
    ):
        end_council_term(seat=seat, ended_on=max(left_on, seat.started_on), actor=actor)
    return membership
