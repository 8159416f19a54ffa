"""Permission predicates of the registry ("may this user do this?").

Object-level answers come from the scoping selectors, so a predicate and a list can never
disagree about what a user may see or change.
"""

import rules

from .access import held_roles, holds_back_office_role
from .enums import Role
from .selectors.organizations import manageable_organizations_for_user, organizations_for_user
from .selectors.supervision import records_to_follow_up_for_user, supervision_records_for_user

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


# --- supervision records ---------------------------------------------------------------------

# Kept beside its rules while other sections of this file are being written concurrently.


@rules.predicate
def may_view_supervision_record(user, record=None):
    """Without a record: does the user hold a unit role at all."""
    if record is None:
        return any(held.role in Role.unit_roles() for held in held_roles(user))
    return supervision_records_for_user(user).filter(pk=record.pk).exists()


@rules.predicate
def may_record_supervision(user):
    """Community supervisors and officers of every tier record supervision."""
    return any(held.role in Role.unit_roles() for held in held_roles(user))


@rules.predicate
def may_follow_up_supervision_record(user, record=None):
    """Without a record: does the user hold an officer role at all."""
    if record is None:
        return any(held.role in MANAGING_ROLES for held in held_roles(user))
    return records_to_follow_up_for_user(user).filter(pk=record.pk).exists()


rules.add_perm("registry.view_supervisionrecord", is_active_superuser | may_view_supervision_record)
rules.add_perm("registry.add_supervisionrecord", is_active_superuser | may_record_supervision)
rules.add_perm("registry.change_supervisionrecord", is_active_superuser | may_follow_up_supervision_record)
rules.add_perm("registry.delete_supervisionrecord", rules.always_deny)  # records are evidence


# --- Credit lists and administrative penalties (DESIGN.md sections 5 and 6) -----------------------

CREDIT_ROLES = {Role.CITY_OFFICER, Role.DISTRICT_OFFICER}


@rules.predicate
def may_view_credit_record(user, record=None):
    """A listing or penalty is visible to whoever sees its organization."""
    if record is None:
        return bool(held_roles(user))
    return organizations_for_user(user).filter(pk=record.organization_id).exists()


@rules.predicate
def may_decide_credit(user, record=None):
    """City and district officers keep the credit lists and record penalties, for the
    organizations they manage."""
    if not any(held.role in CREDIT_ROLES for held in held_roles(user)):
        return False
    if record is None:
        return True
    return manageable_organizations_for_user(user).filter(pk=record.organization_id).exists()


for model in ("creditlisting", "creditproposal", "administrativepenalty"):
    rules.add_perm(f"registry.view_{model}", is_active_superuser | may_view_credit_record)
    rules.add_perm(f"registry.add_{model}", is_active_superuser | may_decide_credit)
    rules.add_perm(f"registry.change_{model}", is_active_superuser | may_decide_credit)
    rules.add_perm(f"registry.delete_{model}", rules.always_deny)  # a listing is removed, never deleted

# Applications: anyone in the back office reads the applications of their area; every change
# goes through the state machine, never through an add, edit or delete form.
rules.add_perm("registry.view_application", is_active_superuser | uses_back_office)
for action in ("add", "change", "delete"):
    rules.add_perm(f"registry.{action}_application", rules.always_deny)

# Organization-account claims: officers who manage organizations decide them; no add or delete
# in the back office (people claim on the site).
rules.add_perm("registry.view_organizationclaim", is_active_superuser | may_manage_organization)
rules.add_perm("registry.change_organizationclaim", is_active_superuser | may_manage_organization)
rules.add_perm("registry.add_organizationclaim", rules.always_deny)
rules.add_perm("registry.delete_organizationclaim", rules.always_deny)

# Annual reports: organizations file them on the site; officers who manage the organization set
# the result in the back office.
rules.add_perm("registry.view_annualreport", is_active_superuser | uses_back_office)
rules.add_perm("registry.change_annualreport", is_active_superuser | may_manage_organization)
rules.add_perm("registry.add_annualreport", rules.always_deny)
rules.add_perm("registry.delete_annualreport", rules.always_deny)
