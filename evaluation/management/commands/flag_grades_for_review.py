"""The daily review flags of grades in force (see `evaluation.services.grades.flag_grades_for_review`)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.services.grades import flag_grades_for_review


class Command(BaseCommand):
    help = gettext_lazy(
        "提示复查有效期内的评估等级：年度报告不合格、连续两年基本合格、受到行政处罚、列入信用名录（每日运行）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help=gettext_lazy("按此日期检查（YYYY-MM-DD），默认为今天"))

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(_("--date 须为 YYYY-MM-DD 格式的日期：%(date)s") % {"date": date}) from error
        count = flag_grades_for_review(today)
        self.stdout.write(
            _("截至%(date)s提示复查的评估等级：%(count)d个") % {"date": today.isoformat(), "count": count}
        )
