"""Permission predicates of federations."""

import rules

from registry.rules import may_administer_units, uses_back_office

rules.add_perm("federation.view_federation", rules.is_superuser | uses_back_office)
rules.add_perm("federation.add_federation", rules.is_superuser | may_administer_units)
rules.add_perm("federation.change_federation", rules.is_superuser | may_administer_units)
rules.add_perm("federation.delete_federation", rules.is_superuser)
