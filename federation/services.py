"""Writes of federations."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.access import forget_held_roles
from registry.enums import UnitLevel

from .models import Federation, FederationStaff, Membership


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


@transaction.atomic
def admit_member(*, federation: Federation, organization, joined_on) -> Membership:
    """Admit an organization of the federation's street (registered ones may join too)."""
    if not organization.street_id or organization.street_id != federation.street_id:
        raise ValidationError(
            {
                "organization": _("只有%(street)s的组织可以加入%(federation)s。")
                % {"street": federation.street.name, "federation": federation.name}
            }
        )
    membership = Membership(federation=federation, organization=organization, joined_on=joined_on)
    membership.full_clean()
    membership.save()
    return membership
