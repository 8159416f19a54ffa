"""The daily review of the credit lists (see `registry.services.credit.review_credit_lists`)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from registry.services.credit import review_credit_lists


class Command(BaseCommand):
    help = "Move abnormal listings of two years to the serious list and remove serious listings after two clean years."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="review as of this day (YYYY-MM-DD); today by default")

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {date}") from error
        counts = review_credit_lists(today=today)
        self.stdout.write(f"Credit lists reviewed as of {today.isoformat()}:")
        for key, count in counts.items():
            self.stdout.write(f"  {key}: {count}")
