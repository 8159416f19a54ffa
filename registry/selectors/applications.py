"""Reads of applications, scoped like everything else."""

from django.db.models import Q, QuerySet

from ..access import held_roles
from ..models import Application, Material
from ..selectors.organizations import manageable_organizations_for_user
from ..selectors.units import units_for_user

FINAL_STATES = ["approved", "rejected", "withdrawn"]


def applications_for_user(user) -> QuerySet[Application]:
    """Officers and federation staff see the applications of the streets in their area (and those
    about organizations they manage); everyone sees their own."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Application.objects.none()
    applications = Application.objects.select_related("street", "organization", "applicant")
    if user.is_superuser:
        return applications
    condition = Q(applicant=user)
    if held_roles(user):
        condition |= Q(street__in=units_for_user(user)) | Q(organization__in=manageable_organizations_for_user(user))
    return applications.filter(condition).distinct()


def open_applications_for_user(user) -> QuerySet[Application]:
    """The queue: applications still in progress, the longest-waiting first."""
    return applications_for_user(user).exclude(state__in=FINAL_STATES).order_by("last_action_at", "pk")


def materials_for_user(user) -> QuerySet[Material]:
    """The documents of the applications the user may see (applicants their own)."""
    return Material.objects.filter(application__in=applications_for_user(user).values("pk"))
