"""Writes of evaluation's people: agencies and their managers and assessors, committees and their
members. A change of membership changes the person's roles, so each one forgets the roles
cached on the user object (`registry.access.held_roles`)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import changes, record
from registry.access import forget_held_roles
from registry.validators import normalize_uscc

from ..enums import AgencyRole, CaseState
from ..models import Agency, AgencyMember, Assignment, CaseVote, Committee, CommitteeMember
from ..selectors.campaigns import campaign_authorities_for_user

AGENCY_FIELDS = ("name", "uscc", "organization", "contact_phone")
# An assessor on a case in these states is still at work on it.
OPEN_CASE_STATES = (CaseState.ALLOCATED, CaseState.SCORING, CaseState.MODERATION)


@transaction.atomic
def save_agency(*, agency: Agency | None = None, data: dict) -> Agency:
    """Create (agency None) or change an agency. When it is itself a registered organization, its
    credit code is that organization's, so the conflict check can rely on either."""
    agency = agency or Agency()
    for name in AGENCY_FIELDS:
        setattr(agency, name, data.get(name))
    agency.uscc = normalize_uscc(agency.uscc) or None
    agency.contact_phone = (agency.contact_phone or "").strip()
    organization = agency.organization
    if organization is not None and organization.uscc and agency.uscc != organization.uscc:
        raise ValidationError(
            {
                "uscc": _("统一社会信用代码与所选社会组织“%(name)s”的代码（%(uscc)s）不一致。")
                % {"name": organization.name, "uscc": organization.uscc}
            }
        )
    agency.full_clean()
    agency.save()
    return agency


@transaction.atomic
def delete_agency(*, agency: Agency) -> None:
    if agency.cases.exists():
        raise ValidationError(_("该评估机构已承担评估，不能删除。"))
    users = [member.user for member in agency.members.select_related("user")]
    agency.delete()
    for user in users:
        forget_held_roles(user)


@transaction.atomic
def add_agency_member(*, user, agency: Agency, role: str, expertise: str = "", actor=None) -> AgencyMember:
    """Give `user` the role at the agency; adding an existing member again changes nothing.
    `actor` None is the system (demo data)."""
    member = AgencyMember.objects.filter(user=user, agency=agency, role=role).first()
    if member is None:
        member = AgencyMember(user=user, agency=agency, role=role, expertise=expertise.strip())
        member.full_clean()
        member.save()
        record(
            actor=actor,
            action="agency_member.add",
            target=member,
            after={"user": user, "role": member.get_role_display(), "expertise": member.expertise},
            organization=agency.organization,
        )
    forget_held_roles(user)
    return member


@transaction.atomic
def change_agency_member(*, member: AgencyMember, role: str, expertise: str, actor=None) -> AgencyMember:
    before = {"role": member.get_role_display(), "expertise": member.expertise}
    member.role = role
    member.expertise = expertise.strip()
    member.full_clean()
    member.save()
    old, new = changes(before, {"role": member.get_role_display(), "expertise": member.expertise})
    if new:
        record(
            actor=actor,
            action="agency_member.change",
            target=member,
            before=old,
            after=new,
            organization=member.agency.organization,
        )
    forget_held_roles(member.user)
    return member


@transaction.atomic
def remove_agency_member(*, member: AgencyMember, actor=None) -> None:
    """Refused while the person is an assessor on one of the agency's cases still being
    evaluated: the team would lose a member without the manager knowing."""
    if member.role == AgencyRole.ASSESSOR:
        busy = Assignment.objects.filter(
            assessor=member.user, case__agency=member.agency, case__state__in=OPEN_CASE_STATES
        )
        if busy.exists():
            raise ValidationError(
                _("%(user)s 正在参加该机构 %(count)d 个评估申请的评估，评估结束前不能移除。")
                % {"user": member.user, "count": busy.count()}
            )
    record(
        actor=actor,
        action="agency_member.remove",
        target=member,
        before={"user": member.user, "role": member.get_role_display(), "expertise": member.expertise},
        organization=member.agency.organization,
    )
    member.delete()
    forget_held_roles(member.user)


def _check_authority(committee: Committee, actor) -> None:
    if not campaign_authorities_for_user(actor).filter(pk=committee.authority_id).exists():
        raise ValidationError({"authority": _("只能为您任职的市、区登记管理机关设立评估委员会。")})


@transaction.atomic
def save_committee(*, committee: Committee | None = None, data: dict, actor) -> Committee:
    """Create (committee None) or rename a committee of an authority the actor reaches; a
    committee that a campaign relies on keeps its authority."""
    committee = committee or Committee()
    if committee.pk and data["authority"] != committee.authority and committee.campaigns.exists():
        raise ValidationError({"authority": _("该评估委员会已用于评估活动，不能更换登记管理机关。")})
    committee.name = data["name"]
    committee.authority = data["authority"]
    _check_authority(committee, actor)
    committee.full_clean()
    committee.save()
    return committee


@transaction.atomic
def delete_committee(*, committee: Committee) -> None:
    if committee.campaigns.exists():
        raise ValidationError(_("该评估委员会已用于评估活动，不能删除。"))
    users = [member.user for member in committee.members.select_related("user")]
    committee.delete()
    for user in users:
        forget_held_roles(user)


@transaction.atomic
def add_committee_member(*, user, committee: Committee, actor=None) -> CommitteeMember:
    """Seat `user` on the committee; seating a member again changes nothing. `actor` None is the
    system (demo data)."""
    member, created = CommitteeMember.objects.get_or_create(user=user, committee=committee)
    if created:
        record(actor=actor, action="committee_member.add", target=member, after={"user": user})
    forget_held_roles(user)
    return member


@transaction.atomic
def remove_committee_member(*, member: CommitteeMember, actor=None) -> None:
    """Refused once the member has attended a meeting or voted: deleting them would drop them
    from the meeting's attendance (changing a recorded quorum) and their votes are protected."""
    if member.meetings_attended.exists() or CaseVote.objects.filter(member=member).exists():
        raise ValidationError(_("该委员已出席会议或参加表决，不能删除；会议记录须保持不变。"))
    record(actor=actor, action="committee_member.remove", target=member, before={"user": member.user})
    member.delete()
    forget_held_roles(member.user)
