"""Online filing: the one writer of an application's state (DESIGN.md section 7).

`act_on_application` checks that the action is allowed from the current state and that the actor
may take it, records the step (who, when, why) in the timeline, applies the decision's effects
(creating, changing or closing the organization) and notifies the people concerned.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from audit.services import record

from ..access import held_roles
from ..enums import (
    ApplicationAction,
    ApplicationKind,
    ApplicationState,
    MaterialKind,
    OrganizationKind,
    OrganizationStatus,
)
from ..models import AdministrativeUnit, Application, ApplicationEvent, Material, Organization, OrganizationAccount
from ..personal_data import PERSONAL_FIELDS, masked
from ..selectors.applications import DECIDING_ROLES, FOR_AN_ORGANIZATION, applied_by, decided_by, pre_reviewed_by
from ..uploads import LIST_MATERIAL_KINDS, XLSX_TYPE, FileType, material_types, store_private_file
from .notifications import notify
from .numbering import allocate_filing_number
from .organizations import create_organization, update_organization
from .roles import link_organization_account

A, S, M = ApplicationAction, ApplicationState, MaterialKind


class Party:
    """Who may take an action."""

    APPLICANT = "applicant"
    FEDERATION = "federation"  # the street federation's staff (pre-review of filings)
    DECIDER = "decider"  # the tier that decides this kind of application
    # Whoever examines a submitted application first: the street federation for a filing it
    # pre-reviews (`needs_pre_review`), the deciding tier for everything else. Either may send it
    # back for correction (补正) then; only the decider refuses it, after accepting it.
    REVIEWER = "reviewer"


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
    (S.SUBMITTED, A.RETURN): Transition(S.RETURNED, Party.REVIEWER, True),
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
# The bureau registers these two; foundations are registered by the province, community groups filed.
REGISTRABLE_KINDS = (OrganizationKind.SOCIAL_GROUP, OrganizationKind.SERVICE_INSTITUTION)
# Facts of registered organizations only: a filed community group has no category or supervising unit.
REGISTERED_ONLY_FACTS = ("category", "supervising_unit", "supervising_approval_number")
# What a deregistration states; the decision itself only closes the organization.
DEREGISTRATION_FACTS = {
    "reason": _lazy("注销原因"),
    "liquidation_summary": _lazy("清算情况"),
    "liquidation_completed_on": _lazy("清算完成日期"),
}
# Organizations in these states are closed: they file nothing more.
CLOSED_STATUSES = (OrganizationStatus.DEREGISTERED, OrganizationStatus.REVOKED, OrganizationStatus.LAPSED)


@dataclass(frozen=True)
class MaterialsNeeded:
    required: tuple[str, ...]  # the application cannot be submitted without one of each
    optional: tuple[str, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return self.required + self.optional


# The documents of each kind of application (DESIGN.md section 7).
MATERIALS: dict[str, MaterialsNeeded] = {
    ApplicationKind.REGISTRATION: MaterialsNeeded(
        required=(M.CHARTER, M.MINUTES, M.PREMISES, M.ID_DOCUMENT), optional=(M.MEMBER_LIST, M.OTHER)
    ),
    ApplicationKind.FILING: MaterialsNeeded(
        required=(M.CHARTER, M.MEMBER_LIST, M.ID_DOCUMENT), optional=(M.PREMISES, M.MINUTES, M.OTHER)
    ),
    # The members' or board's resolution to change or to close is what the bureau decides on.
    ApplicationKind.CHANGE: MaterialsNeeded(
        required=(M.MINUTES,), optional=(M.CHARTER, M.PREMISES, M.ID_DOCUMENT, M.OTHER)
    ),
    ApplicationKind.DEREGISTRATION: MaterialsNeeded(required=(M.MINUTES,), optional=(M.ID_DOCUMENT, M.OTHER)),
}


@dataclass(frozen=True)
class MaterialStatus:
    kind: str
    label: str
    required: bool
    files: list[Material]


def material_checklist(application: Application) -> list[MaterialStatus]:
    """The documents the application's kind needs, each with the files filed for it."""
    files = list(application.materials.all())
    needed = MATERIALS[application.kind]
    return [
        MaterialStatus(
            kind, str(MaterialKind(kind).label), kind in needed.required, [f for f in files if f.kind == kind]
        )
        for kind in needed.kinds
    ]


