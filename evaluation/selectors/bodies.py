"""Reads of the evaluation bodies: agencies with their people, committees with their members.

City and district officers manage agencies (which serve every authority) and the committees of
the authorities they reach; an agency's people see their own agency, a committee's members their
own committee; nobody else sees these lists.
"""

from django.db.models import Q, QuerySet

from ..enums import AgencyRole
from ..models import Agency, AgencyMember, Committee, CommitteeMember
from .campaigns import campaign_authorities_for_user, is_evaluation_officer


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def _is_active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def agencies_for_user(user) -> QuerySet[Agency]:
    if _is_superuser(user) or is_evaluation_officer(user):
        return Agency.objects.all()
    if not _is_active(user):
        return Agency.objects.none()
    return Agency.objects.filter(members__user=user).distinct()


def agency_members_for_user(user) -> QuerySet[AgencyMember]:
    """Officers: everyone; an agency manager: the people of the agency; an assessor: oneself."""
    rows = AgencyMember.objects.select_related("user", "agency")
    if _is_superuser(user) or is_evaluation_officer(user):
        return rows
    if not _is_active(user):
        return rows.none()
    managed = AgencyMember.objects.filter(user=user, role=AgencyRole.MANAGER).values("agency")
    return rows.filter(Q(agency__in=managed) | Q(user=user))


def manageable_committees_for_user(user) -> QuerySet[Committee]:
    return Committee.objects.filter(authority__in=campaign_authorities_for_user(user)).select_related("authority")


def committees_for_user(user) -> QuerySet[Committee]:
    if not _is_active(user):
        return Committee.objects.none()
    own = CommitteeMember.objects.filter(user=user).values("committee")
    return Committee.objects.filter(
        Q(authority__in=campaign_authorities_for_user(user)) | Q(pk__in=own)
    ).select_related("authority")


def committee_members_for_user(user) -> QuerySet[CommitteeMember]:
    """The members of the committees the user sees: colleagues see each other."""
    return CommitteeMember.objects.filter(committee__in=committees_for_user(user)).select_related("user", "committee")


def manageable_committee_members_for_user(user) -> QuerySet[CommitteeMember]:
    return CommitteeMember.objects.filter(committee__in=manageable_committees_for_user(user)).select_related(
        "user", "committee"
    )
