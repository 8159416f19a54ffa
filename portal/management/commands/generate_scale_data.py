"""`manage.py generate_scale_data --organizations N [--seed S] [--batch B] [--workers W] [--append]`:
synthetic data for measuring the portal at scale (see `portal.scale_data`)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings
from django.utils.translation import gettext as _

from portal.scale_data import ScaleDataRefused, default_workers, generate_scale_data, table_label


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    @property
    def help(self):  # a property: translated when asked for, in the language then active
        return _(
            "生成用于性能测试的合成数据：行政区划、各类社会组织（含统一社会信用代码或备案编号）、变更记录、"
            "年度报告、信用名录、评估等级和证书。同一随机种子生成相同的数据。数据库中已有社会组织时拒绝执行，"
            "除非指定 --append。生成的行政区划代码以 91 至 99 开头，不会与真实区划混淆。"
        )

    def add_arguments(self, parser):
        parser.add_argument("--organizations", type=_positive, required=True, help=_("社会组织的数量"))
        parser.add_argument("--seed", type=int, default=1, help=_("随机种子，默认 1"))
        parser.add_argument("--batch", type=_positive, default=5000, help=_("每批写入的社会组织数，默认 5000"))
        parser.add_argument(
            "--workers",
            type=_positive,
            default=default_workers(),
            help=_("计算检索字段的进程数，默认为处理器核数"),
        )
        parser.add_argument(
            "--append",
            action="store_true",
            help=_("数据库中已有社会组织时仍然追加（生成的数据与已有数据并存）"),
        )

    def handle(self, *args, organizations, seed, batch, workers, append, **options):
        if connection.in_atomic_block:  # called inside a transaction (tests): no forking
            workers = 1
        try:
            # With DEBUG on, Django logs every query with its parameters (on SQLite quoting them costs
            # a query each): a third of the run's time, and the log of huge INSERTs.
            with override_settings(DEBUG=False):
                result = generate_scale_data(
                    organizations=organizations, seed=seed, batch=batch, append=append, workers=workers, out=self.stdout
                )
        except ScaleDataRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(_("完成，用时 %(seconds).1f 秒。写入的记录：") % {"seconds": result.seconds})
        for model, count in result.counts.items():
            self.stdout.write(f"  {table_label(model)}：{count:,}")