def missing_materials(application: Application) -> list[str]:
    """The required documents not filed yet, by kind."""
    return [status.kind for status in material_checklist(application) if status.required and not status.files]


def changeable_facts(organization: Organization) -> list[str]:
    """What a change application may propose for this organization (its kind is not among them)."""
    skipped = {"kind", *(REGISTERED_ONLY_FACTS if organization.kind == OrganizationKind.COMMUNITY_GROUP else ())}
    return [name for name in PROPOSABLE if name not in skipped]


def fact_value(organization: Organization, name: str) -> Any:
    """A registered fact as the `proposed` JSON holds it (a date as ISO text, a unit by its pk)."""
    value = getattr(organization, Organization._meta.get_field(name).attname)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) if isinstance(value, Decimal) else value


def fact_display(name: str, value: Any, *, personal_in_clear: bool = False) -> str:
    """A fact as people read it: labels for codes, the community's name, the legal representative's
    ID number and personal phone masked unless `personal_in_clear` (`registry.personal_data` says
    who may read them so)."""
    if value in (None, ""):
        return "—"
    if name == "community":
        unit = AdministrativeUnit.objects.filter(pk=value).first() if str(value).isdigit() else None
        return unit.name if unit else "—"
    if name in PERSONAL_FIELDS:
        return str(value) if personal_in_clear else masked(name, value)
    choices = dict(Organization._meta.get_field(name).flatchoices) if name in PROPOSABLE else {}
    return str(choices.get(str(value), value))


def _label(name: str) -> str:
    return str(Organization._meta.get_field(name).verbose_name)


@dataclass(frozen=True)
class ProposedFact:
    name: str
    label: str
    proposed: str
    current: str | None = None  # for a change: what is registered now


def proposed_facts(application: Application, *, personal_in_clear: bool = False) -> list[ProposedFact]:
    """What the application proposes, as people read it, in a fixed order (for the applicant's page
    and the officers' queue). A change shows the registered value beside each proposed one.
    `personal_in_clear` as `registry.personal_data.shows_application_personal_data` answers."""
    proposed = application.proposed

    def display(name: str, value: Any) -> str:
        return fact_display(name, value, personal_in_clear=personal_in_clear)

    if application.kind == ApplicationKind.DEREGISTRATION:
        return [
            ProposedFact(name, str(label), display(name, proposed.get(name)))
            for name, label in DEREGISTRATION_FACTS.items()
        ]
    if application.kind == ApplicationKind.CHANGE:
        organization = application.organization
        return [
            ProposedFact(
                name,
                _label(name),
                display(name, proposed[name]),
                display(name, fact_value(organization, name)),
            )
            for name in changeable_facts(organization)
            if name in proposed
        ]
    street = ProposedFact("street", _label("street"), application.street.name)
    return [street] + [
        ProposedFact(name, _label(name), display(name, proposed[name])) for name in PROPOSABLE if name in proposed
    ]


def needs_pre_review(application: Application) -> bool:
    """Community-group filings go through the street's federation first, when it has one."""
    return application.kind == ApplicationKind.FILING and hasattr(application.street, "federation")


def _is_party(user, application: Application, party: str) -> bool:
    """Asked with the conditions that scope the reading of applications (`registry.selectors.
    applications`), so that whoever may act on an application is also one who sees it. The
    applicant of a change or deregistration must still be an account of the organization."""
    if party == Party.APPLICANT:
        condition = applied_by(user)
    elif party == Party.FEDERATION or (party == Party.REVIEWER and needs_pre_review(application)):
        condition = pre_reviewed_by(user)
    else:
        condition = decided_by(user)
    return Application.objects.filter(condition, pk=application.pk).exists()


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
    """A submitted filing awaiting its federation's pre-review is not accepted before it: the
    federation passes it on or returns it for correction (or the applicant withdraws it)."""
    if application.state == S.SUBMITTED and needs_pre_review(application):
        return action in (A.PRE_REVIEW, A.RETURN, A.WITHDRAW)
    return action != A.PRE_REVIEW


