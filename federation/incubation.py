"""Writes of support centres and incubation (DESIGN.md section 8).

A street's support centre incubates groups that are not organizations yet. `move_incubation` is the
one writer of an incubation's stage: it checks the move against `TRANSITIONS` and the actor's right,
keeps the dates the stage needs and writes the history row. A graduated group goes on to a filing
(or a registration) drafted with its facts by `start_filing_from_incubation`; its applicant then
completes and submits it in 我的组织 like any other.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import RegexValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import changes, record
from registry.access import held_roles, holds_back_office_role
from registry.enums import ApplicationKind, OrganizationKind, Role, UnitLevel
from registry.models import AdministrativeUnit, Application
from registry.services.applications import start_application
from registry.services.notifications import notify

from .enums import IncubationServiceKind, IncubationStage
from .models import Incubation, IncubationEvent, IncubationService, SupportCentre

Stage = IncubationStage

# The whole stage machine: where each stage may go. Graduated and withdrawn are final.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.APPLIED: (Stage.INCUBATING, Stage.WITHDRAWN),
    Stage.INCUBATING: (Stage.GRADUATED, Stage.WITHDRAWN),
    Stage.GRADUATED: (),
    Stage.WITHDRAWN: (),
}
FINAL_STAGES = (Stage.GRADUATED, Stage.WITHDRAWN)
# What a graduated group may go on to, and the kind of organization each founds.
CARRY_OVER_KINDS = {
    ApplicationKind.FILING: OrganizationKind.COMMUNITY_GROUP,
    ApplicationKind.REGISTRATION: OrganizationKind.SOCIAL_GROUP,
}
# Officers who open a street's support centre; those who run it are its street office and federation.
OPENING_ROLES = (Role.STREET_OFFICER, Role.DISTRICT_OFFICER)
RUNNING_ROLES = (Role.STREET_OFFICER, Role.FEDERATION_STAFF)

PHONE = RegexValidator(r"^[0-9+\-() ]{7,20}$", gettext_lazy("请填写有效的电话号码，如 0532-88886666 或 13800000000。"))


# --- Who may act ----------------------------------------------------------------------------------


def _is_superuser(user) -> bool:
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def may_open_centre(user, street: AdministrativeUnit) -> bool:
    """The street's own office and the district (or any tier above the street) open its centre."""
    if _is_superuser(user):
        return True
    return any(
        held.role in OPENING_ROLES and held.unit is not None and street.path.startswith(held.unit.path)
        for held in held_roles(user)
    )


def may_run_centre(user, centre: SupportCentre) -> bool:
    """The centre's street office and its street's federation staff keep its incubation records."""
    if _is_superuser(user):
        return True
    return any(
        held.role in RUNNING_ROLES and held.unit is not None and held.unit.pk == centre.street_id
        for held in held_roles(user)
    )


def _ensure_may_run(user, centre: SupportCentre) -> None:
    if not may_run_centre(user, centre):
        raise PermissionDenied(
            _("只有%(street)s的街道工作人员和联合会工作人员可以办理该服务中心的孵化事项。")
            % {"street": centre.street.name}
        )


def _not_in_future(value: datetime.date | None, field: str, label: str) -> None:
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: _("%(label)s不能晚于今天。") % {"label": label}})


# --- Support centres ------------------------------------------------------------------------------


def _check_phone(value: str, field: str) -> None:
    if value:
        try:
            PHONE(value)
        except ValidationError as error:
            raise ValidationError({field: error.messages}) from error


def _clean_centre(centre: SupportCentre) -> None:
    _check_phone(centre.contact_phone, "contact_phone")
    _not_in_future(centre.opened_on, "opened_on", _("启用日期"))
    centre.full_clean()


