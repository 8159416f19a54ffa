"""The daily deadline reminders (see `registry.services.reminders.send_deadline_reminders`)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry.services.reminders import send_deadline_reminders


class Command(BaseCommand):
    help = "Remind organizations' accounts 30, 7 and 1 days before a deadline and 1, 7 and 30 days after it."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="send as of this day (YYYY-MM-DD); today by default")

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {date}") from error
        counts = send_deadline_reminders(today=today)
        self.stdout.write(f"Deadline reminders as of {today.isoformat()}:")
        for key, count in counts.items():
            self.stdout.write(f"  {key}: {count}")
