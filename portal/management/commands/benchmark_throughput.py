"""python manage.py benchmark_throughput --base-url http://127.0.0.1:8123 [--label uncached]
    [--duration 5] [--rounds 3] [--connections 4]

Throughput under concurrent load from a second process: wrk against a running server (scripts/
bench.sh starts gunicorn with the production settings and two workers), for the directory page, an
organization page and `/healthz`, the cheapest request through the same middleware, in interleaved
rounds so that all three see the same machine, each after a warm-up and once the workers are idle
again. Prints requests per second (median and range over the rounds) and each page's share of the
minimal view's rate. The pages and the organization are
read from the database the server uses. A figure to read, not a test.
"""

import re
import shutil
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote
from urllib.request import urlopen

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from portal.benchmarking import database_label, figure_line
from portal.site_structure import ensure_site_pages
from registry.selectors.organizations import public_organizations

TARGET_SHARE = 1 / 3
SETTLE_SECONDS, IDLE_SECONDS = 120, 0.2
RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
NON_2XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")


class Command(BaseCommand):
    help = "在并发负载下（wrk）测量名录页和组织页的吞吐量，与最简视图 /healthz 相比。"

    def add_arguments(self, parser):
        parser.add_argument("--base-url", required=True)
        parser.add_argument("--label", default="", help="服务器配置的说明，如 uncached")
        parser.add_argument("--duration", type=int, default=10, help="每轮每个地址的秒数")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--connections", type=int, default=4)

    def handle(self, *args, base_url, label, duration, rounds, connections, **options):
        if shutil.which("wrk") is None:
            raise CommandError("wrk is not installed (make bench installs it: apt-get install wrk).")
        directory = ensure_site_pages()["directory"].url
        # An organization from the middle of the table, with its history and grades, the same every run.
        organization = public_organizations().order_by("pk")[public_organizations().count() // 2]
        paths = {
            "minimal view /healthz": reverse("healthz"),
            "directory page": directory,
            "organization page": f"{directory}{quote(organization.identifier)}/",
        }
        self.healthz = base_url.rstrip("/") + paths["minimal view /healthz"]
        for path in paths.values():  # every worker has loaded its code and templates
            self.wrk(base_url.rstrip("/") + path, 1, connections)
        rates = {name: [] for name in paths}
        for _round in range(rounds):
            for name, path in paths.items():
                rates[name].append(self.wrk(base_url.rstrip("/") + path, duration, connections))
        database, suffix = database_label(), f" ({label})" if label else ""
        minimal = statistics.median(rates["minimal view /healthz"])
        for name, samples in rates.items():
            self.stdout.write(
                figure_line(database=database, figure=f"throughput, {name}{suffix}", unit="req/s", samples=samples)
            )
        for name in ("directory page", "organization page"):
            shares = [rate / minimal for rate in rates[name]]
            self.stdout.write(
                figure_line(
                    database=database,
                    figure=f"throughput, {name} ÷ minimal view{suffix}",
                    unit="×",
                    samples=shares,
                    target=f"≥ {TARGET_SHARE:.2f}",
                    met=statistics.median(shares) >= TARGET_SHARE,
                )
            )

    def settle(self, connections: int) -> None:
        """Wait until the workers are idle: when wrk stops, the requests it left open are still
        being answered, and would eat into the next measurement."""
        deadline = time.monotonic() + SETTLE_SECONDS
        with ThreadPoolExecutor(connections) as pool:
            while time.monotonic() < deadline:
                started = time.monotonic()
                list(pool.map(lambda _n: urlopen(self.healthz, timeout=SETTLE_SECONDS).read(), range(connections)))
                if time.monotonic() - started < IDLE_SECONDS:
                    return

    def wrk(self, url: str, duration: int, connections: int) -> float:
        """Requests per second that wrk reached on `url` (2 threads; it shares the two cores)."""
        result = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", url],
            capture_output=True,
            text=True,
            check=True,
        )
        self.settle(connections)
        if errors := NON_2XX.search(result.stdout):
            raise CommandError(f"{url}: {errors.group(1)} responses were not 2xx/3xx")
        if not (rate := RATE.search(result.stdout)):
            raise CommandError(f"wrk printed no rate for {url}:\n{result.stdout}{result.stderr}")
        return float(rate.group(1))
