"""Permission predicates of support centres and incubation. Object answers come from the scoping
selectors, so a predicate and a list never disagree; imported by `federation.rules`."""

import rules

from registry.access import held_roles
from registry.enums import Role
from registry.rules import is_active_superuser

from .incubation import OPENING_ROLES, RUNNING_ROLES
from .incubation_selectors import centres_user_may_change, incubations_user_may_run

# The roles whose area covers a street, hence its centre.
SEEING_ROLES = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.FEDERATION_STAFF)


@rules.predicate
def may_view_centres(user):
    return any(held.role in SEEING_ROLES for held in held_roles(user))


@rules.predicate
def may_open_centres(user, centre=None):
    """Without a centre: does the user hold a role that opens centres. With one: may they correct it."""
    if centre is None:
        return any(held.role in OPENING_ROLES for held in held_roles(user))
    return centres_user_may_change(user).filter(pk=centre.pk).exists()


@rules.predicate
def may_run_incubations(user, incubation=None):
    """Without a record: does the user run any centre's incubation. With one: may they act on it."""
    if incubation is None:
        return any(held.role in RUNNING_ROLES for held in held_roles(user))
    return incubations_user_may_run(user).filter(pk=incubation.pk).exists()


rules.add_perm("federation.view_supportcentre", is_active_superuser | may_view_centres)
rules.add_perm("federation.add_supportcentre", is_active_superuser | may_open_centres)
rules.add_perm("federation.change_supportcentre", is_active_superuser | may_open_centres)
rules.add_perm("federation.delete_supportcentre", is_active_superuser)

rules.add_perm("federation.view_incubation", is_active_superuser | may_view_centres)
rules.add_perm("federation.add_incubation", is_active_superuser | may_run_incubations)
rules.add_perm("federation.change_incubation", is_active_superuser | may_run_incubations)
rules.add_perm("federation.delete_incubation", is_active_superuser)
