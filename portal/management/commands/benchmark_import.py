"""python manage.py benchmark_import [--rows 10000] [--runs 3]

Time to import `--rows` new organizations from a CSV spreadsheet through the import service
(`import_organizations`, as `manage.py import_organizations` and the back office run it: every row
checked, then written in bulk through the organization services), next to a bare
`Organization.objects.bulk_create` of the same rows (their search fields computed beforehand, so that
the database stores and indexes the same), and the ratio of the two. The rows are existing
organizations' spreadsheet rows (`OrganizationResource`, the export of the same columns) under new
names and codes, on streets the importer finds by their names. Each run is rolled back, so the
database is left as it was. A figure to read, not a test.
"""

import statistics
import time

import tablib
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.benchmarking import database_label, figure_line, time_calls
from portal.scale_data import credit_code
from registry import search
from registry.enums import Category, OrganizationKind, UnitLevel
from registry.models import AdministrativeUnit, Organization
from registry.selectors.organizations import public_organizations
from registry.services.importing import import_organizations
from registry.services.organizations import refresh_search_fields
from registry.spreadsheets import COLUMNS, OrganizationResource

TARGET_RATIO = 5
# Codes no generated or real organization has: division code 990100 is never generated (see
# portal.scale_data) and no real filing prefix reads 基准导入.
AUTHORITY_CODE = "990100"
FILING_FORMAT = "基准导入备字〔2026〕第{:05d}号"
COPIED = ["name", "uscc", "filing_number", "kind", "category", "street_id", "community_id", "address"]
COPIED += ["legal_representative", "founded_on", "registered_capital", "business_scope", "public_phone"]
# The search fields the import derives, computed before the clock starts: the bare insert stores the
# same rows as the import, so the database maintains the same search index for both.
COPIED += ["name_pinyin", "search_document"]


class Rollback(Exception):
    """Raised at the end of a run to undo what it wrote."""


def _first_street_of_each_name() -> list[int]:
    """The street the importer picks for each street name (the first by code: `UnitsByName`)."""
    first: dict[str, int] = {}
    for pk, name in (
        AdministrativeUnit.objects.filter(level=UnitLevel.STREET).order_by("code").values_list("pk", "name")
    ):
        first.setdefault(name, pk)
    return list(first.values())


class Command(BaseCommand):
    help = "导入社会组织表格的性能基准：与直接批量插入同样的行相比。每次运行后回滚。"

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=3)

    def handle(self, *args, rows, runs, **options):
        if rows < 1 or runs < 1:
            raise CommandError("--rows、--runs 至少为1。")
        database = database_label()
        sources = list(
            public_organizations()
            .filter(street__in=_first_street_of_each_name())
            .exclude(category=Category.OTHER)  # those need a supervising unit, which is not a column
            .select_related("street", "community")
            .prefetch_related("activity_fields")
            .order_by("pk")[:rows]
        )
        if len(sources) < rows:
            raise CommandError(f"只找到{len(sources)}个可作导入样本的组织，少于 --rows {rows}。")
        exported = OrganizationResource().export(queryset=sources)  # while they still have their pk
        renamed = [self.renamed(organization, n) for n, organization in enumerate(sources, 1)]
        content = self.spreadsheet(exported, renamed)
        import_times, insert_times, import_cpu, insert_cpu = [], [], [], []
        for _run in range(runs):
            # Each run reads the same names: without this, the later runs would find their pinyin cached.
            search._syllables.cache_clear()
            started = time.process_time()
            import_times += time_calls(lambda: self.rolled_back(self.run_import, content, rows), 1)
            import_cpu.append(time.process_time() - started)
            started = time.process_time()
            insert_times += time_calls(lambda: self.rolled_back(self.run_insert, renamed), 1)
            insert_cpu.append(time.process_time() - started)
        ratios = [i / b for i, b in zip(import_times, insert_times, strict=True)]
        what = f"import of {rows:,} rows"
        self.stdout.write(
            figure_line(database=database, figure=f"{what}: import service", unit="s", samples=import_times)
        )
        self.stdout.write(
            figure_line(database=database, figure=f"{what}: bare bulk_create", unit="s", samples=insert_times)
        )
        self.stdout.write(
            figure_line(
                database=database,
                figure=f"{what}: import ÷ bare insert",
                unit="×",
                samples=ratios,
                target=f"≤ {TARGET_RATIO}×",
                met=statistics.median(ratios) <= TARGET_RATIO,
                note=(
                    f"{rows / statistics.median(import_times):,.0f} rows/s through the import; CPU time of this"
                    f" process (the database's too on SQLite): import {statistics.median(import_cpu):.2f} s,"
                    f" insert {statistics.median(insert_cpu):.2f} s"
                ),
            )
        )

    @staticmethod
    def renamed(organization: Organization, n: int) -> Organization:
        """The organization's facts under a new name and a new code, not saved."""
        organization.pk = None
        organization.name = f"导入{n:05d}{organization.name}"
        if organization.kind == OrganizationKind.COMMUNITY_GROUP:
            organization.filing_number = FILING_FORMAT.format(n)
        else:
            organization.uscc = credit_code(organization.kind, AUTHORITY_CODE, n)
        refresh_search_fields(organization)
        return organization

    @staticmethod
    def spreadsheet(exported: tablib.Dataset, renamed: list[Organization]) -> bytes:
        """The exported rows with the new names and codes, as a CSV file."""
        headers = list(exported.headers)
        new = {COLUMNS[field]: field for field in ("name", "uscc", "filing_number")}
        dataset = tablib.Dataset(headers=headers)
        for row, organization in zip(exported, renamed, strict=True):
            values = dict(zip(headers, row, strict=True))
            dataset.append([getattr(organization, new[h]) or "" if h in new else values[h] for h in headers])
        return dataset.export("csv").encode("utf-8")

    @staticmethod
    def rolled_back(run, *args) -> None:
        try:
            with transaction.atomic():
                run(*args)
                raise Rollback
        except Rollback:
            pass

    @staticmethod
    def run_import(content: bytes, rows: int) -> None:
        report = import_organizations(content=content, filename="benchmark.csv", actor=None, dry_run=False)
        if not report.committed or report.count("new") != rows:
            errors = [f"{row.number}: {row.errors}" for row in report.rows if row.errors][:5]
            raise CommandError(f"import failed: {report.count('new')} new of {rows}; {errors}")

    @staticmethod
    def run_insert(organizations: list[Organization]) -> None:
        Organization.objects.bulk_create(
            Organization(**{field: getattr(organization, field) for field in COPIED}) for organization in organizations
        )
