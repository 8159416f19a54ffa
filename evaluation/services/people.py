"""Writes of evaluation's people."""

from django.db import transaction

from registry.access import forget_held_roles

from ..models import Agency, AgencyMember, Committee, CommitteeMember


@transaction.atomic
def add_agency_member(*, user, agency: Agency, role: str) -> AgencyMember:
    member, _created = AgencyMember.objects.get_or_create(user=user, agency=agency, role=role)
    forget_held_roles(user)
    return member


@transaction.atomic
def add_committee_member(*, user, committee: Committee) -> CommitteeMember:
    member, _created = CommitteeMember.objects.get_or_create(user=user, committee=committee)
    forget_held_roles(user)
    return member
