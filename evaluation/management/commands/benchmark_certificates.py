"""python manage.py benchmark_certificates [--renders 50] [--certificates 500] [--traced 50]

Prints (1) the warm time to render one certificate's PDF, median and spread over `--renders`
renders, and (2) the time to issue a campaign of `--certificates` certificates through the task
backend (`start_certificate_run`, with django-tasks' immediate backend so that it runs here), with
the process's peak memory (ru_maxrss) before and after, and the peak of Python allocations
(tracemalloc) over a further run of `--traced` certificates (kept apart: tracing slows WeasyPrint
about threefold). The data is created inside a transaction that is rolled back at the end, and the
PDFs written meanwhile are deleted, so the database and the private files are left as they were.
A figure to read, not a test: nothing passes or fails on time.
"""

import datetime
import resource
import statistics
import time
import tracemalloc
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import TestCase, override_settings
from django.utils import timezone

from evaluation.enums import CaseState, Grade
from evaluation.models import Campaign, Case, Certificate, Committee, Framework, GradeBand, OrganizationGrade
from evaluation.services.certificate_pdf import render_certificate_pdf
from evaluation.services.certificate_runs import start_certificate_run
from portal.benchmarking import database_label, figure_line
from registry.enums import OrganizationKind, OrganizationStatus, UnitLevel
from registry.models import Organization
from registry.services.units import add_unit

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
GRADES = (Grade.A5, Grade.A4, Grade.A3)
MB = 1024  # ru_maxrss is in kilobytes on Linux


class Rollback(Exception):
    """Raised at the end to undo everything the benchmark created."""


def _sample_certificate() -> Certificate:
    """A certificate as issued, not saved: rendering reads nothing else."""
    today = timezone.localdate()
    return Certificate(
        number=f"市南社评字〔{today.year}〕第003号",
        year=today.year,
        sequence=3,
        code="K7QX2M9PLT4WZ8RC",
        organization_name="青岛市市南区老年书画研究会",
        identifier="51370202MJD602187M",
        grade=Grade.A4,
        valid_from=today,
        valid_until=today.replace(year=today.year + 5) - datetime.timedelta(days=1),
        committee_name="市南区社会组织评估委员会",
        bureau_name="青岛市市南区民政局",
        issued_on=today,
    )


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB


