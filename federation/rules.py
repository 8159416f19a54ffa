"""Permission predicates of federations."""

import rules

from registry.rules import is_active_superuser, may_administer_units, uses_back_office

rules.add_perm("federation.view_federation", is_active_superuser | uses_back_office)
rules.add_perm("federation.add_federation", is_active_superuser | may_administer_units)
rules.add_perm("federation.change_federation", is_active_superuser | may_administer_units)
rules.add_perm("federation.delete_federation", is_active_superuser)
from . import incubation_rules  # noqa: E402, F401 -- support centres and incubation
