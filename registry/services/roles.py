"""Granting roles and organization accounts."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import forget_held_roles
from ..models import AdministrativeUnit, Organization, OrganizationAccount, OrganizationClaim, UnitRole
from ..selectors.organizations import manageable_organizations_for_user
from ..selectors.public import public_organization
from .notifications import notify


@transaction.atomic
def assign_unit_role(*, user, role: str, unit: AdministrativeUnit) -> UnitRole:
    """Give `user` a supervision role on `unit` (once); the unit's level must suit the role."""
    assignment = UnitRole.objects.filter(user=user, role=role, unit=unit).first()
    if assignment is None:
        assignment = UnitRole(user=user, role=role, unit=unit)
        assignment.full_clean()
        assignment.save()
    forget_held_roles(user)
    return assignment


@transaction.atomic
def link_organization_account(*, user, organization: Organization) -> OrganizationAccount:
    """Let `user` act for `organization` (one organization per user)."""
    account, _created = OrganizationAccount.objects.update_or_create(user=user, defaults={"organization": organization})
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
    if approve:
        link_organization_account(user=claim.user, organization=claim.organization)
    verdict = _("已同意") if approve else _("未同意")
    notify(
        users=[claim.user],
        message=_("您认领“%(name)s”的申请%(verdict)s。审核意见：%(reason)s")
        % {"name": claim.organization.name, "verdict": verdict, "reason": claim.reason},
    )
    return claim
