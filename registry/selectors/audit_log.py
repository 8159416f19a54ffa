"""Which audit entries registry roles read (registered with audit.scoping by RegistryConfig)."""

from audit.scoping import Visibility

from ..access import held_roles
from ..enums import Role
from .supervision import supervised_organizations_for_user

WHOLE_LOG_ROLES = {Role.CITY_OFFICER, Role.DISTRICT_OFFICER}
AREA_ROLES = {Role.STREET_OFFICER, Role.COMMUNITY_SUPERVISOR}


def audit_log_visibility(user) -> Visibility | None:
    """District and city officers read the whole log; street officers and community supervisors
    the entries about organizations of their area; other roles (organization accounts, federation
    staff, evaluation roles) none. Entries about no organization (a unit renamed, a role granted)
    are for the whole-log readers only."""
    roles = {held.role for held in held_roles(user)}
    if roles & WHOLE_LOG_ROLES:
        return Visibility(everything=True)
    if roles & AREA_ROLES:
        return Visibility(organization_ids=supervised_organizations_for_user(user).values("pk"))
    return None
