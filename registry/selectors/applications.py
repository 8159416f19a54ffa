"""Reads of applications, scoped like everything else.

Who may read an application follows who takes part in it (`registry.services.applications`
asks the same conditions for its parties, so the two cannot disagree): the applicant, the street
federation that pre-reviews a filing, and the tier that decides it or manages its organization.
Everyone but the applicant sees an application only once it has been submitted: a draft, with its
ID scans and personal phone numbers, is the applicant's alone.
"""

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from ..access import NOTHING, held_roles
from ..enums import ApplicationKind, ApplicationState, Role
from ..models import Application, Material, OrganizationAccount
from ..selectors.organizations import manageable_organizations_for_user

FINAL_STATES = ["approved", "rejected", "withdrawn"]
# Filed by an account for its own organization; registrations and filings found a new one.
FOR_AN_ORGANIZATION = (ApplicationKind.CHANGE, ApplicationKind.DEREGISTRATION)
# The tier that decides an application founding an organization: registrations by the district (or
# city) bureau, filings by the street office alone (DESIGN.md sections 5 and 7). Changes and
# deregistrations are decided by whoever manages the organization's registered facts.
DECIDING_ROLES = {
    ApplicationKind.REGISTRATION: (Role.DISTRICT_OFFICER, Role.CITY_OFFICER),
    ApplicationKind.FILING: (Role.STREET_OFFICER,),
}
# Who reads, without deciding, the applications founding an organization in their area: district
# officers see everything in the district (DESIGN.md section 5), its streets' filings included.
OVERSEEING_ROLES = {ApplicationKind.FILING: (Role.DISTRICT_OFFICER,)}
# Submitted at some point: a draft, or a draft withdrawn before it was ever submitted, is not.
EVER_SUBMITTED = Q(submitted_at__isnull=False) & ~Q(state=ApplicationState.DRAFT)


def applied_by(user) -> Q:
    """The applications `user` acts on as the applicant. A change or deregistration only while
    they are still an account of its organization: a former account keeps no say in it."""
    if not getattr(user, "is_authenticated", False):
        return NOTHING
    accounts = OrganizationAccount.objects.filter(user=user).values("organization")
    return Q(applicant=user) & (~Q(kind__in=FOR_AN_ORGANIZATION) | Q(organization__in=accounts))


def pre_reviewed_by(user) -> Q:
    """The applications `user` pre-reviews as federation staff: community-group filings of the
    federation's street, and nothing else (not registrations, changes or deregistrations)."""
    streets = [held.unit for held in held_roles(user) if held.role == Role.FEDERATION_STAFF and held.unit is not None]
    return Q(kind=ApplicationKind.FILING, street__in=streets) if streets else NOTHING


def _founding(user, roles_by_kind) -> list[Q]:
    return [
        Q(kind=kind, street__path__startswith=held.unit.path)
        for kind, roles in roles_by_kind.items()
        for held in held_roles(user)
        if held.role in roles and held.unit is not None
    ]


def decided_by(user) -> Q:
    """The applications `user`'s tier decides (see DECIDING_ROLES)."""
    managed = Q(kind__in=FOR_AN_ORGANIZATION, organization__in=manageable_organizations_for_user(user))
    return reduce(or_, _founding(user, DECIDING_ROLES), managed)


def overseen_by(user) -> Q:
    """The applications `user` reads without deciding them (see OVERSEEING_ROLES)."""
    return reduce(or_, _founding(user, OVERSEEING_ROLES), NOTHING)


def applications_for_user(user) -> QuerySet[Application]:
    """Everyone sees their own applications (drafts included); once submitted, officers also see
    what their tier decides or oversees or the organizations it manages, and federation staff the
    filings they pre-review."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Application.objects.none()
    applications = Application.objects.select_related("street", "organization", "applicant")
    if user.is_superuser:
        return applications.filter(applied_by(user) | EVER_SUBMITTED)
    condition = applied_by(user)
    if held_roles(user):
        managed = Q(organization__in=manageable_organizations_for_user(user))
        condition |= EVER_SUBMITTED & (decided_by(user) | pre_reviewed_by(user) | overseen_by(user) | managed)
    return applications.filter(condition).distinct()


def own_applications_for_user(user) -> QuerySet[Application]:
    """The applications the user acts on as the applicant (their page on the site)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Application.objects.none()
    return Application.objects.select_related("street", "organization", "applicant").filter(applied_by(user))


def open_applications_for_user(user) -> QuerySet[Application]:
    """The queue: applications still in progress, the longest-waiting first."""
    return applications_for_user(user).exclude(state__in=FINAL_STATES).order_by("last_action_at", "pk")


def materials_for_user(user) -> QuerySet[Material]:
    """The documents of the applications the user may see (applicants their own)."""
    return Material.objects.filter(application__in=applications_for_user(user).values("pk"))
