"""Assignment (DESIGN.md section 9): an agency takes a case, its manager assigns a team of
assessors with a lead, and no one with a conflict of interest may be on it."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.services import record
from registry.access import connections_to
from registry.models import Organization, OrganizationAccount

from ..enums import AgencyRole, CaseAction, CaseState
from ..models import Agency, AgencyMember, Assignment, Case, ConflictDeclaration
from ..selectors.people import person_name
from . import cases


def check_agency_may_take(case: Case, agency: Agency) -> None:
    """An agency may not evaluate itself: refused when it is the case's organization."""
    organization = case.organization
    is_itself = agency.organization_id == organization.pk or (
        agency.uscc is not None and agency.uscc == organization.uscc
    )
    if is_itself:
        raise ValidationError(
            {"agency": _("评估机构“%(agency)s”即被评估组织本身，应当回避。") % {"agency": agency.name}}
        )


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


def conflicts_for_many(assessors: Iterable, case: Case) -> dict[int, list[str]]:
    """user id → every reason that assessor must stay off the case (declared, or found in
    registry data), for all of `assessors` in a fixed number of queries, however many there are.

    DESIGN.md section 9 names the organization's members, officers and legal representative, and
    those of a federation it belongs to. The registry keeps no individual members of an
    organization, so "member of the organization" is detected through what it does keep: the
    organization's accounts, its legal representative (a name), and federation council seats
    (names: the people the organization delegates to a council, and the president,
    vice-presidents and secretary-general of the federations serving it) together with the
    federations' staff. The federation's findings come through `registry.access.connections_to`
    (`federation.selectors.staff_connections` and `council_connections`), since evaluation does
    not depend on federation. Neither the registry's legal representative nor a council seat can
    be tied to a user by anything but the name (user accounts record no ID number or phone), so
    a namesake is flagged too and the manager picks someone else.
    """
    assessors = list(assessors)
    ids = [assessor.pk for assessor in assessors]
    organization = case.organization
    reasons = {pk: [] for pk in ids}
    for assessor_id, reason in ConflictDeclaration.objects.filter(
        assessor_id__in=ids, organization=organization
    ).values_list("assessor_id", "reason"):
        reasons[assessor_id].append(_("本人已申报回避：%(reason)s") % {"reason": reason})
    for user_id in OrganizationAccount.objects.filter(user_id__in=ids, organization=organization).values_list(
        "user_id", flat=True
    ):
        reasons[user_id].append(_("本人是该组织的账号持有人。"))
    # The registry keeps the legal representative as a name only, so the name is the one link
    # it has to a user; a namesake is flagged too, and the manager picks someone else.
    if organization.legal_representative:
        for assessor in assessors:
            name = person_name(assessor)
            if _same_name(organization.legal_representative, name):
                reasons[assessor.pk].append(_("本人与该组织的法定代表人（负责人）同名：%(name)s。") % {"name": name})
    for user_id, found in connections_to(organization, ids).items():
        reasons[user_id].extend(found)
    return reasons


def conflicts_for(assessor, case: Case) -> list[str]:
    """Every reason the assessor must stay off the case: declared, or found in registry data."""
    return conflicts_for_many([assessor], case)[assessor.pk]


def _team_conflicts(case: Case, assessors: Iterable) -> list[str]:
    assessors = list(assessors)
    conflicts = conflicts_for_many(assessors, case)
    return [
        _("%(name)s：%(reason)s") % {"name": person_name(assessor), "reason": reason}
        for assessor in assessors
        for reason in conflicts[assessor.pk]
    ]


def check_team(case: Case) -> None:
    """At least two assessors, exactly one lead, and no conflict of interest."""
    assignments = list(case.assignments.select_related("assessor"))
    errors = {}
    if len(assignments) < 2:
        errors["assessors"] = [_("请至少指派两名评估专家。")]
    if sum(assignment.is_lead for assignment in assignments) != 1:
        errors["lead"] = [_("请从所选专家中指定一名组长。")]
    conflicts = _team_conflicts(case, [assignment.assessor for assignment in assignments])
    if conflicts:
        errors.setdefault("assessors", []).extend(conflicts)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assign_team(*, case: Case, actor, assessors: Iterable, lead) -> Case:
    """The agency manager assigns the team and the case moves to scoring.

    Every refusal names all its reasons at once (each conflict of each assessor), and nothing is
    written unless the whole team is accepted.
    """
    case = Case.objects.select_for_update(of=("self",)).select_related("organization", "agency").get(pk=case.pk)
    if not cases.is_party(actor, case, cases.Party.AGENCY_MANAGER):
        raise PermissionDenied(_("只有受托评估机构的负责人可以指派评估专家。"))
    if case.state != CaseState.ALLOCATED:
        raise ValidationError(
            _("评估申请当前状态为“%(state)s”，不能指派评估专家。") % {"state": case.get_state_display()}
        )
    team = list({assessor.pk: assessor for assessor in assessors}.values())
    of_agency = set(
        AgencyMember.objects.filter(agency=case.agency, role=AgencyRole.ASSESSOR).values_list("user_id", flat=True)
    )
    errors = {}
    strangers = [person_name(assessor) for assessor in team if assessor.pk not in of_agency]
    if strangers:
        errors["assessors"] = [
            _("%(names)s 不是本机构的评估专家。") % {"names": "、".join(strangers)},
        ]
    if len(team) < 2:
        errors.setdefault("assessors", []).append(_("请至少指派两名评估专家。"))
    if lead is None or lead.pk not in {assessor.pk for assessor in team}:
        errors["lead"] = [_("请从所选专家中指定一名组长。")]
    conflicts = _team_conflicts(case, team)
    if conflicts:
        errors.setdefault("assessors", []).extend(conflicts)
    if errors:
        raise ValidationError(errors)
    Assignment.objects.bulk_create(
        Assignment(case=case, assessor=assessor, is_lead=assessor.pk == lead.pk, assigned_by=actor) for assessor in team
    )
    record(
        actor=actor,
        action="assignment.team",
        target=case,
        after={"assessors": [person_name(assessor) for assessor in team], "lead": person_name(lead)},
        organization=case.organization,
    )
    return cases.act_on_case(case=case, action=CaseAction.ASSIGN, actor=actor)


@transaction.atomic
def declare_conflict(*, assessor, organization: Organization, reason: str) -> ConflictDeclaration:
    """An assessor declares a conflict of interest with an organization, with the reason."""
    if not AgencyMember.objects.filter(user=assessor, role=AgencyRole.ASSESSOR).exists():
        raise PermissionDenied(_("只有评估专家可以申报回避。"))
    if ConflictDeclaration.objects.filter(assessor=assessor, organization=organization).exists():
        raise ValidationError({"organization": _("您已申报过对该组织的回避。")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写回避理由。")})
    declaration = ConflictDeclaration(assessor=assessor, organization=organization, reason=reason)
    declaration.full_clean()
    declaration.save()
    return declaration
