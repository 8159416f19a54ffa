"""Notifications: an in-app message per person, and an e-mail sent by a background task."""

from django.db import transaction
from django.utils import timezone

from ..models import Notification
from ..tasks import send_notification_email


def notify(*, users, message: str, application=None) -> list[Notification]:
    """Record the message for each user; e-mails go out once the transaction has committed."""
    notifications = Notification.objects.bulk_create(
        [Notification(user=user, message=message, application=application) for user in users]
    )
    for notification in notifications:
        transaction.on_commit(lambda pk=notification.pk: send_notification_email.enqueue(pk))
    return notifications


def mark_read(*, user, notifications: list[Notification]) -> int:
    """Mark the user's notifications as read (those of other users are left alone)."""
    unread = [n.pk for n in notifications if n.read_at is None and n.user_id == user.pk]
    return Notification.objects.filter(pk__in=unread, user=user).update(read_at=timezone.now())
