import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def set_correction_deadlines(apps, schema_editor):
    """Applications already returned for correction get the deadline a return sets now: the
    correction period counted from the day of their latest return."""
    Application = apps.get_model("registry", "Application")
    ApplicationEvent = apps.get_model("registry", "ApplicationEvent")
    days = datetime.timedelta(days=settings.APPLICATION_CORRECTION_DAYS)
    for application in Application.objects.filter(state="returned", correct_by__isnull=True).iterator():
        last_return = (
            ApplicationEvent.objects.filter(application=application, action="return", to_state="returned")
            .order_by("-at", "-pk")
            .values_list("at", flat=True)
            .first()
        )
        returned_at = last_return or application.last_action_at
        Application.objects.filter(pk=application.pk).update(correct_by=timezone.localdate(returned_at) + days)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0017_encrypt_personal_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="application",
            name="correct_by",
            field=models.DateField(blank=True, db_index=True, null=True, verbose_name="补正期限"),
        ),
        migrations.RunPython(set_correction_deadlines, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="application",
            constraint=models.CheckConstraint(
                condition=models.Q(("correct_by__isnull", True), ("state", "returned"), _connector="OR"),
                name="application_correct_by_only_when_returned",
            ),
        ),
        migrations.AddField(
            model_name="deadlinereminder",
            name="user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadline_reminders",
                to=settings.AUTH_USER_MODEL,
                verbose_name="用户",
            ),
        ),
        migrations.AlterField(
            model_name="deadlinereminder",
            name="organization",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deadline_reminders",
                to="registry.organization",
                verbose_name="组织",
            ),
        ),
        migrations.AddConstraint(
            model_name="deadlinereminder",
            constraint=models.UniqueConstraint(
                condition=models.Q(("organization__isnull", True)),
                fields=("deadline_key", "offset_days", "user"),
                name="deadline_reminder_sent_once_to_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="deadlinereminder",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("organization__isnull", False), ("user__isnull", True)),
                    models.Q(("organization__isnull", True), ("user__isnull", False)),
                    _connector="OR",
                ),
                name="deadline_reminder_to_organization_or_user",
            ),
        ),
    ]
