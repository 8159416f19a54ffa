"""Permission predicates of the registry ("may this user do this?").

Object-level answers come from the scoping selectors, so a predicate and a list can never
disagree about what a user may see or change.
"""

import rules

from .access import held_roles, holds_back_office_role
from .enums import Role
from .selectors.organizations import manageable_organizations_for_user, organizations_for_user

MANAGING_ROLES = {Role.CITY_OFFICER, Role.DISTRICT_OFFICER, Role.STREET_OFFICER}

# rules.is_superuser ignores is_active; a deactivated superuser must lose everything, as the
# selectors already make it.
is_active_superuser = rules.is_active & rules.is_superuser


@rules.predicate
def uses_back_office(user):
    return holds_back_office_role(user)


@rules.predicate
def may_view_organization(user, organization=None):
    """Without an organization: may the user list organizations at all."""
    if organization is None:
        return bool(held_roles(user))
    return organizations_for_user(user).filter(pk=organization.pk).exists()


@rules.predicate
def may_manage_organization(user, organization=None):
    """Without an organization: does the user hold a role that registers or files any."""
    if organization is None:
        return any(held.role in MANAGING_ROLES for held in held_roles(user))
    return manageable_organizations_for_user(user).filter(pk=organization.pk).exists()


@rules.predicate
def may_administer_units(user):
    """The administrative tree and unit roles belong to the city and district bureaus."""
    return any(held.role in {Role.CITY_OFFICER, Role.DISTRICT_OFFICER} for held in held_roles(user))


# Wagtail admin access follows the roles: no group to keep in step by hand.
rules.add_perm("wagtailadmin.access_admin", is_active_superuser | uses_back_office)

rules.add_perm("registry.view_organization", is_active_superuser | may_view_organization)
rules.add_perm("registry.add_organization", is_active_superuser | may_manage_organization)
rules.add_perm("registry.change_organization", is_active_superuser | may_manage_organization)
rules.add_perm("registry.delete_organization", is_active_superuser)  # deregistration is a status

rules.add_perm("registry.view_administrativeunit", is_active_superuser | uses_back_office)
rules.add_perm("registry.add_administrativeunit", is_active_superuser | may_administer_units)
rules.add_perm("registry.change_administrativeunit", is_active_superuser | may_administer_units)
rules.add_perm("registry.delete_administrativeunit", is_active_superuser)

for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"registry.{action}_unitrole", is_active_superuser | may_administer_units)
