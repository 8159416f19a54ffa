"""Writes to supervision records (DESIGN.md section 5): community supervisors record observations
and complaints, officers record inspections and follow every record up to its close."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit

from ..access import held_roles
from ..enums import Role, SupervisionKind, SupervisionStatus
from ..models import Organization, SupervisionAttachment, SupervisionFollowUp, SupervisionRecord
from ..selectors.supervision import (
    OFFICER_ROLES,
    records_to_follow_up_for_user,
    supervised_organizations_for_user,
    supervision_records_for_user,
)
from ..uploads import store_private_file

# The follow-up state machine: a record is taken up, then closed, or closed at once. Closed is final.
FOLLOW_UP_TRANSITIONS: dict[str, set[str]] = {
    SupervisionStatus.OPEN: {SupervisionStatus.IN_PROGRESS, SupervisionStatus.CLOSED},
    SupervisionStatus.IN_PROGRESS: {SupervisionStatus.CLOSED},
    SupervisionStatus.CLOSED: set(),
}


def kinds_user_may_record(user) -> list[str]:
    """Supervision kinds the user's roles allow: inspections are for officers."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return list(SupervisionKind.values)
    roles = {held.role for held in held_roles(user)}
    kinds = []
    if roles & ({Role.COMMUNITY_SUPERVISOR} | OFFICER_ROLES):
        kinds += [SupervisionKind.OBSERVATION, SupervisionKind.COMPLAINT]
    if roles & OFFICER_ROLES:
        kinds.append(SupervisionKind.INSPECTION)
    return kinds


def record_supervision(
    *,
    actor,
    organization: Organization,
    kind: str,
    occurred_on: datetime.date,
    summary: str,
    details: str = "",
) -> SupervisionRecord:
    """Record an observation, complaint or inspection about an organization the actor sees.

    Refuses an organization outside the actor's area (as if it did not exist), a kind the
    actor's roles do not allow, and a date in the future.
    """
    if not supervised_organizations_for_user(actor).filter(pk=organization.pk).exists():
        raise ValidationError({"organization": _("您无权对该组织记录监督情况。")})
    allowed = kinds_user_may_record(actor)
    if not allowed:
        raise ValidationError(_("只有社区监督员和登记管理人员可以记录监督情况。"))
    if kind not in allowed:
        raise ValidationError({"kind": _("社区监督员只能记录日常观察和投诉举报，检查由街道、区、市工作人员记录。")})
    if occurred_on and occurred_on > timezone.localdate():
        raise ValidationError({"occurred_on": _("发生日期不能晚于今天。")})
    record = SupervisionRecord(
        organization=organization,
        kind=kind,
        occurred_on=occurred_on,
        summary=summary,
        details=details,
        recorded_by=actor,
    )
    record.full_clean()
    with transaction.atomic():
        record.save()
        audit.record(
            actor=actor,
            action="supervision.record",
            target=record,
            after={"kind": SupervisionKind(kind).label, "occurred_on": occurred_on, "summary": summary},
            organization=organization,
        )
    return record


def follow_up(*, record: SupervisionRecord, actor, to_status: str, note: str) -> SupervisionFollowUp:
    """Move a record's follow-up on (open → in progress → closed, or open → closed) with a note.

    The only writer of `status` and `closed_at`; every change leaves a `SupervisionFollowUp` row.
    Only officers who manage the organization, or the district's officers, may do it.
    """
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("请填写处理意见。")})
    with transaction.atomic():
        # Lock the row so that two officers cannot both move the same status on.
        locked = records_to_follow_up_for_user(actor).select_for_update(of=("self",)).filter(pk=record.pk).first()
        if locked is None:
            raise ValidationError(_("您无权处理该监督记录。"))
        if to_status not in FOLLOW_UP_TRANSITIONS.get(locked.status, set()):
            raise ValidationError(
                {
                    "to_status": _("不能从“%(from)s”转为“%(to)s”。")
                    % {
                        "from": SupervisionStatus(locked.status).label,
                        "to": SupervisionStatus(to_status).label
                        if to_status in SupervisionStatus.values
                        else to_status,
                    }
                }
            )
        entry = SupervisionFollowUp(
            record=locked, actor=actor, from_status=locked.status, to_status=to_status, note=note
        )
        entry.full_clean()
        locked.status = to_status
        locked.closed_at = timezone.now() if to_status == SupervisionStatus.CLOSED else None
        locked.save(update_fields=["status", "closed_at"])
        entry.save()
        audit.record(
            actor=actor,
            action="supervision.follow_up",
            target=locked,
            reason=note,
            before={"status": SupervisionStatus(entry.from_status).label},
            after={"status": SupervisionStatus(to_status).label},
            organization=locked.organization,
        )
    record.status, record.closed_at = locked.status, locked.closed_at
    return entry


@transaction.atomic
def attach_supervision_file(*, record: SupervisionRecord, actor, upload) -> SupervisionAttachment:
    """Add a photo, scan or document to a record: by whoever recorded it or may follow it up.

    The file is checked by content and size before anything is stored (a refused file leaves no
    row and no file); a record holds at most `REGISTRY_ATTACHMENTS_PER_RECORD` files.
    """
    may_attach = records_to_follow_up_for_user(actor).filter(pk=record.pk).exists() or (
        record.recorded_by_id == actor.pk and supervision_records_for_user(actor).filter(pk=record.pk).exists()
    )
    if not may_attach:
        raise ValidationError(_("您无权为该监督记录上传附件。"))
    limit = settings.REGISTRY_ATTACHMENTS_PER_RECORD
    if record.attachments.count() >= limit:
        raise ValidationError(_("每条监督记录最多上传%(limit)d个附件。") % {"limit": limit})
    return store_private_file(SupervisionAttachment(record=record, uploaded_by=actor), upload)
