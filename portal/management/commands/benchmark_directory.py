"""python manage.py benchmark_directory [--runs 5] [--organizations 20]

Server time of the public directory through Django's test client, against the real routable page
(search, filters, facet counts and rendering; the page cache off): a fixed set of searches (Chinese
words, two words, pinyin, initials, a credit code and a filing number, each with and without
filters), the plain directory page, and organization pages, with their SQL query counts. Reads
only, apart from creating the directory page if the database has none. Prints one BENCH line per
figure (portal/benchmarking.py) and the median of each search. A figure to read, not a test.
"""

import statistics
from urllib.parse import urlencode

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count
from django.http import QueryDict
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from portal.benchmarking import database_label, figure_line, percentile, time_calls
from portal.forms import DirectoryForm
from portal.page_cache import HEADER
from portal.site_structure import ensure_site_pages
from registry.enums import OrganizationKind, OrganizationStatus
from registry.selectors.directory import search_directory
from registry.selectors.organizations import public_organizations

SEARCH_TARGET_MS = {"sqlite": 100, "postgresql": 150}
PAGE_TARGET_MS, PAGE_TARGET_QUERIES = 30, 10
MS = 1000


def search_queries(street: str, uscc: str, filing_number: str) -> list[tuple[str, dict]]:
    """(label, query string) of the measured searches; words from the generator's vocabulary."""
    words = [
        ("养老", {"q": "养老"}),
        ("书画", {"q": "书画"}),
        ("志愿者", {"q": "志愿者"}),
        ("two words 养老 服务", {"q": "养老 服务"}),
        ("two words 书画 协会", {"q": "书画 协会"}),
        ("place and word 凤山 志愿者", {"q": "凤山 志愿者"}),
        ("pinyin yanglao", {"q": "yanglao"}),
        ("pinyin shuhua", {"q": "shuhua"}),
        ("initials ylfw", {"q": "ylfw"}),
        ("initials zyz", {"q": "zyz"}),
        ("credit code", {"q": uscc}),
        ("filing number", {"q": filing_number}),
    ]
    filters = [
        {"street": street},
        {"kind": OrganizationKind.COMMUNITY_GROUP},
        {"status": OrganizationStatus.ACTIVE, "street": street},
        {"activity": "elderly_care"},
        {"kind": OrganizationKind.SOCIAL_GROUP},
        {"street": street, "sort": "name"},
        {"status": OrganizationStatus.FILED},
        {"credit": "normal"},
        {"kind": OrganizationKind.COMMUNITY_GROUP, "sort": "-founded"},
        {"category": "public_welfare"},
        {"kind": OrganizationKind.SERVICE_INSTITUTION},
        {"street": street},
    ]
    filtered = [
        (f"{label} + {', '.join(extra)}", {**query, **extra})
        for (label, query), extra in zip(words, filters, strict=True)
    ]
    filters_only = [
        ("filters only: street, kind", {"street": street, "kind": OrganizationKind.COMMUNITY_GROUP}),
        ("filters only: abnormal", {"status": OrganizationStatus.ABNORMAL}),
    ]
    return words + filtered + filters_only


class Command(BaseCommand):
    help = "公开名录的服务端性能基准：检索与筛选、名录页和组织页的用时与SQL查询数（页面缓存关闭）。"

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5, help="每个请求计时的次数（另有一次预热）")
        parser.add_argument("--organizations", type=int, default=20, help="计时的组织页数")

    def handle(self, *args, runs, organizations, **options):
        if runs < 1 or organizations < 1:
            raise CommandError("--runs、--organizations 至少为1。")
        if not public_organizations().exists():
            raise CommandError("数据库中没有公开的社会组织：请先运行 generate_scale_data。")
        self.database = database_label()
        self.runs = runs
        directory = ensure_site_pages()["directory"].url
        # A host the settings accept; the page cache off, so every request renders.
        self.client = Client(HTTP_HOST=next((h for h in settings.ALLOWED_HOSTS if "*" not in h), "localhost"))
        with override_settings(PAGE_CACHE_TIMEOUT=0):
            self.measure_searches(directory)
            self.measure_page("directory page (no query)", directory)
            self.measure_organization_pages(directory, organizations)

    def get(self, url: str):
        response = self.client.get(url)
        if response.status_code != 200 or HEADER in response:
            raise CommandError(f"{url}: {response.status_code} {response.get(HEADER, '')}")
        return response

    def measure_searches(self, directory: str) -> None:
        busiest = (
            public_organizations().values("street__code").annotate(n=Count("pk")).order_by("-n", "street__code").first()
        )
        sample = public_organizations().order_by("pk")
        uscc = sample.filter(uscc__isnull=False).values_list("uscc", flat=True)[1000:1001].get()
        filing_number = sample.filter(filing_number__isnull=False).values_list("filing_number", flat=True)[1000:1001]
        queries = search_queries(busiest["street__code"], uscc, filing_number.get())
        every = []
        for label, query in queries:
            url = f"{directory}?{urlencode(query)}"
            self.get(url)  # warm-up
            results = search_directory(DirectoryForm(QueryDict(urlencode(query))).filters()).count()
            times = [t * MS for t in time_calls(lambda url=url: self.get(url), self.runs)]
            every += times
            self.stdout.write(f"  {statistics.median(times):8.1f} ms  {results:>9,} results  {label}")
        target = SEARCH_TARGET_MS.get(connection.vendor, SEARCH_TARGET_MS["postgresql"])
        self.stdout.write(
            figure_line(
                database=self.database,
                figure=f"directory search and filters ({len(queries)} queries × {self.runs})",
                unit="ms",
                samples=every,
                target=f"p95 < {target} ms",
                met=percentile(every, 0.95) < target,
            )
        )

    def measure_page(self, name: str, url: str) -> None:
        self.get(url)
        with CaptureQueriesContext(connection) as captured:
            self.get(url)
        queries = len(captured)  # read now: the next request clears the connection's query log
        times = [t * MS for t in time_calls(lambda: self.get(url), self.runs)]
        self.stdout.write(figure_line(database=self.database, figure=f"{name}: server time", unit="ms", samples=times))
        self.stdout.write(
            figure_line(database=self.database, figure=f"{name}: SQL queries", unit="queries", samples=[queries])
        )

    def measure_organization_pages(self, directory: str, count: int) -> None:
        """Organizations spread evenly over the table, each page timed `runs` times."""
        pks = list(public_organizations().order_by("pk").values_list("pk", flat=True))
        step = max(1, len(pks) // count)
        chosen = public_organizations().filter(pk__in=pks[step // 2 :: step][:count]).order_by("pk")
        times, queries = [], []
        for organization in chosen:
            url = f"{directory}{organization.identifier}/"
            self.get(url)
            with CaptureQueriesContext(connection) as captured:
                self.get(url)
            queries.append(len(captured))
            times += [t * MS for t in time_calls(lambda url=url: self.get(url), self.runs)]
        self.stdout.write(
            figure_line(
                database=self.database,
                figure=f"organization page ({len(queries)} organizations × {self.runs}): server time",
                unit="ms",
                samples=times,
                target=f"median < {PAGE_TARGET_MS} ms",
                met=statistics.median(times) < PAGE_TARGET_MS,
            )
        )
        self.stdout.write(
            figure_line(
                database=self.database,
                figure=f"organization page ({len(queries)} organizations): SQL queries",
                unit="queries",
                samples=queries,
                target=f"< {PAGE_TARGET_QUERIES}",
                met=max(queries) < PAGE_TARGET_QUERIES,
            )
        )
