"""Online filing: the one writer of an application's state (DESIGN.md section 7).

`act_on_application` checks that the action is allowed from the current state and that the actor
may take it, records the step (who, when, why) in the timeline, applies the decision's effects
(creating, changing or closing the organization) and notifies the people concerned.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import held_roles
from ..enums import (
    ApplicationAction,
    ApplicationKind,
    ApplicationState,
    MaterialKind,
    OrganizationKind,
    OrganizationStatus,
    Role,
)
from ..models import AdministrativeUnit, Application, ApplicationEvent, Material, Organization, OrganizationAccount
from ..selectors.organizations import manageable_organizations_for_user
from ..uploads import store_private_file
from .notifications import notify
from .numbering import allocate_filing_number
from .organizations import create_organization, update_organization

A, S = ApplicationAction, ApplicationState


class Party:
    """Who may take an action."""

    APPLICANT = "applicant"
    FEDERATION = "federation"  # the street federation's staff (pre-review of filings)
    DECIDER = "decider"  # the tier that decides this kind of application


@dataclass(frozen=True)
class Transition:
    to_state: str
    party: str
    needs_reason: bool


# The whole state machine: (state, action) → where it leads and who may take it.
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.DRAFT, A.SUBMIT): Transition(S.SUBMITTED, Party.APPLICANT, False),
    (S.RETURNED, A.SUBMIT): Transition(S.SUBMITTED, Party.APPLICANT, False),
    (S.SUBMITTED, A.PRE_REVIEW): Transition(S.PRE_REVIEWED, Party.FEDERATION, True),
    (S.SUBMITTED, A.ACCEPT): Transition(S.ACCEPTED, Party.DECIDER, False),
    (S.PRE_REVIEWED, A.ACCEPT): Transition(S.ACCEPTED, Party.DECIDER, False),
    (S.SUBMITTED, A.RETURN): Transition(S.RETURNED, Party.DECIDER, True),
    (S.PRE_REVIEWED, A.RETURN): Transition(S.RETURNED, Party.DECIDER, True),
    (S.ACCEPTED, A.RETURN): Transition(S.RETURNED, Party.DECIDER, True),
    (S.ACCEPTED, A.APPROVE): Transition(S.APPROVED, Party.DECIDER, True),
    (S.ACCEPTED, A.REJECT): Transition(S.REJECTED, Party.DECIDER, True),
    (S.DRAFT, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.SUBMITTED, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.PRE_REVIEWED, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
    (S.RETURNED, A.WITHDRAW): Transition(S.WITHDRAWN, Party.APPLICANT, False),
}

# Facts an applicant may propose, per kind (the rest is decided by the bureau).
PROPOSABLE = [
    "name",
    "kind",
    "category",
    "supervising_unit",
    "supervising_approval_number",
    "community",
    "address",
    "founded_on",
    "registered_capital",
    "business_scope",
    "activity_area",
    "member_count",
    "legal_representative",
    "public_phone",
    "legal_representative_id_number",
    "legal_representative_phone",
]
SOURCE = {ApplicationKind.CHANGE: "变更登记", ApplicationKind.DEREGISTRATION: "注销登记"}


def needs_pre_review(application: Application) -> bool:
    """Community-group filings go through the street's federation first, when it has one."""
    return application.kind == ApplicationKind.FILING and hasattr(application.street, "federation")


def _is_party(user, application: Application, party: str) -> bool:
    if party == Party.APPLICANT:
        return user.pk == application.applicant_id
    roles = held_roles(user)
    if party == Party.FEDERATION:
        return any(held.role == Role.FEDERATION_STAFF and held.unit == application.street for held in roles)
    # The decider: registrations by the district (or city) bureau, filings by the street office,
    # changes and deregistrations by whoever manages the organization's registered facts.
    if application.kind in (ApplicationKind.CHANGE, ApplicationKind.DEREGISTRATION):
        return manageable_organizations_for_user(user).filter(pk=application.organization_id).exists()
    deciding_roles = {
        ApplicationKind.REGISTRATION: {Role.DISTRICT_OFFICER, Role.CITY_OFFICER},
        ApplicationKind.FILING: {Role.STREET_OFFICER, Role.DISTRICT_OFFICER},
    }[application.kind]
    return any(
        held.role in deciding_roles and held.unit is not None and application.street.path.startswith(held.unit.path)
        for held in roles
    )


