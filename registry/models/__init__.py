from .history import OrganizationChange
from .numbering import NumberSequence
from .organizations import ActivityField, Organization
from .roles import OrganizationAccount, UnitRole
from .units import AdministrativeUnit

__all__ = [
    "ActivityField",
    "AdministrativeUnit",
    "NumberSequence",
    "Organization",
    "OrganizationAccount",
    "OrganizationChange",
    "UnitRole",
]
