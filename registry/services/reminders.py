"""Reminders of deadlines to the accounts of each organization, and to applicants for what they owe
before any organization exists, in the app and by e-mail."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import DeadlineReminder, Organization, OrganizationAccount
from ..selectors.deadlines import Deadline, applicant_deadlines_between, dated_deadlines_between
from .notifications import notify

# Days before a deadline when a reminder goes out; negative: days after it, while still not done.
REMINDER_OFFSETS = (30, 7, 1, -1, -7, -30)
# How late the last reminder may still go out when the job did not run on its day.
LAST_REMINDER_LATE_DAYS = 7
# Organizations handled per query for their accounts (keeps the query's parameter list short).
BATCH_SIZE = 500


def reminder_offset(due_on: datetime.date, today: datetime.date) -> int | None:
    """The offset of the most recent reminder day on or before `today`, or None when no reminder
    is due (more than 30 days ahead, or the last reminder's day long past). Only this one offset
    counts: after missed days the job sends the latest reminder, not every one it missed."""
    days_left = (due_on - today).days
    passed = [offset for offset in REMINDER_OFFSETS if offset >= days_left]
    if not passed or days_left < REMINDER_OFFSETS[-1] - LAST_REMINDER_LATE_DAYS:
        return None
    return min(passed)


def reminder_message(deadline: Deadline, today: datetime.date) -> str:
    """Said from the actual days left, since a late run may send the reminder of an earlier day."""
    days_left = (deadline.due_on - today).days
    values = {"title": deadline.title, "date": deadline.due_on.isoformat(), "days": abs(days_left)}
    if days_left > 0:
        text = ngettext(
            "提醒：%(title)s，截止日期为%(date)s，还有%(days)d天。",
            "提醒：%(title)s，截止日期为%(date)s，还有%(days)d天。",
            days_left,
        )
    elif days_left == 0:
        text = _("提醒：%(title)s，今天（%(date)s）截止。")
    else:
        text = ngettext(
            "提醒：%(title)s，已于%(date)s截止，逾期%(days)d天，请尽快办理。",
            "提醒：%(title)s，已于%(date)s截止，逾期%(days)d天，请尽快办理。",
            -days_left,
        )
    return (text % values) + _("详情请登录“我的组织”查看待办事项。")


def send_deadline_reminders(*, today: datetime.date) -> dict[str, int]:
    """Remind every active account of each organization of its dated deadlines: 30, 7 and 1 days
    before, then 1, 7 and 30 days after while the deadline is still not met (a filed report drops
    out of its source, so its reminders stop).

    Safe to run more than once a day: each sent reminder is recorded (`DeadlineReminder`, unique
    per organization, deadline and offset) in the same transaction as its notification, so a rerun,
    or a run racing this one, skips it. After missed days only the most recent reminder goes out
    (see `reminder_offset`). The e-mails leave through the notification task once each reminder
    has committed.

    The applicants' own deadlines (`applicant_deadlines_between`: a registration or filing returned
    for correction, with no organization yet) are reminded to the applicant alone, the same way;
    the counts include them.
    """
    # Stored messages are written in the bureau's language, whatever language the caller had active.
    with translation.override(settings.LANGUAGE_CODE):
        first = today + datetime.timedelta(days=REMINDER_OFFSETS[-1] - LAST_REMINDER_LATE_DAYS)
        last = today + datetime.timedelta(days=REMINDER_OFFSETS[0])
        active_accounts = OrganizationAccount.objects.filter(user__is_active=True)
        reachable = Organization.objects.filter(Exists(active_accounts.filter(organization=OuterRef("pk"))))
        due = []
        for organization_id, deadline in dated_deadlines_between(first, last, today=today, organizations=reachable):
            offset = reminder_offset(deadline.due_on, today)
            if offset is not None:
                due.append((organization_id, deadline, offset))
        sent_before = set(
            DeadlineReminder.objects.filter(
                deadline_key__in={item[1].key for item in due},
                offset_days__in={item[2] for item in due},
            ).values_list("organization_id", "deadline_key", "offset_days")
        )
        pending = [item for item in due if (item[0], item[1].key, item[2]) not in sent_before]
        sent = 0
        for start in range(0, len(pending), BATCH_SIZE):
            batch = pending[start : start + BATCH_SIZE]
            users = defaultdict(list)
            for account in active_accounts.filter(organization_id__in={item[0] for item in batch}).select_related(
                "user"
            ):
                users[account.organization_id].append(account.user)
            for organization_id, deadline, offset in batch:
                sent += _send_one(organization_id, deadline, offset, users[organization_id], today)
        counts = _send_applicant_reminders(first, last, today)
    return {
        "due": len(due) + counts["due"],
        "sent": sent + counts["sent"],
        "already_sent": len(due) - len(pending) + counts["already_sent"],
    }


def _send_applicant_reminders(first: datetime.date, last: datetime.date, today: datetime.date) -> dict[str, int]:
    due = []
    for user_id, deadline in applicant_deadlines_between(first, last, today=today):
        offset = reminder_offset(deadline.due_on, today)
        if offset is not None:
            due.append((user_id, deadline, offset))
    sent_before = set(
        DeadlineReminder.objects.filter(
            organization__isnull=True,
            deadline_key__in={item[1].key for item in due},
            offset_days__in={item[2] for item in due},
        ).values_list("user_id", "deadline_key", "offset_days")
    )
    pending = [item for item in due if (item[0], item[1].key, item[2]) not in sent_before]
    users = get_user_model().objects.in_bulk({item[0] for item in pending})
    sent = 0
    for user_id, deadline, offset in pending:
        sent += _send_one(None, deadline, offset, [users[user_id]], today, user_id=user_id)
    return {"due": len(due), "sent": sent, "already_sent": len(due) - len(pending)}


def _send_one(
    organization_id: int | None,
    deadline: Deadline,
    offset: int,
    users: list,
    today: datetime.date,
    *,
    user_id: int | None = None,
) -> int:
    # No full_clean(): every value comes from a deadline source, and only the database's unique
    # constraint can stop a concurrent run, which this catches.
    try:
        with transaction.atomic():
            DeadlineReminder.objects.create(
                organization_id=organization_id, user_id=user_id, deadline_key=deadline.key, offset_days=offset
            )
            notify(users=users, message=reminder_message(deadline, today))
    except IntegrityError:
        return 0
    return 1
