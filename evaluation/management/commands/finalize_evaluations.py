"""The daily finalization of evaluation cases (see `evaluation.services.notices.finalize_ended_notices`)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.services.notices import finalize_ended_notices


class Command(BaseCommand):
    help = gettext_lazy("确定公示期已结束且无待处理复核申请或投诉的评估申请的等级（每日运行）。")

    def add_arguments(self, parser):
        parser.add_argument("--date", help=gettext_lazy("按此日期确定等级（YYYY-MM-DD），默认为今天"))

    def handle(self, *args, date=None, **options):
        try:
            today = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as error:
            raise CommandError(_("--date 须为 YYYY-MM-DD 格式的日期：%(date)s") % {"date": date}) from error
        finalized = finalize_ended_notices(today=today)
        self.stdout.write(
            _("截至%(date)s确定等级的评估申请：%(count)d件")
            % {"date": today.isoformat(), "count": sum(finalized.values())}
        )
        for campaign, count in finalized.items():
            self.stdout.write(_("  %(campaign)s：%(count)d件") % {"campaign": campaign, "count": count})
