"""python manage.py benchmark_campaign_totals [--cases 2000] [--assessors 3] [--indicators 60]

Times `compute_campaign_totals` on a campaign of that size (by default 360,000 scores), with the
mean and then the median, and prints the median time, the spread and the SQL query count. The
data is created with bulk inserts inside a transaction that is rolled back at the end, so the
database is left as it was. A figure to read, not a test: nothing passes or fails on time.
"""

import random
import statistics
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.enums import Aggregation, CaseState, Grade
from evaluation.models import (
    Assignment,
    Campaign,
    Case,
    Committee,
    Framework,
    GradeBand,
    Indicator,
    Reconciliation,
    Score,
)
from evaluation.services.moderation import compute_campaign_totals
from portal.benchmarking import figure_line
from registry.enums import OrganizationKind, OrganizationStatus, UnitLevel
from registry.models import Organization
from registry.services.units import add_unit

LEAVES_PER_SECTION = 10
LEAF_MAXIMA = (Decimal(10), Decimal(15), Decimal(20), Decimal(25))
# Lower bounds as shares of the scale, like the national framework's 1000 points.
BANDS = ((Grade.A5, Decimal("0.90")), (Grade.A4, Decimal("0.80")), (Grade.A3, Decimal("0.70")))
RECONCILED_SHARE = 0.05
VETOED_SHARE = 0.03
SPREAD, OUTLIER_SPREAD, OUTLIER_SHARE = 0.03, 0.3, 0.002  # of an indicator's maximum
SCORE_BATCH = 5000


class Rollback(Exception):
    """Raised at the end to undo everything the benchmark created."""