class Command(BaseCommand):
    help = "评估等级证书的性能基准：单份渲染时间，以及经任务后端批量发证的用时和内存；数据最后全部回滚。"

    def add_arguments(self, parser):
        parser.add_argument("--renders", type=int, default=50)
        parser.add_argument("--certificates", type=int, default=500)
        parser.add_argument("--traced", type=int, default=50)

    def handle(self, *args, renders, certificates, traced, **options):
        if renders < 2 or certificates < 1 or traced < 1:
            raise CommandError("--renders 至少为2，--certificates、--traced 至少为1。")
        self.stdout.write(f"数据库：{connection.vendor}")
        self.database = database_label()
        self.measure_renders(renders)
        created_files: list[str] = []
        try:
            with transaction.atomic(), override_settings(TASKS=IMMEDIATE):
                officer = get_user_model().objects.create(username="benchmark-officer", is_superuser=True)
                bodies = self.create_bodies()
                self.measure_run(officer, self.create_campaign(bodies, certificates, 0), created_files)
                self.measure_traced_run(officer, self.create_campaign(bodies, traced, 1), created_files)
                raise Rollback
        except Rollback:
            pass
        finally:
            storage = Certificate._meta.get_field("pdf").storage
            for name in created_files:
                storage.delete(name)
        self.stdout.write(f"已回滚全部基准数据，并删除生成的{len(created_files)}个PDF文件。")

    def measure_renders(self, count: int) -> None:
        certificate = _sample_certificate()
        pdf = render_certificate_pdf(certificate)  # the first loads the fonts and templates
        times = []
        for _render in range(count):
            started = time.perf_counter()
            render_certificate_pdf(certificate)
            times.append(time.perf_counter() - started)
        quartiles = statistics.quantiles(times, n=4)
        self.stdout.write(
            f"[单份证书] 预热后渲染{count}次：中位 {statistics.median(times):.3f} 秒"
            f"（最快 {min(times):.3f}，四分位 {quartiles[0]:.3f}–{quartiles[2]:.3f}，最慢 {max(times):.3f}）；"
            f"PDF {len(pdf) / 1024:.0f} KB"
        )
        self.stdout.write(
            figure_line(database=self.database, figure="certificate PDF, one render (warm)", unit="s", samples=times)
        )

    def create_bodies(self) -> SimpleNamespace:
        city = add_unit(parent=None, code="990000", name="基准测试市", level=UnitLevel.CITY)
        district = add_unit(parent=city, code="990100", name="基准测试区", level=UnitLevel.DISTRICT)
        city.refresh_from_db()
        street = add_unit(parent=district, code="990100001", name="基准测试街道", level=UnitLevel.STREET)
        district.refresh_from_db()
        committee = Committee.objects.create(name="基准测试评估委员会", authority=district)
        framework = Framework.objects.create(
            code="benchmark-certificates", version=1, name="基准测试指标体系", scale=100, applies_to=[]
        )
        GradeBand.objects.bulk_create(
            GradeBand(framework=framework, grade=grade, min_score=score, inclusive=True)
            for grade, score in zip(GRADES, (90, 80, 70), strict=True)
        )
        return SimpleNamespace(district=district, street=street, committee=committee, framework=framework)

    def create_campaign(self, bodies: SimpleNamespace, size: int, number: int) -> Campaign:
        """A finished campaign (one a year: the `number`th before this year's) of `size`
        organizations, each with a grade that calls for a certificate."""
        today = timezone.localdate()
        label = "AB"[number]
        campaign = Campaign.objects.create(
            name=f"基准测试评估活动{label}",
            year=today.year - number,
            authority=bodies.district,
            committee=bodies.committee,
            applications_open_on=today,
            applications_close_on=today,
            scoring_closes_on=today,
        )
        applicant = get_user_model().objects.create(username=f"benchmark-applicant-{label}")
        organizations = Organization.objects.bulk_create(
            Organization(
                name=f"基准测试组织{label}{n:05d}",
                kind=OrganizationKind.COMMUNITY_GROUP,
                filing_number=f"基准备字{label}第{n:05d}号",
                status=OrganizationStatus.FILED,
                street=bodies.street,
            )
            for n in range(size)
        )
        cases = Case.objects.bulk_create(
            Case(
                campaign=campaign,
                organization=organization,
                framework=bodies.framework,
                applicant=applicant,
                state=CaseState.FINAL,
                decided_grade=GRADES[n % len(GRADES)],
            )
            for n, organization in enumerate(organizations)
        )
        valid_until = today.replace(year=today.year + 5) - datetime.timedelta(days=1)
        OrganizationGrade.objects.bulk_create(
            OrganizationGrade(
                organization_id=case.organization_id,
                case=case,
                grade=case.decided_grade,
                framework=bodies.framework,
                awarded_on=today,
                valid_from=today,
                valid_until=valid_until,
            )
            for case in cases
        )
        return campaign

    def run(self, officer, campaign: Campaign, created_files: list[str]):
        # The run is queued when its transaction commits; here the benchmark's transaction stays
        # open (to be rolled back), so the commit callbacks are run at once, as in the tests.
        with TestCase.captureOnCommitCallbacks(execute=True):
            run = start_certificate_run(campaign=campaign, actor=officer)
        run.refresh_from_db()
        created_files += [
            name
            for name in Certificate.objects.filter(grade_record__case__campaign=campaign).values_list("pdf", flat=True)
            if name
        ]
        if run.status != run.Status.DONE:
            raise CommandError(f"批量发证未完成：{run.get_status_display()} {run.error}")
        return run

    def measure_run(self, officer, campaign: Campaign, created_files: list[str]) -> None:
        before = _maxrss_mb()
        started = time.perf_counter()
        run = self.run(officer, campaign, created_files)
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"[批量发证] {run.issued}份证书经任务后端发放：用时 {elapsed:.1f} 秒，每份 {elapsed / run.issued:.3f} 秒；"
            f"进程内存峰值（ru_maxrss）发证前 {before:.0f} MB，发证后 {_maxrss_mb():.0f} MB"
        )
        self.stdout.write(
            figure_line(
                database=self.database,
                figure=f"certificate run of {run.issued:,} through the task backend, per certificate",
                unit="s",
                samples=[elapsed / run.issued],
                note=f"{elapsed:.1f} s in all; peak RSS {before:.0f} → {_maxrss_mb():.0f} MB",
            )
        )

    def measure_traced_run(self, officer, campaign: Campaign, created_files: list[str]) -> None:
        tracemalloc.start()
        try:
            run = self.run(officer, campaign, created_files)
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        self.stdout.write(
            f"[内存] 另发{run.issued}份证书时 Python 分配的峰值（tracemalloc）：{peak / 1024 / 1024:.1f} MB"
        )
        self.stdout.write(
            figure_line(
                database=self.database,
                figure=f"certificate run of {run.issued:,}: peak Python memory (tracemalloc)",
                unit="MB",
                samples=[peak / 1024 / 1024],
            )
        )
