"""The daily review flags of grades in force (see `evaluation.services.grades.flag_grades_for_review`)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from evaluation.services.grades import flag_grades_for_review


class Command(BaseCommand):
    help = "Flag grades in force for review: an annual-report fail, two basic passes, a penalty, a credit listing."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="review as of this day (YYYY-MM-DD); today by default")

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(f"--date must be YYYY-MM-DD: {date}") from error
        count = flag_grades_for_review(today)
        self.stdout.write(f"Grades flagged for review as of {today.isoformat()}: {count}")