def allowed_actions(user, application: Application) -> list[str]:
    """The actions `user` may take on `application` now (for buttons and queues)."""
    return [
        action
        for (state, action), transition in TRANSITIONS.items()
        if state == application.state
        and _applies(application, action)
        and _is_party(user, application, transition.party)
    ]


def _applies(application: Application, action: str) -> bool:
    if application.state == S.SUBMITTED and needs_pre_review(application):
        return action in (A.PRE_REVIEW, A.WITHDRAW)
    return action != A.PRE_REVIEW


def _organization_from(application: Application, extra: dict[str, Any]) -> Organization:
    facts = {key: value for key, value in application.proposed.items() if key in PROPOSABLE}
    if application.kind == ApplicationKind.FILING:
        facts.update(kind=OrganizationKind.COMMUNITY_GROUP, status=OrganizationStatus.FILED)
    if facts.get("community"):
        facts["community"] = AdministrativeUnit.objects.get(pk=facts["community"])
    return Organization(street=application.street, **facts, **extra)


def validate_proposed(application: Application) -> None:
    """Would the proposed facts make a valid organization? Raises ValidationError by field."""
    if application.kind == ApplicationKind.DEREGISTRATION:
        return
    if application.kind == ApplicationKind.CHANGE:
        candidate = Organization.objects.get(pk=application.organization_id)
        for key, value in application.proposed.items():
            if key in PROPOSABLE and key != "kind":
                setattr(candidate, key if key != "community" else "community_id", value)
        candidate.full_clean(validate_unique=False)
        return
    # The identifier is assigned on approval; everything else must already be right.
    try:
        _organization_from(application, {}).full_clean(exclude=["uscc", "filing_number"])
    except ValidationError as error:
        remaining = {
            field: messages for field, messages in error.message_dict.items() if field not in ("uscc", "filing_number")
        }
        if remaining:
            raise ValidationError(remaining) from None


def _approve(application: Application, actor, extra: dict[str, Any]) -> Organization:
    if application.kind == ApplicationKind.FILING:
        number = allocate_filing_number(year=timezone.localdate().year)
        return _create(_organization_from(application, {"filing_number": number}), actor)
    if application.kind == ApplicationKind.REGISTRATION:
        if not extra.get("uscc"):
            raise ValidationError({"uscc": _("批准成立登记须填写统一社会信用代码。")})
        organization = _organization_from(application, {"uscc": extra["uscc"]})
        organization.status = OrganizationStatus.ACTIVE
        organization.registration_authority = _deciding_authority(actor, application)
        return _create(organization, actor)
    if application.kind == ApplicationKind.CHANGE:
        changes = {key: value for key, value in application.proposed.items() if key in PROPOSABLE and key != "kind"}
        if "community" in changes:
            changes["community_id"] = changes.pop("community")
        organization, _changes = update_organization(
            organization=application.organization, actor=actor, data=changes, source=SOURCE[application.kind]
        )
        return organization
    organization, _changes = update_organization(
        organization=application.organization,
        actor=actor,
        data={"status": OrganizationStatus.DEREGISTERED},
        source=SOURCE[application.kind],
    )
    return organization


def _create(organization: Organization, actor) -> Organization:
    data = {f.name: getattr(organization, f.name) for f in Organization._meta.concrete_fields if f.name != "id"}
    for derived in ("created_at", "updated_at", "name_pinyin", "search_document"):
        data.pop(derived, None)
    return create_organization(actor=actor, data=data, activity_fields=[], source="申请批准")


def _deciding_authority(actor, application: Application) -> AdministrativeUnit:
    units = [
        held.unit
        for held in held_roles(actor)
        if held.role in (Role.DISTRICT_OFFICER, Role.CITY_OFFICER) and held.unit is not None
    ]
    matching = [unit for unit in units if application.street.path.startswith(unit.path)]
    # The deepest unit: a district bureau registers its own organizations.
    return max(matching, key=lambda unit: unit.depth) if matching else application.street.get_parent()


