"""Reads of evaluation's people."""

from registry.access import NOTHING, HeldRole
from registry.enums import Role

from ..models import AgencyMember, CommitteeMember


def evaluation_roles(user) -> list[HeldRole]:
    """Role provider for `registry.access`. Agencies and committees see organizations only
    through the evaluation cases assigned to them, which come with campaigns; until then, none."""
    held = [
        HeldRole(role=Role(member.role), where=member.agency.name, sees=NOTHING, manages=NOTHING)
        for member in AgencyMember.objects.filter(user=user).select_related("agency")
    ]
    held += [
        HeldRole(role=Role.COMMITTEE_MEMBER, where=member.committee.name, sees=NOTHING, manages=NOTHING)
        for member in CommitteeMember.objects.filter(user=user).select_related("committee")
    ]
    return held
