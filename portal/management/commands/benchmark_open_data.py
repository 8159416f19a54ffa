"""python manage.py benchmark_open_data [--runs 3]

Time and peak memory of the open-data CSV export of every public organization, through Django's
test client and the real view: the streamed response is read to the end, chunk by chunk, as a
client would, and nothing is kept. Memory is measured over one more export, apart because tracing
slows it about threefold: the peak of Python allocations (tracemalloc), and the growth of the
process's peak resident memory (ru_maxrss). Run at two database sizes (scripts/bench.sh does), the
peaks show whether memory stays flat as rows grow. Reads only. A figure to read, not a test.
"""

import resource
import tracemalloc

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client
from django.urls import reverse

from portal.benchmarking import database_label, figure_line, time_calls
from registry.selectors.organizations import public_organizations

MB = 1024 * 1024
RSS_UNIT = 1024  # ru_maxrss is in kilobytes on Linux


class Command(BaseCommand):
    help = "开放数据CSV导出全部记录的用时和内存峰值。"

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, runs, **options):
        if runs < 1:
            raise CommandError("--runs 至少为1。")
        database = database_label()
        self.client = Client(HTTP_HOST=next((h for h in settings.ALLOWED_HOSTS if "*" not in h), "localhost"))
        self.url = reverse("open_data_csv")
        size = self.export()  # also the warm-up
        rows = public_organizations().count()
        times = time_calls(self.export, runs)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        try:
            self.export()
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * RSS_UNIT
        what = f"open-data CSV, {rows:,} rows ({size / MB:.0f} MB)"
        self.stdout.write(figure_line(database=database, figure=f"{what}: time", unit="s", samples=times))
        self.stdout.write(
            figure_line(
                database=database,
                figure=f"{what}: peak Python memory (tracemalloc)",
                unit="MB",
                samples=[peak / MB],
                target="flat as rows grow",
                note=f"peak RSS grew {rss_growth / MB:.1f} MB during the traced export",
            )
        )

    def export(self) -> int:
        """Download the CSV, keeping nothing; return its size in bytes."""
        response = self.client.get(self.url)
        if response.status_code != 200:
            raise CommandError(f"{self.url}: {response.status_code}")
        return sum(len(chunk) for chunk in response.streaming_content)
