"""Granting roles and organization accounts."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record

from ..access import forget_held_roles
from ..enums import Role
from ..models import AdministrativeUnit, Organization, OrganizationAccount, OrganizationClaim, UnitRole
from ..selectors.organizations import manageable_organizations_for_user
from ..selectors.public import public_organization
from .notifications import notify


@transaction.atomic
def assign_unit_role(*, user, role: str, unit: AdministrativeUnit, actor=None) -> UnitRole:
    """Give `user` a supervision role on `unit` (once); the unit's level must suit the role.
    `actor` is the officer granting it (None: the system, e.g. demo data)."""
    assignment = UnitRole.objects.filter(user=user, role=role, unit=unit).first()
    if assignment is None:
        assignment = UnitRole(user=user, role=role, unit=unit)
        assignment.full_clean()
        assignment.save()
        record(
            actor=actor,
            action="role.grant",
            target=assignment,
            after={"user": user, "role": Role(role).label, "unit": unit},
        )
    forget_held_roles(user)
    return assignment


def _role_facts(assignment: UnitRole) -> dict:
    return {"user": assignment.user, "role": Role(assignment.role).label, "unit": assignment.unit}


@transaction.atomic
def change_unit_role(*, assignment: UnitRole, actor, user, role: str, unit: AdministrativeUnit) -> UnitRole:
    """Change who holds a unit role, which role or where (the back office's edit form)."""
    stored = UnitRole.objects.select_for_update().select_related("user", "unit").get(pk=assignment.pk)
    before = _role_facts(stored)
    stored.user, stored.role, stored.unit = user, role, unit
    stored.full_clean()
    stored.save()
    record(actor=actor, action="role.change", target=stored, before=before, after=_role_facts(stored))
    forget_held_roles(before["user"])
    forget_held_roles(user)
    return stored


@transaction.atomic
def revoke_unit_role(*, assignment: UnitRole, actor) -> None:
    """Take a unit role away (the back office's delete)."""
    stored = UnitRole.objects.select_for_update().select_related("user", "unit").get(pk=assignment.pk)
    record(actor=actor, action="role.revoke", target=stored, before=_role_facts(stored))
    stored.delete()
    forget_held_roles(stored.user)


@transaction.atomic
def link_organization_account(*, user, organization: Organization, actor=None) -> OrganizationAccount:
    """Let `user` act for `organization` (one organization per user). `actor` is who decided it
    (None: the system, as when an approved application links its applicant)."""
    account, _created = OrganizationAccount.objects.update_or_create(user=user, defaults={"organization": organization})
    record(actor=actor, action="account.link", target=account, after={"user": user}, organization=organization)
    forget_held_roles(user)
    return account


@transaction.atomic
def claim_organization(*, user, identifier: str, statement: str) -> OrganizationClaim:
    """Ask to act for the organization with this credit code or filing number."""
    organization = public_organization(identifier)
    if organization is None:
        raise ValidationError({"identifier": _("没有找到该统一社会信用代码或备案编号对应的组织。")})
    if OrganizationAccount.objects.filter(user=user).exists():
        raise ValidationError(_("您的账号已关联一个组织。"))
    claim = OrganizationClaim(user=user, organization=organization, statement=(statement or "").strip())
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def decide_claim(*, claim: OrganizationClaim, actor, approve: bool, reason: str) -> OrganizationClaim:
    """An officer who manages the organization approves (linking the account) or rejects."""
    claim = OrganizationClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != OrganizationClaim.State.PENDING:
        raise ValidationError(_("该认领申请已审核。"))
    if not manageable_organizations_for_user(actor).filter(pk=claim.organization_id).exists():
        raise PermissionDenied(_("您无权审核该组织的认领申请。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写审核意见。")})
    claim.state = OrganizationClaim.State.APPROVED if approve else OrganizationClaim.State.REJECTED
    claim.decided_by, claim.decided_at, claim.reason = actor, timezone.now(), reason.strip()
    claim.save()
    record(
        actor=actor,
        action="claim.approve" if approve else "claim.reject",
        target=claim,
        reason=claim.reason,
        before={"state": OrganizationClaim.State.PENDING.label},
        after={"state": OrganizationClaim.State(claim.state).label},
        organization=claim.organization,
    )
    if approve:
        link_organization_account(user=claim.user, organization=claim.organization, actor=actor)
    verdict = _("已同意") if approve else _("未同意")
    notify(
        users=[claim.user],
        message=_("您认领“%(name)s”的申请%(verdict)s。审核意见：%(reason)s")
        % {"name": claim.organization.name, "verdict": verdict, "reason": claim.reason},
    )
    return claim
