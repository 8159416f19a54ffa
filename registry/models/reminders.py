from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeadlineReminder(models.Model):
    """A deadline reminder sent to an organization's accounts, or to one user for what they owe
    before any organization exists (a returned registration or filing), kept so that none is sent
    twice. Exactly one of `organization` and `user` is set.

    Written by `registry.services.reminders.send_deadline_reminders`. `deadline_key` is the stable
    key of a `registry.selectors.deadlines.Deadline`; `offset_days` counts days before the
    deadline (negative: after it).
    """

    organization = models.ForeignKey(
        "registry.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadline_reminders",
        verbose_name=_("组织"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deadline_reminders",
        verbose_name=_("用户"),
    )
    deadline_key = models.CharField(_("期限标识"), max_length=100)
    offset_days = models.SmallIntegerField(_("提前天数"), help_text=_("截止日期前的天数；负数表示截止日期后。"))
    sent_at = models.DateTimeField(_("发送时间"), default=timezone.now)

    class Meta:
        verbose_name = _("期限提醒")
        verbose_name_plural = _("期限提醒")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            # Key first: the reminder job looks up one deadline's reminders across organizations.
            models.UniqueConstraint(
                fields=["deadline_key", "offset_days", "organization"], name="deadline_reminder_sent_once"
            ),
            models.UniqueConstraint(
                fields=["deadline_key", "offset_days", "user"],
                condition=models.Q(organization__isnull=True),
                name="deadline_reminder_sent_once_to_user",
            ),
            models.CheckConstraint(
                name="deadline_reminder_to_organization_or_user",
                condition=models.Q(organization__isnull=False, user__isnull=True)
                | models.Q(organization__isnull=True, user__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.organization or self.user} · {self.deadline_key} · {self.offset_days}"
