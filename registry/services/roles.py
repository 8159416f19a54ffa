"""Granting roles and organization accounts."""

from django.contrib.auth import get_user_model
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


def _lock_user(user_id: int) -> None:
    """Serialize the claim decisions about one person (filing and approving), so that two at once
    cannot both pass the checks below."""
    list(get_user_model().objects.select_for_update().filter(pk=user_id).values_list("pk", flat=True))


def _linked_elsewhere(user_id: int, organization: Organization | None = None) -> Organization | None:
    """The organization the person is the account of, unless it is `organization` (a person acts
    for one organization)."""
    account = OrganizationAccount.objects.filter(user_id=user_id).select_related("organization").first()
    if account is None or (organization is not None and account.organization_id == organization.pk):
        return None
    return account.organization


@transaction.atomic
def claim_organization(*, user, identifier: str, statement: str) -> OrganizationClaim:
    """Ask to act for the organization with this credit code or filing number. One claim at a
    time, and none from the account of an organization: an approval never moves an account."""
    organization = public_organization(identifier)
    if organization is None:
        raise ValidationError({"identifier": _("没有找到该统一社会信用代码或备案编号对应的组织。")})
    _lock_user(user.pk)
    linked = _linked_elsewhere(user.pk)
    if linked is not None:
        raise ValidationError(_("您的账号已关联组织“%(name)s”，一个账号只能代表一个组织。") % {"name": linked.name})
    pending = (
        OrganizationClaim.objects.filter(user=user, state=OrganizationClaim.State.PENDING)
        .select_related("organization")
        .first()
    )
    if pending is not None and pending.organization_id == organization.pk:
        raise ValidationError(_("您已提交过认领该组织的申请，正在审核中。"))
    if pending is not None:
        raise ValidationError(
            _("您认领“%(name)s”的申请正在审核中，审核完成前不能再认领其他组织。") % {"name": pending.organization.name}
        )
    claim = OrganizationClaim(user=user, organization=organization, statement=(statement or "").strip())
    claim.full_clean()
    claim.save()
    return claim


@transaction.atomic
def decide_claim(*, claim: OrganizationClaim, actor, approve: bool, reason: str) -> OrganizationClaim:
    """An officer who manages the organization approves (linking the account) or rejects. An
    approval is refused, changing nothing, when the person meanwhile became the account of
    another organization (an approved application, or a claim filed before one claim at a time
    was the rule): it would silently move the account."""
    claim = OrganizationClaim.objects.select_for_update().get(pk=claim.pk)
    if claim.state != OrganizationClaim.State.PENDING:
        raise ValidationError(_("该认领申请已审核。"))
    if not manageable_organizations_for_user(actor).filter(pk=claim.organization_id).exists():
        raise PermissionDenied(_("您无权审核该组织的认领申请。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写审核意见。")})
    if approve:
        _lock_user(claim.user_id)
        linked = _linked_elsewhere(claim.user_id, claim.organization)
        if linked is not None:
            raise ValidationError(
                _("申请人的账号已关联组织“%(name)s”，一个账号只能代表一个组织，不能同意本认领申请。")
                % {"name": linked.name}
            )
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