@transaction.atomic
def open_support_centre(
    *, street: AdministrativeUnit, name: str, address: str = "", opened_on=None, contact_phone: str = "", actor
) -> SupportCentre:
    """Open a street's support centre (one per street), as its street office or the district."""
    if street.level != UnitLevel.STREET:
        raise ValidationError({"street": _("社会组织服务中心须设在街道。")})
    if not may_open_centre(actor, street):
        raise PermissionDenied(
            _("只有本街道或区级登记管理人员可以设立%(street)s的服务中心。") % {"street": street.name}
        )
    existing = SupportCentre.objects.filter(street=street).first()
    if existing is not None:
        raise ValidationError(
            {"street": _("%(street)s已有社会组织服务中心：%(name)s。") % {"street": street.name, "name": existing.name}}
        )
    centre = SupportCentre(
        street=street,
        name=(name or "").strip(),
        address=(address or "").strip(),
        opened_on=opened_on,
        contact_phone=(contact_phone or "").strip(),
    )
    _clean_centre(centre)
    centre.save()
    record(actor=actor, action="support_centre.open", target=centre, after=_centre_facts(centre))
    return centre


def _centre_facts(centre: SupportCentre) -> dict:
    return {name: getattr(centre, name) for name in ("name", "address", "opened_on", "contact_phone")}


@transaction.atomic
def update_support_centre(
    *, centre: SupportCentre, name: str, address: str = "", opened_on=None, contact_phone: str = "", actor
) -> SupportCentre:
    """Correct a centre's name, address, opening date or phone; its street stays."""
    if not may_open_centre(actor, centre.street):
        raise PermissionDenied(_("只有本街道或区级登记管理人员可以修改该服务中心。"))
    centre = SupportCentre.objects.select_for_update().get(pk=centre.pk)
    before = _centre_facts(centre)
    centre.name = (name or "").strip()
    centre.address = (address or "").strip()
    centre.opened_on = opened_on
    centre.contact_phone = (contact_phone or "").strip()
    _clean_centre(centre)
    centre.save()
    old, new = changes(before, _centre_facts(centre))
    if new:
        record(actor=actor, action="support_centre.change", target=centre, before=old, after=new)
    return centre


# --- Incubation records ---------------------------------------------------------------------------


def _check_group(incubation: Incubation) -> None:
    """The facts of a group, as entered or corrected: its community lies in the centre's street."""
    community = incubation.community
    street = incubation.centre.street
    if community is None or community.level != UnitLevel.COMMUNITY or not community.path.startswith(street.path):
        raise ValidationError({"community": _("所选社区不属于%(street)s，请重新选择。") % {"street": street.name}})
    _check_phone(incubation.contact_phone, "contact_phone")
    duplicate = (
        Incubation.objects.filter(centre=incubation.centre, group_name=incubation.group_name)
        .exclude(stage=Stage.WITHDRAWN)
        .exclude(pk=incubation.pk)
    )
    if duplicate.exists():
        raise ValidationError({"group_name": _("本服务中心已有同名团队的孵化记录。")})
    incubation.full_clean()


@transaction.atomic
def apply_for_incubation(
    *,
    centre: SupportCentre,
    group_name: str,
    community: AdministrativeUnit,
    contact_person: str,
    contact_phone: str = "",
    activities: str,
    actor,
) -> Incubation:
    """Enter a group's application to be incubated. The group is no organization and has no account
    yet, so the centre's street office or the federation staff enter it for them."""
    _ensure_may_run(actor, centre)
    incubation = Incubation(
        centre=centre,
        group_name=(group_name or "").strip(),
        community=community,
        contact_person=(contact_person or "").strip(),
        contact_phone=(contact_phone or "").strip(),
        activities=(activities or "").strip(),
        stage=Stage.APPLIED,
    )
    _check_group(incubation)
    incubation.save()
    IncubationEvent.objects.create(incubation=incubation, from_stage="", to_stage=Stage.APPLIED, actor=actor)
    record(actor=actor, action="incubation.applied", target=incubation, after={"stage": Stage.APPLIED.label})
    return incubation


