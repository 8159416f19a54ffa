"""Background tasks of the registry: thin wrappers around services, for a scheduler to enqueue
(`review_credit_lists_task.enqueue()` once a day)."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from .models import Notification


@task()
def review_credit_lists_task(date: str | None = None) -> dict[str, int]:
    """Run the daily credit-list review as of `date` (ISO; today by default): propose listings for
    overdue annual reports, make the two-year moves. Arguments and the result stay
    JSON-serializable, as django-tasks backends require."""
    # Imported here, not above: the review notifies, and notifications enqueue the e-mail task of
    # this module, so a module-level import would be circular (as for the reminders below).
    from .services.credit import review_credit_lists

    today = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return review_credit_lists(today=today)


@task()
def send_deadline_reminders_task(date: str | None = None) -> dict[str, int]:
    """Send the daily deadline reminders as of `date` (ISO; today by default)."""
    # Imported here, not above: the reminders notify, and notifications enqueue the e-mail task of
    # this module, so a module-level import would be circular whichever module loads first.
    from .services.reminders import send_deadline_reminders

    today = datetime.date.fromisoformat(date) if date else timezone.localdate()
    return send_deadline_reminders(today=today)


@task()
def send_notification_email(notification_id: int) -> bool:
    """E-mail one in-app notification to its user, if the user has an address."""
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return False
    send_mail(
        subject=_("市南区社会组织登记与评估门户通知"),
        message=notification.message,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[notification.user.email],
    )
    return True
