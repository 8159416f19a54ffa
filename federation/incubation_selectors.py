"""Reads of support centres and incubation, scoped like the registry's: officers see the centres
of the streets in their area, federation staff their street's; nobody else sees any."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet

from registry.access import NOTHING, held_roles
from registry.enums import UnitLevel
from registry.models import AdministrativeUnit
from registry.selectors.units import streets, streets_for_user

from .enums import IncubationStage
from .incubation import OPENING_ROLES, RUNNING_ROLES
from .models import Incubation, IncubationEvent, SupportCentre


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def centres_for_user(user) -> QuerySet[SupportCentre]:
    """The support centres of the streets in the user's area (a federation's staff cover its street)."""
    centres = SupportCentre.objects.select_related("street")
    if _is_superuser(user):
        return centres
    if not held_roles(user):
        return centres.none()
    return centres.filter(street__in=streets_for_user(user))


def centres_user_may_run(user) -> QuerySet[SupportCentre]:
    """The centres whose incubation records the user keeps: as its street office or federation
    (as `federation.incubation.may_run_centre` has it)."""
    centres = SupportCentre.objects.select_related("street")
    if _is_superuser(user):
        return centres
    streets = [held.unit.pk for held in held_roles(user) if held.role in RUNNING_ROLES and held.unit is not None]
    return centres.filter(street__in=streets)


def streets_user_may_open_centre_in(user) -> QuerySet[AdministrativeUnit]:
    """Streets without a centre yet where the user may open one (`may_open_centre`)."""
    if _is_superuser(user):
        candidates = streets()
    else:
        covered = NOTHING
        for held in held_roles(user):
            if held.role in OPENING_ROLES and held.unit is not None:
                covered |= Q(path__startswith=held.unit.path)
        candidates = streets_for_user(user).filter(covered)
    return candidates.filter(support_centre__isnull=True).order_by("code")


def centres_user_may_change(user) -> QuerySet[SupportCentre]:
    centres = SupportCentre.objects.select_related("street")
    if _is_superuser(user):
        return centres
    covered = NOTHING
    for held in held_roles(user):
        if held.role in OPENING_ROLES and held.unit is not None:
            covered |= Q(street__path__startswith=held.unit.path)
    return centres.filter(covered)


def incubations_for_user(user) -> QuerySet[Incubation]:
    """The incubation records of the centres the user sees."""
    return Incubation.objects.filter(centre__in=centres_for_user(user).values("pk")).select_related(
        "centre__street", "community", "application"
    )


def incubations_user_may_run(user) -> QuerySet[Incubation]:
    """The incubation records the user may move on, add services to, or carry over to a filing."""
    return Incubation.objects.filter(centre__in=centres_user_may_run(user).values("pk")).select_related(
        "centre__street", "community", "application"
    )


def incubation_history(incubation: Incubation) -> QuerySet[IncubationEvent]:
    return incubation.events.select_related("actor")


def communities_user_may_choose(user) -> QuerySet[AdministrativeUnit]:
    """Communities of the streets whose centres the user runs, for the application form."""
    covered = NOTHING
    for street_path in centres_user_may_run(user).values_list("street__path", flat=True):
        covered |= Q(path__startswith=street_path)
    return AdministrativeUnit.objects.filter(covered, level=UnitLevel.COMMUNITY).order_by("code")


def site_account_by_email(email: str):
    """The one active user with this e-mail address, or None (none, or more than one)."""
    users = list(get_user_model().objects.filter(email__iexact=(email or "").strip(), is_active=True)[:2])
    return users[0] if len(users) == 1 else None


def incubation_counts_by_street() -> dict[str, dict[str, int]]:
    """Street code → stage → how many incubation records, every stage present (0 when none), for the
    streets that have a support centre. Public figures: counts only. One query."""
    per_stage = {stage: Count("incubations", filter=Q(incubations__stage=stage)) for stage in IncubationStage.values}
    rows = SupportCentre.objects.order_by("street__code").values("street__code").annotate(**per_stage)
    return {row.pop("street__code"): row for row in rows}
