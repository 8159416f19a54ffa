from .federations import Federation, FederationStaff, Membership
from .hub import CouncilSeat, FederationReport
from .incubation import Incubation, IncubationEvent, IncubationService, SupportCentre

__all__ = [
    "CouncilSeat",
    "Federation",
    "FederationReport",
    "FederationStaff",
    "Incubation",
    "IncubationEvent",
    "IncubationService",
    "Membership",
    "SupportCentre",
]