def _organization_from(application: Application, extra: dict[str, Any]) -> Organization:
    facts = {key: value for key, value in application.proposed.items() if key in PROPOSABLE}
    if application.kind == ApplicationKind.FILING:
        facts.update(kind=OrganizationKind.COMMUNITY_GROUP, status=OrganizationStatus.FILED)
    if facts.get("community"):
        facts["community"] = AdministrativeUnit.objects.get(pk=facts["community"])
    return Organization(street=application.street, **facts, **extra)


def _proposed_changes(application: Application, organization: Organization) -> dict[str, Any]:
    """A change application's proposed facts by attribute name (a community by its pk)."""
    allowed = changeable_facts(organization)
    return {
        Organization._meta.get_field(key).attname: value
        for key, value in application.proposed.items()
        if key in allowed
    }


def _check_materials(application: Application) -> None:
    missing = missing_materials(application)
    if missing:
        raise ValidationError(
            _("还缺少必需的申请材料：%(kinds)s。请上传后再提交。")
            % {"kinds": "、".join(str(MaterialKind(kind).label) for kind in missing)},
            code="materials_missing",
        )


def validate_proposed(application: Application) -> None:
    """Would the proposed facts make a valid organization? Raises ValidationError by field.
    A change must change something, and each fact it names must differ from the registered one."""
    if application.kind == ApplicationKind.DEREGISTRATION:
        if not str(application.proposed.get("reason") or "").strip():
            raise ValidationError({"reason": _("请填写注销原因。")})
        return
    if application.kind == ApplicationKind.CHANGE:
        current = Organization.objects.get(pk=application.organization_id)
        changes = _proposed_changes(application, current)
        if not changes:
            raise ValidationError(_("请至少选择一项要变更的登记事项。"))
        candidate = Organization.objects.get(pk=application.organization_id)
        for attname, value in changes.items():
            setattr(candidate, attname, value)
        candidate.full_clean(validate_unique=False)
        # full_clean() converted the proposed text, so equal values compare equal (30000 and 30000.00).
        unchanged = {
            field.name: _("与现登记内容相同。请修改，或在上一步取消该项。")
            for field in Organization._meta.concrete_fields
            if field.attname in changes and getattr(candidate, field.attname) == getattr(current, field.attname)
        }
        if unchanged:
            raise ValidationError(unchanged)
        return
    errors = {}
    if application.kind == ApplicationKind.REGISTRATION and application.proposed.get("kind") not in REGISTRABLE_KINDS:
        errors["kind"] = [_("请选择组织类型：成立登记只适用于社会团体和民办非企业单位。")]
    # The identifier is assigned on approval; everything else must already be right.
    try:
        _organization_from(application, {}).full_clean(exclude=["uscc", "filing_number"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field not in ("uscc", "filing_number"):
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


def _approve(application: Application, actor, extra: dict[str, Any]) -> Organization:
    today = timezone.localdate()
    if application.kind == ApplicationKind.FILING:
        number = allocate_filing_number(year=today.year)
        organization = _organization_from(application, {"filing_number": number})
        # A group that gave no founding date counts from its filing.
        organization.founded_on = organization.founded_on or today
        return _create(organization, application, actor)
    if application.kind == ApplicationKind.REGISTRATION:
        if not extra.get("uscc"):
            raise ValidationError({"uscc": _("批准成立登记须填写统一社会信用代码。")})
        organization = _organization_from(application, {"uscc": extra["uscc"]})
        organization.status = OrganizationStatus.ACTIVE
        organization.registration_authority = _deciding_authority(actor, application)
        # A social group or private non-enterprise unit is founded, in law, on the day it is
        # registered: without a date given, the approval is its founding date, which the annual
        # report's first-year rule (`must_report`) counts from.
        organization.founded_on = organization.founded_on or today
        return _create(organization, application, actor)
    if application.kind == ApplicationKind.CHANGE:
        data = _proposed_changes(application, application.organization)
    else:
        data = {"status": OrganizationStatus.DEREGISTERED}
    organization, _recorded = update_organization(
        organization=application.organization, actor=actor, data=data, source=SOURCE[application.kind]
    )
    return organization


def _create(organization: Organization, application: Application, actor) -> Organization:
    data = {f.name: getattr(organization, f.name) for f in Organization._meta.concrete_fields if f.name != "id"}
    for derived in ("created_at", "updated_at", "name_pinyin", "search_document"):
        data.pop(derived, None)
    created = create_organization(actor=actor, data=data, activity_fields=[], source="申请批准")
    # The applicant goes on to act for the new organization, unless they already act for another.
    if not OrganizationAccount.objects.filter(user=application.applicant).exists():
        link_organization_account(user=application.applicant, organization=created, actor=actor)
    return created


def _deciding_authority(actor, application: Application) -> AdministrativeUnit:
    units = [
        held.unit
        for held in held_roles(actor)
        if held.role in DECIDING_ROLES[ApplicationKind.REGISTRATION] and held.unit is not None
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
    if application.kind in FOR_AN_ORGANIZATION and action in (A.SUBMIT, A.ACCEPT, A.APPROVE):
        # Locked, so that of two approvals of the same organization (a change and a
        # deregistration) the second waits for the first and sees what it did.
        application.organization = Organization.objects.select_for_update().get(pk=application.organization_id)
        if action == A.SUBMIT:
            ensure_may_file(application.organization)
        else:
            _ensure_open(application.organization)
    if action == A.SUBMIT:
        _check_materials(application)
        validate_proposed(application)
        application.submitted_at = timezone.now()
    if action == A.APPROVE:
        application.organization = _approve(application, actor, extra or {})
    if action in (A.APPROVE, A.REJECT):
        application.decided_at = timezone.now()
    # Only a returned application has a correction deadline; resubmitting (or withdrawing) ends it.
    application.correct_by = correction_deadline(timezone.localdate()) if transition.to_state == S.RETURNED else None
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_state=application.state,
        to_state=transition.to_state,
        actor=actor,
        reason=reason,
    )
    record(
        actor=actor,
        action=f"application.{action}",
        target=application,
        reason=reason,
        before={"state": ApplicationState(application.state).label},
        after={"state": ApplicationState(transition.to_state).label},
        organization=application.organization,
    )
    application.state = transition.to_state
    application.last_action_at = timezone.now()
    application.save()
    _notify(application, action, reason)
    return application


def correction_deadline(returned_on: datetime.date) -> datetime.date:
    """The day by which an application returned on `returned_on` should be corrected and resubmitted."""
    return returned_on + datetime.timedelta(days=settings.APPLICATION_CORRECTION_DAYS)


def _notify(application: Application, action: str, reason: str) -> None:
    message = _("您的%(kind)s申请已%(action)s。") % {
        "kind": application.get_kind_display(),
        "action": ApplicationAction(action).label,
    }
    if reason:
        message += _("理由或意见：%(reason)s") % {"reason": reason}
    if application.correct_by:
        message += _("请于%(date)s前补正后重新提交。") % {"date": application.correct_by.isoformat()}
    recipients = {application.applicant}
    if application.organization_id:
        recipients |= {
            account.user for account in OrganizationAccount.objects.filter(organization=application.organization)
        }
    notify(users=recipients, message=message, application=application)


def ensure_may_file(organization: Organization) -> None:
    """A closed organization (deregistered, revoked, lapsed) files nothing more."""
    if organization.status in CLOSED_STATUSES:
        raise ValidationError(
            _("该组织的状态为“%(status)s”，不能再提出申请。") % {"status": organization.get_status_display()}
        )


def _ensure_open(organization: Organization) -> None:
    """Nothing filed for a closed organization is accepted or approved any more (it may only be
    returned or rejected): it may have closed after the application was submitted."""
    if organization.status in CLOSED_STATUSES:
        raise ValidationError(
            _("该组织的状态为“%(status)s”，不能再受理或批准它的申请。") % {"status": organization.get_status_display()}
        )


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
    if organization is not None:
        ensure_may_file(organization)
    application = Application(
        applicant=applicant, kind=kind, street=street, proposed=proposed, organization=organization
    )
    application.full_clean()
    application.save()
    return application


@transaction.atomic
def save_draft(
    *, application: Application, applicant, proposed: dict[str, Any], drop: tuple[str, ...] = ()
) -> Application:
    """Keep what the applicant typed, valid or not: checks run when the draft is submitted.
    `drop` removes facts the applicant no longer proposes (a change they took back)."""
    if not _is_party(applicant, application, Party.APPLICANT):
        raise PermissionDenied(_("只能修改自己的申请。"))
    if application.state not in (S.DRAFT, S.RETURNED):
        raise ValidationError(_("申请已提交，不能再修改。"))
    kept = {key: value for key, value in application.proposed.items() if key not in drop}
    application.proposed = {**kept, **proposed}
    application.save(update_fields=["proposed"])
    return application


@transaction.atomic
def attach_material(*, application: Application, actor, kind: str, upload) -> Material:
    """File a document with a draft or returned application. The file is checked by its content
    and size before anything is stored; a refused file leaves no row and no file behind."""
    if not _is_party(actor, application, Party.APPLICANT):
        raise PermissionDenied(_("只能为自己的申请上传材料。"))
    if application.state not in (S.DRAFT, S.RETURNED):
        raise ValidationError(_("申请已提交，不能再上传材料。"))
    if application.materials.count() >= settings.REGISTRY_MATERIALS_PER_APPLICATION:
        raise ValidationError(
            _("每份申请最多上传%(limit)d个文件。") % {"limit": settings.REGISTRY_MATERIALS_PER_APPLICATION}
        )
    if kind not in MATERIALS[application.kind].kinds:
        raise ValidationError({"kind": _("请选择本类申请所需的材料类型。")})
    if application.materials.filter(kind=kind).count() >= settings.UPLOAD_MAX_FILES_PER_ITEM:
        raise ValidationError(
            _("每类材料最多上传%(limit)d个文件，请删除多余的文件后再上传。")
            % {"limit": settings.UPLOAD_MAX_FILES_PER_ITEM}
        )
    return store_private_file(
        Material(application=application, kind=kind, uploaded_by=actor),
        upload,
        allowed=material_types(kind),
        refused_type=lambda name, detected: _refused_material_type(kind, name, detected),
    )


def _refused_material_type(kind: str, name: str, detected: FileType) -> str:
    """Why a sound file of an allowed kind elsewhere (a workbook given as a charter) is refused."""
    allowed = material_types(kind)
    message = _("文件“%(name)s”是%(type)s文件，“%(kind)s”只接受%(types)s文件。") % {
        "name": name,
        "type": detected.label,
        "kind": MaterialKind(kind).label,
        "types": "、".join(each.label for each in allowed),
    }
    if detected == XLSX_TYPE:
        lists = "、".join(str(MaterialKind(each).label) for each in LIST_MATERIAL_KINDS)
        message += _("XLSX表格只能作为%(kinds)s上传。") % {"kinds": lists}
    return message


@transaction.atomic
def remove_material(*, material: Material, actor) -> None:
    """Take a document (a wrong upload) off a draft or returned application: its applicant only.
    The row goes at once and the stored file once the removal has committed, so that a rollback
    never leaves a row without its file; the audit log keeps what was removed."""
    application = Application.objects.select_for_update().get(pk=material.application_id)
    if not _is_party(actor, application, Party.APPLICANT):
        raise PermissionDenied(_("只能删除自己申请的材料。"))
    if application.state not in (S.DRAFT, S.RETURNED):
        raise ValidationError(
            _("申请当前状态为“%(state)s”，不能再删除材料。") % {"state": application.get_state_display()}
        )
    material = Material.objects.select_for_update().filter(pk=material.pk, application=application).first()
    if material is None:
        raise ValidationError(_("该材料已删除。"))
    record(
        actor=actor,
        action="application.material_remove",
        target=application,
        before={
            "kind": material.get_kind_display(),
            "name": material.original_name,
            "size": material.size,
            "sha256": material.sha256,
        },
        after=None,
        organization=application.organization,
    )
    stored = material.file
    material.delete()
    transaction.on_commit(lambda: stored.delete(save=False))
