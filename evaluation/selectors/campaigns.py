"""Reads of campaigns and of the authorities that run them."""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from registry.access import NOTHING, held_roles, holds_back_office_role
from registry.enums import Role, UnitLevel
from registry.models import AdministrativeUnit

from ..enums import CampaignPurpose
from ..models import Campaign

OFFICER_ROLES = (Role.CITY_OFFICER, Role.DISTRICT_OFFICER)


def is_evaluation_officer(user) -> bool:
    """City and district officers run evaluation: campaigns, frameworks, agencies, committees."""
    return any(held.role in OFFICER_ROLES for held in held_roles(user))


def campaign_authorities_for_user(user) -> QuerySet[AdministrativeUnit]:
    """The city and district units at or below a unit where the user is a city or district
    officer (every one for a superuser): whose campaigns and committees the user manages. The
    same reach as `evaluation.services.cases.is_campaign_officer`."""
    units = AdministrativeUnit.objects.filter(level__in=[UnitLevel.CITY, UnitLevel.DISTRICT])
    if getattr(user, "is_superuser", False) and user.is_active:
        return units
    covered = [
        Q(path__startswith=held.unit.path)
        for held in held_roles(user)
        if held.role in OFFICER_ROLES and held.unit is not None
    ]
    return units.filter(reduce(or_, covered, NOTHING))


def campaigns_for_user(user) -> QuerySet[Campaign]:
    """Evaluation campaigns are announced publicly; everyone in the back office reads them. (The
    campaigns behind venture-philanthropy calls are read through their calls.)"""
    rows = Campaign.objects.filter(purpose=CampaignPurpose.EVALUATION).select_related("authority", "committee")
    if (getattr(user, "is_superuser", False) and user.is_active) or holds_back_office_role(user):
        return rows
    return rows.none()


def manageable_campaigns_for_user(user) -> QuerySet[Campaign]:
    return campaigns_for_user(user).filter(authority__in=campaign_authorities_for_user(user))