class Command(BaseCommand):
    help = "计算评估得分和建议等级的性能基准：在事务中生成数据、计时，最后全部回滚。"

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=2000)
        parser.add_argument("--assessors", type=int, default=3)
        parser.add_argument("--indicators", type=int, default=60)
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, cases, assessors, indicators, runs, seed, **options):
        if cases < 1 or not 2 <= assessors <= 16 or indicators < 1 or runs < 1:
            raise CommandError("--cases、--indicators、--runs 至少为1，--assessors 为2至16。")
        vendor = connection.vendor
        self.database = f"{vendor}, {Organization.objects.count():,} organizations"
        self.stdout.write(
            f"数据库：{vendor}；{cases}个评估申请 × {assessors}名专家 × {indicators}项指标 = "
            f"{cases * assessors * indicators:,}条评分"
        )
        try:
            with transaction.atomic():
                started = time.perf_counter()
                campaign = self.create_data(random.Random(seed), cases, assessors, indicators)
                self.analyze()
                self.stdout.write(f"生成数据用时 {time.perf_counter() - started:.1f} 秒")
                for aggregation in (Aggregation.MEAN, Aggregation.MEDIAN):
                    campaign.aggregation = aggregation
                    campaign.save(update_fields=["aggregation"])
                    self.measure(campaign, runs)
                raise Rollback
        except Rollback:
            self.stdout.write("已回滚全部基准数据。")

    def analyze(self) -> None:
        """Refresh the planner's statistics, as a production database keeps them: without them
        PostgreSQL plans for the empty tables it last saw."""
        with connection.cursor() as cursor:
            for model in (Score, Assignment, Case, Reconciliation, Indicator):
                cursor.execute(f"ANALYZE {model._meta.db_table}")

    def measure(self, campaign: Campaign, runs: int) -> None:
        with CaptureQueriesContext(connection) as captured:
            counts = compute_campaign_totals(campaign)
        times = []
        for _run in range(runs):
            started = time.perf_counter()
            compute_campaign_totals(campaign)
            times.append(time.perf_counter() - started)
        grades = "，".join(f"{grade or '无等级'} {n}" for grade, n in sorted(counts["by_grade"].items()))
        self.stdout.write(
            f"[{campaign.get_aggregation_display()}] 中位时间 {statistics.median(times):.3f} 秒"
            f"（{runs}次，最快 {min(times):.3f}，最慢 {max(times):.3f}）；SQL查询 {len(captured)} 次；"
            f"{counts['cases']}个申请，{counts['flagged_cases']}个有待协调的分歧，"
            f"{counts['capped_cases']}个触及否决项；{grades}"
        )
        scores = Score.objects.filter(assignment__case__campaign=campaign).count()
        self.stdout.write(
            figure_line(
                database=self.database,
                figure=f"campaign totals, {scores:,} scores ({campaign.aggregation})",
                unit="s",
                samples=times,
                note=f"{len(captured)} SQL queries",
            )
        )

    def create_data(self, rng: random.Random, case_count: int, assessor_count: int, indicator_count: int) -> Campaign:
        city = add_unit(parent=None, code="990000", name="基准测试市", level=UnitLevel.CITY)
        district = add_unit(parent=city, code="990100", name="基准测试区", level=UnitLevel.DISTRICT)
        city.refresh_from_db()
        street = add_unit(parent=district, code="990100001", name="基准测试街道", level=UnitLevel.STREET)
        district.refresh_from_db()
        framework, leaves = self.create_framework(indicator_count)
        committee = Committee.objects.create(name="基准测试评估委员会", authority=district)
        today = timezone.localdate()
        campaign = Campaign.objects.create(
            name="基准测试评估活动",
            year=today.year,
            authority=district,
            committee=committee,
            applications_open_on=today,
            applications_close_on=today,
            scoring_closes_on=today,
        )
        users = get_user_model().objects
        applicant = users.create(username="benchmark-applicant")
        assessors = [users.create(username=f"benchmark-assessor-{n}") for n in range(assessor_count)]
        organizations = Organization.objects.bulk_create(
            Organization(
                name=f"基准测试组织{n:05d}",
                kind=OrganizationKind.COMMUNITY_GROUP,
                filing_number=f"基准备字第{n:05d}号",
                status=OrganizationStatus.FILED,
                street=street,
            )
            for n in range(case_count)
        )
        cases = Case.objects.bulk_create(
            Case(
                campaign=campaign,
                organization=organization,
                framework=framework,
                applicant=applicant,
                state=CaseState.MODERATION,
            )
            for organization in organizations
        )
        now = timezone.now()
        assignments = Assignment.objects.bulk_create(
            Assignment(case=case, assessor=assessor, is_lead=n == 0, assigned_by=applicant, submitted_at=now)
            for case in cases
            for n, assessor in enumerate(assessors)
        )
        self.create_scores(rng, assignments, leaves)
        reconciled = rng.sample(cases, int(len(cases) * RECONCILED_SHARE))
        Reconciliation.objects.bulk_create(
            Reconciliation(case=case, indicator=leaves[0], points=leaves[0].max_points, comment="基准", by=assessors[0])
            for case in reconciled
        )
        return campaign

    def create_framework(self, leaf_count: int) -> tuple[Framework, list[Indicator]]:
        maxima = [LEAF_MAXIMA[n % len(LEAF_MAXIMA)] for n in range(leaf_count)]
        framework = Framework.objects.create(
            code="benchmark", version=1, name="基准测试指标体系", scale=sum(maxima), applies_to=[]
        )
        leaves = []
        for start in range(0, leaf_count, LEAVES_PER_SECTION):
            section_maxima = maxima[start : start + LEAVES_PER_SECTION]
            section = Indicator.objects.create(
                framework=framework,
                code=str(start // LEAVES_PER_SECTION + 1),
                level=1,
                position=len(leaves) + start // LEAVES_PER_SECTION,
                name=f"一级指标{start // LEAVES_PER_SECTION + 1}",
                max_points=sum(section_maxima),
            )
            leaves += Indicator.objects.bulk_create(
                Indicator(
                    framework=framework,
                    parent=section,
                    code=f"{section.code}.{n + 1}",
                    level=2,
                    position=section.position + n + 1,
                    name=f"二级指标{section.code}.{n + 1}",
                    max_points=maximum,
                    # The first leaf is a veto item, as "no party organization → no 5A".
                    veto_caps_grade=Grade.A4 if start + n == 0 else "",
                )
                for n, maximum in enumerate(section_maxima)
            )
        GradeBand.objects.bulk_create(
            GradeBand(framework=framework, grade=grade, min_score=framework.scale * share, inclusive=True)
            for grade, share in BANDS
        )
        return framework, leaves

    def create_scores(self, rng: random.Random, assignments: list[Assignment], leaves: list[Indicator]) -> None:
        """Each case has a quality; each assessor scores around it, now and then far off, so
        that some indicators are flagged; a few cases fail the veto item with every assessor.
        Inserted in batches to keep memory flat."""
        batch = []
        cases = {}
        for assignment in assignments:
            level, vetoed = cases.setdefault(assignment.case_id, (rng.uniform(0.55, 1.0), rng.random() < VETOED_SHARE))
            for leaf in leaves:
                off = rng.gauss(0, OUTLIER_SPREAD if rng.random() < OUTLIER_SHARE else SPREAD)
                share = min(1.0, max(0.0, level + off))
                if leaf.veto_caps_grade and vetoed:
                    share = 0.0
                points = (leaf.max_points * Decimal(str(round(share, 3)))).quantize(Decimal("0.1"))
                batch.append(Score(assignment=assignment, indicator=leaf, points=points))
            if len(batch) >= SCORE_BATCH:
                Score.objects.bulk_create(batch)
                batch = []
        Score.objects.bulk_create(batch)
