from .annual_reports import AnnualReport, AnnualReportEvent
from .applications import Application, ApplicationEvent, Material, Notification
from .credit import AdministrativePenalty, CreditListing, CreditProposal
from .history import OrganizationChange
from .numbering import NumberSequence
from .organizations import ActivityField, Organization
from .reminders import DeadlineReminder
from .roles import OrganizationAccount, OrganizationClaim, UnitRole
from .supervision import SupervisionAttachment, SupervisionFollowUp, SupervisionRecord
from .units import AdministrativeUnit

__all__ = [
    "ActivityField",
    "AdministrativePenalty",
    "AdministrativeUnit",
    "AnnualReport",
    "AnnualReportEvent",
    "Application",
    "ApplicationEvent",
    "CreditListing",
    "CreditProposal",
    "DeadlineReminder",
    "Material",
    "Notification",
    "NumberSequence",
    "Organization",
    "OrganizationAccount",
    "OrganizationChange",
    "OrganizationClaim",
    "SupervisionAttachment",
    "SupervisionFollowUp",
    "SupervisionRecord",
    "UnitRole",
]
