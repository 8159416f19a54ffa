"""The daily finalization of evaluation cases (see `evaluation.services.notices.finalize_ended_notices`)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from evaluation.services.notices import finalize_ended_notices


class Command(BaseCommand):
    help = "Make final the evaluation cases whose public notice has ended with no open appeal, awarding their grades."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="finalize as of this day (YYYY-MM-DD); today by default")

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {date}") from error
        finalized = finalize_ended_notices(today=today)
        self.stdout.write(f"Evaluation cases finalized as of {today.isoformat()}: {sum(finalized.values())}")
        for campaign, count in finalized.items():
            self.stdout.write(f"  {campaign}: {count}")