@transaction.atomic
def update_incubation(
    *,
    incubation: Incubation,
    group_name: str,
    community: AdministrativeUnit,
    contact_person: str,
    contact_phone: str = "",
    activities: str,
    actor,
) -> Incubation:
    """Correct a group's facts. They are carried into its filing, so they stay editable until then."""
    _ensure_may_run(actor, incubation.centre)
    incubation = Incubation.objects.select_for_update().select_related("centre__street").get(pk=incubation.pk)
    if incubation.application_id:
        raise ValidationError(_("该团队已转入备案或登记申请，请在申请中修改。"))
    incubation.group_name = (group_name or "").strip()
    incubation.community = community
    incubation.contact_person = (contact_person or "").strip()
    incubation.contact_phone = (contact_phone or "").strip()
    incubation.activities = (activities or "").strip()
    _check_group(incubation)
    incubation.save()
    return incubation


def allowed_stages(incubation: Incubation) -> tuple[str, ...]:
    """The stages the incubation may move to now."""
    return TRANSITIONS[incubation.stage]


@transaction.atomic
def move_incubation(
    *,
    incubation: Incubation,
    to_stage: str,
    actor,
    note: str = "",
    mentor: str | None = None,
    on: datetime.date | None = None,
) -> Incubation:
    """Move an incubation to `to_stage`; the only writer of its stage.

    Starting to incubate needs a mentor and the start date `on`. Graduating or withdrawing needs a
    note and, once incubation has started, the end date `on` (not before the start); a group that
    withdraws before it started has no dates. Nothing leaves graduated or withdrawn.
    """
    incubation = Incubation.objects.select_for_update().select_related("centre__street").get(pk=incubation.pk)
    _ensure_may_run(actor, incubation.centre)
    if to_stage not in Stage.values:
        raise ValidationError({"to_stage": _("请选择要转入的阶段。")})
    current, target = Stage(incubation.stage), Stage(to_stage)
    if current in FINAL_STAGES:
        raise ValidationError(
            {"to_stage": _("该团队的孵化已结束（%(stage)s），不能再变更阶段。") % {"stage": current.label}}
        )
    if target not in TRANSITIONS[current]:
        raise ValidationError(
            {
                "to_stage": _("孵化记录当前为“%(current)s”，不能转为“%(target)s”。")
                % {"current": current.label, "target": target.label}
            }
        )
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if target == Stage.INCUBATING:
        mentor = (mentor or "").strip()
        if not mentor:
            errors["mentor"] = _("开始孵化须指定导师。")
        if on is None:
            errors["on"] = _("请填写入驻日期。")
    else:
        if not note:
            errors["note"] = _("转为“%(target)s”须填写说明。") % {"target": target.label}
        if incubation.started_on is not None:
            if on is None:
                errors["on"] = _("请填写孵化结束日期。")
            elif on < incubation.started_on:
                errors["on"] = _("结束日期不能早于入驻日期（%(start)s）。") % {
                    "start": incubation.started_on.isoformat()
                }
    if errors:
        raise ValidationError(errors)
    _not_in_future(on, "on", _("日期"))
    if target == Stage.INCUBATING:
        incubation.mentor, incubation.started_on = mentor, on
    elif incubation.started_on is not None:
        incubation.ended_on = on
    incubation.stage = target
    incubation.stage_note = note
    incubation.full_clean()
    incubation.save()
    IncubationEvent.objects.create(incubation=incubation, from_stage=current, to_stage=target, actor=actor, note=note)
    record(
        actor=actor,
        action=f"incubation.{target}",
        target=incubation,
        reason=note,
        before={"stage": Stage(current).label},
        after={"stage": Stage(target).label, "mentor": incubation.mentor},
    )
    return incubation


