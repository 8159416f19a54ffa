"""The daily review of the credit lists (see `registry.services.credit.review_credit_lists`)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.services.credit import review_credit_lists

LABELS = {
    "proposed_for_missed_reports": gettext_lazy("拟列入活动异常名录（年度报告逾期未报送）"),
    "moved_to_serious": gettext_lazy("转入严重违法失信名单"),
    "removed_from_serious": gettext_lazy("移出严重违法失信名单"),
}


class Command(BaseCommand):
    help = gettext_lazy(
        "每日核查信用名录：年度报告逾期未报送且已过宽限期的组织，提出拟列入活动异常名录的建议，"
        "由管理该组织的工作人员确认或不予列入；列入活动异常名录满2年的转入严重违法失信名单；"
        "列入严重违法失信名单满2年且未再发生违法失信行为的移出。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help=gettext_lazy("按该日期核查（YYYY-MM-DD），默认今天"))

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(_("--date 须为 YYYY-MM-DD 格式：%(date)s") % {"date": date}) from error
        counts = review_credit_lists(today=today)
        self.stdout.write(_("已核查%(date)s的信用名录：") % {"date": today.isoformat()})
        for key, count in counts.items():
            self.stdout.write(f"  {key}: {count}（{LABELS.get(key, key)}）")
