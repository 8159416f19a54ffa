"""Demo federations: one per street of the demo tree, as in the source text (DESIGN.md section 1).

Planned from the seed for every street whether or not it already has one, so the random draws
never depend on what the database holds; streets that have a federation are left alone.
"""

import random

from registry.demo import office_phone, person_name, random_date, street_address
from registry.enums import OrganizationKind
from registry.models import AdministrativeUnit, Organization

from .models import Federation, Membership
from .services import admit_member, found_federation


def federation_name(street: AdministrativeUnit) -> str:
    return f"{street.name}社区社会组织联合会"


def found_federations(*, rng: random.Random, streets: list[AdministrativeUnit]) -> int:
    """Found the missing federations of `streets` (in code order); returns how many were founded."""
    streets = sorted(streets, key=lambda street: street.code)
    plans = [
        {
            "street": street,
            "name": federation_name(street),
            "founded_on": random_date(rng, 2019, 2021),
            "contact_person": person_name(rng),
            "contact_phone": office_phone(rng),
            "address": street_address(rng, street.code),
        }
        for street in streets
    ]
    existing = set(Federation.objects.filter(street__in=streets).values_list("street_id", flat=True))
    missing = [plan for plan in plans if plan["street"].pk not in existing]
    for plan in missing:
        found_federation(**plan)
    return len(missing)


def admit_members(*, rng: random.Random) -> int:
    """Most community groups of each street, and a few registered organizations, join their
    street's federation. Drawn for every organization in a fixed order whether or not it is
    already a member, so a second run admits nobody and changes no draw."""
    admitted = 0
    federations = {f.street_id: f for f in Federation.objects.all()}
    members = set(Membership.objects.filter(left_on__isnull=True).values_list("organization_id", flat=True))
    for organization in Organization.objects.order_by("pk"):
        federation = federations.get(organization.street_id)
        share = 0.85 if organization.kind == OrganizationKind.COMMUNITY_GROUP else 0.1
        joins = rng.random() < share
        joined_on = random_date(rng, max(federation.founded_on.year, 2019) if federation else 2019, 2025)
        if not joins or federation is None or organization.pk in members:
            continue
        admit_member(
            federation=federation,
            organization=organization,
            joined_on=max(joined_on, federation.founded_on, organization.founded_on or joined_on),
        )
        admitted += 1
    return admitted