@transaction.atomic
def record_service(
    *, incubation: Incubation, kind: str, provided_on: datetime.date, note: str = "", actor
) -> IncubationService:
    """Record a service the centre gave the group (space, training, project coaching): only while
    it is incubating, dated within its incubation."""
    incubation = Incubation.objects.select_for_update().select_related("centre__street").get(pk=incubation.pk)
    _ensure_may_run(actor, incubation.centre)
    if incubation.stage != Stage.INCUBATING:
        raise ValidationError(
            _("只能为孵化中的团队记录服务；该团队当前为“%(stage)s”。") % {"stage": incubation.get_stage_display()}
        )
    if kind not in IncubationServiceKind.values:
        raise ValidationError({"kind": _("请选择服务类型。")})
    if provided_on is None:
        raise ValidationError({"provided_on": _("请填写服务日期。")})
    if provided_on < incubation.started_on:
        raise ValidationError(
            {"provided_on": _("服务日期不能早于入驻日期（%(start)s）。") % {"start": incubation.started_on.isoformat()}}
        )
    _not_in_future(provided_on, "provided_on", _("服务日期"))
    service = IncubationService(incubation=incubation, kind=kind, provided_on=provided_on, note=(note or "").strip())
    service.full_clean()
    service.save()
    return service


# --- Going on to a filing or a registration -------------------------------------------------------


def _check_applicant(applicant) -> None:
    if (
        applicant is None
        or not isinstance(applicant, get_user_model())
        or not applicant.is_active
        or applicant.is_superuser
        or holds_back_office_role(applicant)
    ):
        raise ValidationError({"applicant": _("申请人须是本站在用的网站账号，不能是工作人员账号。")})


def carried_over_facts(incubation: Incubation, kind: str, address: str = "") -> dict:
    """The facts of the group as a draft of `kind` proposes them (DESIGN.md section 7)."""
    proposed = {
        "name": incubation.group_name,
        "community": incubation.community_id,
        "legal_representative": incubation.contact_person,
        "business_scope": incubation.activities,
    }
    if kind == ApplicationKind.REGISTRATION:
        proposed["kind"] = CARRY_OVER_KINDS[kind]
    if address:
        proposed["address"] = address
    return proposed


@transaction.atomic
def start_filing_from_incubation(
    *, incubation: Incubation, applicant, actor, kind: str = ApplicationKind.FILING, address: str = ""
) -> Application:
    """A graduated group goes on to a community-group filing (or, to register as a social group, a
    registration): a draft with the group's facts carried over, in the name of `applicant` (a site
    account), linked from the incubation. Once only. The applicant completes the draft, uploads the
    documents and submits it in 我的组织."""
    incubation = Incubation.objects.select_for_update().select_related("centre__street").get(pk=incubation.pk)
    _ensure_may_run(actor, incubation.centre)
    if kind not in CARRY_OVER_KINDS:
        raise ValidationError({"kind": _("出壳团队只能转入社区社会组织备案或社会团体成立登记。")})
    if incubation.application_id:
        application = Application.objects.get(pk=incubation.application_id)
        raise ValidationError(
            _("该团队已转入%(kind)s申请，不能重复办理。") % {"kind": application.get_kind_display()},
            code="already_carried_over",
        )
    if incubation.stage != Stage.GRADUATED:
        raise ValidationError(
            _("只有已出壳的团队可以转入备案或登记；该团队当前为“%(stage)s”。")
            % {"stage": incubation.get_stage_display()}
        )
    _check_applicant(applicant)
    application = start_application(
        applicant=applicant,
        kind=kind,
        street=incubation.centre.street,
        proposed=carried_over_facts(incubation, kind, (address or "").strip()),
    )
    incubation.application = application
    incubation.save(update_fields=["application"])
    notify(
        users=[applicant],
        message=_(
            "%(centre)s已根据“%(group)s”的孵化记录为您创建%(kind)s申请草稿。请在“我的组织”中核对申请事项、"
            "上传所需材料后提交。"
        )
        % {"centre": incubation.centre.name, "group": incubation.group_name, "kind": application.get_kind_display()},
        application=application,
    )
    return application
