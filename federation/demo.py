"""Demo federations: one per street of the demo tree, as in the source text (DESIGN.md section 1).

Planned from the seed for every street whether or not it already has one, so the random draws
never depend on what the database holds; streets that have a federation are left alone.
"""

import random

from registry.demo import office_phone, person_name, random_date, street_address
from registry.models import AdministrativeUnit

from .models import Federation
from .services import found_federation


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
