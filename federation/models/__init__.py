from .federations import Federation, FederationStaff, Membership
from .hub import CouncilSeat, FederationReport
from .incubation import Incubation, IncubationEvent, IncubationService, SupportCentre
from .venture import ProjectEvent, ProjectReport, VentureCall, VentureProject, VentureTier

__all__ = [
    "CouncilSeat",
    "Federation",
    "FederationReport",
    "FederationStaff",
    "Incubation",
    "IncubationEvent",
    "IncubationService",
    "Membership",
    "ProjectEvent",
    "ProjectReport",
    "SupportCentre",
    "VentureCall",
    "VentureProject",
    "VentureTier",
]