@transaction.atomic
def act_on_application(
    *, application: Application, action: str, actor, reason: str = "", extra: dict[str, Any] | None = None
) -> Application:
    """Take `action` on `application` as `actor`; the only writer of application states."""
    application = Application.objects.select_for_update().select_related("street").get(pk=application.pk)
    transition = TRANSITIONS.get((application.state, action))
    if transition is None or not _applies(application, action):
        raise ValidationError(
            _("申请当前状态为“%(state)s”，不能“%(action)s”。")
            % {"state": application.get_state_display(), "action": ApplicationAction(action).label}
        )
    if not _is_party(actor, application, transition.party):
        raise PermissionDenied(_("您无权对该申请办理“%(action)s”。") % {"action": ApplicationAction(action).label})
    reason = (reason or "").strip()
    if transition.needs_reason and not reason:
        raise ValidationError({"reason": _("请填写理由或意见。")})
    if action == A.SUBMIT:
        validate_proposed(application)
        application.submitted_at = timezone.now()
    if action == A.APPROVE:
        application.organization = _approve(application, actor, extra or {})
    if action in (A.APPROVE, A.REJECT):
        application.decided_at = timezone.now()
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_state=application.state,
        to_state=transition.to_state,
        actor=actor,
        reason=reason,
    )
    application.state = transition.to_state
    application.last_action_at = timezone.now()
    application.save()
    _notify(application, action, reason)
    return application


def _notify(application: Application, action: str, reason: str) -> None:
    message = _("您的%(kind)s申请已%(action)s。") % {
        "kind": application.get_kind_display(),
        "action": ApplicationAction(action).label,
    }
    if reason:
        message += _("理由或意见：%(reason)s") % {"reason": reason}
    recipients = {application.applicant}
    if application.organization_id:
        recipients |= {
            account.user for account in OrganizationAccount.objects.filter(organization=application.organization)
        }
    notify(users=recipients, message=message, application=application)


@transaction.atomic
def start_application(
    *, applicant, kind: str, street: AdministrativeUnit, proposed: dict[str, Any], organization=None
) -> Application:
    """Open a draft. Changes and deregistrations are filed by an account of the organization."""
    if (
        kind in (ApplicationKind.CHANGE, ApplicationKind.DEREGISTRATION)
        and not OrganizationAccount.objects.filter(user=applicant, organization=organization).exists()
    ):
        raise PermissionDenied(_("只有该组织的账号可以申请变更或注销。"))
    application = Application(
        applicant=applicant, kind=kind, street=street, proposed=proposed, organization=organization
    )
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def save_draft(*, application: Application, applicant, proposed: dict[str, Any]) -> Application:
    """Keep what the applicant typed, valid or not: checks run when the draft is submitted."""
    if applicant.pk != application.applicant_id:
        raise PermissionDenied(_("只能修改自己的申请。"))
    if application.state not in (S.DRAFT, S.RETURNED):
        raise ValidationError(_("申请已提交，不能再修改。"))
    application.proposed = {**application.proposed, **proposed}
    application.save(update_fields=["proposed"])
    return application


@transaction.atomic
def attach_material(*, application: Application, actor, kind: str, upload) -> Material:
    """File a document with a draft or returned application. The file is checked by its content
    and size before anything is stored; a refused file leaves no row and no file behind."""
    if actor.pk != application.applicant_id:
        raise PermissionDenied(_("只能为自己的申请上传材料。"))
    if application.state not in (S.DRAFT, S.RETURNED):
        raise ValidationError(_("申请已提交，不能再上传材料。"))
    if application.materials.count() >= settings.REGISTRY_MATERIALS_PER_APPLICATION:
        raise ValidationError(
            _("每份申请最多上传%(limit)d个文件。") % {"limit": settings.REGISTRY_MATERIALS_PER_APPLICATION}
        )
    if kind not in MaterialKind.values:
        raise ValidationError({"kind": _("请选择材料类型。")})
    return store_private_file(Material(application=application, kind=kind, uploaded_by=actor), upload)
