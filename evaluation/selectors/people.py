"""Reads of evaluation's people."""

from django.db.models import Q

from registry.access import NOTHING, HeldRole
from registry.enums import Role

from ..enums import AgencyRole
from ..models import AgencyMember, CommitteeMember
from .assessments import cases_for_agency_manager, cases_for_assessor


def person_name(user) -> str:
    """A user's name in Chinese order (family name first), or the username when none is set."""
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


def _organizations_of(cases) -> Q:
    return Q(pk__in=cases.values("organization"))


def evaluation_roles(user) -> list[HeldRole]:
    """Role provider for `registry.access`. Agency managers see the organizations of the cases
    allocated to their agency, assessors those of their cases (`selectors.assessments`), so the
    registry's scoped views show them those organizations and nothing else. Committee members
    see none there."""
    held = [
        HeldRole(
            role=Role(member.role),
            where=member.agency.name,
            sees=_organizations_of(
                cases_for_agency_manager(user).filter(agency=member.agency)
                if member.role == AgencyRole.MANAGER
                else cases_for_assessor(user)
            ),
            manages=NOTHING,
        )
        for member in AgencyMember.objects.filter(user=user).select_related("agency")
    ]
    held += [
        HeldRole(role=Role.COMMITTEE_MEMBER, where=member.committee.name, sees=NOTHING, manages=NOTHING)
        for member in CommitteeMember.objects.filter(user=user).select_related("committee")
    ]
    return held
