"""python manage.py soak_certificates [--kill-at 0.3]

The worker-kill phase of `make soak` (scripts/soak.sh, docs/performance.md), with TASKS_BACKEND=rq:
an officer starts the bulk issue of the certificates of `soak_setup`'s campaign, an RQ worker
(`manage.py rqworker default`, a process of its own) issues them, and is killed with SIGKILL once
`--kill-at` of them are issued. Then, and again after the run is re-queued and a new worker has
finished it: no certificate is half-issued (each row has its number, signature and PDF file, and
no PDF file lies in storage without its row), the numbers of the series run without a gap, and
no grade has two certificates. Exits non-zero when an invariant fails; the last line is
`SOAK {json}` for scripts/soak.sh's table.
"""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count

from evaluation.models import Campaign, Certificate, CertificateRun
from evaluation.services import certificate_runs, certificates
from registry.enums import Role
from registry.models import NumberSequence, UnitRole

from .soak_setup import CAMPAIGN_NAME

WAIT_SECONDS = 600  # for the worker to reach the kill point, and to finish after the re-queue


class Command(BaseCommand):
    help = "浸泡测试：批量发证的工作进程被强行终止后，检查证书无半发状态，重新排队后全部发放。"

    def add_arguments(self, parser):
        parser.add_argument("--kill-at", type=float, default=0.3, help="已发放比例达到此值时终止工作进程")

    def handle(self, *args, kill_at, **options):
        if settings.TASKS["default"]["BACKEND"] != "django_tasks_rq.RQBackend":
            raise CommandError("needs TASKS_BACKEND=rq and REDIS_URL")
        campaign = Campaign.objects.get(name=CAMPAIGN_NAME)
        officer = next(
            held.user
            for held in UnitRole.objects.filter(role=Role.DISTRICT_OFFICER, unit=campaign.authority).select_related(
                "user"
            )
        )
        expected = certificates.certificates_to_issue(campaign).count()
        run = certificate_runs.start_certificate_run(campaign=campaign, actor=officer)
        worker = self.start_worker()
        killed_at = self.wait_for(run, lambda run: run.issued >= expected * kill_at, worker)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
        after_kill = self.inspect(campaign)
        self.stdout.write(f"worker killed with {killed_at} of {expected} issued: {after_kill}")

        run = certificate_runs.requeue_certificate_run(run=run, actor=officer)
        worker = self.start_worker("--burst")
        self.wait_for(run, lambda run: run.status == CertificateRun.Status.DONE, worker)
        worker.wait(timeout=WAIT_SECONDS)
        final = self.inspect(campaign)
        left = certificates.certificates_to_issue(campaign).count()
        figures = {
            "expected": expected,
            "issued_at_kill": killed_at,
            "half_issued_after_kill": after_kill["half_issued"],
            "orphan_files_after_kill": after_kill["orphan_files"],
            "issued": final["certificates"],
            "half_issued": final["half_issued"],
            "orphan_files": final["orphan_files"],
            "twice": final["twice"],
            "numbers_gapless": final["gapless"] and after_kill["gapless"],
            "left_to_issue": left,
        }
        problems = [
            name
            for name, bad in {
                "half-issued certificates": after_kill["half_issued"] or final["half_issued"],
                "PDF files without a certificate": after_kill["orphan_files"] or final["orphan_files"],
                "a grade certified twice": final["twice"],
                "certificate numbers with gaps": not figures["numbers_gapless"],
                "certificates not issued": final["certificates"] != expected or left,
            }.items()
            if bad
        ]
        for key, value in figures.items():
            self.stdout.write(f"  {key}: {value}")
        self.stdout.write("SOAK " + json.dumps({"phase": "worker killed", **figures, "ok": not problems}))
        if problems:
            raise CommandError("; ".join(problems))

    def start_worker(self, *flags: str) -> subprocess.Popen:
        command = [sys.executable, "manage.py", "rqworker", "default", *flags]
        return subprocess.Popen(command, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def wait_for(self, run: CertificateRun, reached, worker: subprocess.Popen) -> int:
        """Poll the run's progress until `reached(run)`; the number issued by then."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            run.refresh_from_db()
            if reached(run):
                return run.issued
            if run.status == CertificateRun.Status.FAILED:
                raise CommandError(f"the certificate run failed: {run.error}")
            if worker.poll() is not None and not reached(run):
                raise CommandError(f"the worker stopped (exit {worker.returncode}) before the run got there")
            time.sleep(0.2)
        raise CommandError("the certificate run made no progress in time")

    def inspect(self, campaign: Campaign) -> dict:
        issued = Certificate.objects.filter(grade_record__case__campaign=campaign)
        storage = Certificate._meta.get_field("pdf").storage
        half = [
            each.number
            for each in issued
            if not (each.number and each.signature and each.pdf and storage.exists(each.pdf.name))
        ]
        stored = {path.name for path in Path(storage.path("certificates")).rglob("*.pdf")}
        known = {Path(name).name for name in Certificate.objects.exclude(pdf="").values_list("pdf", flat=True)}
        twice = issued.values("grade_record").annotate(n=Count("pk")).filter(n__gt=1).count()
        return {
            "certificates": issued.count(),
            "half_issued": len(half),
            "orphan_files": len(stored - known),
            "twice": twice,
            "gapless": all(numbers_gapless(series, year) for series, year in series_of(issued)),
        }


def series_of(issued) -> set[tuple[str, int]]:
    return {
        (certificates._series(number.rsplit("〔", 1)[0]), year) for number, year in issued.values_list("number", "year")
    }


def numbers_gapless(series: str, year: int) -> bool:
    """Every number of the series and year given once, from 1 to the sequence's last number."""
    prefix = series.split(":", 1)[1]
    sequences = Counter(
        Certificate.objects.filter(year=year, number__startswith=prefix).values_list("sequence", flat=True)
    )
    last = NumberSequence.objects.get(series=series, year=year).last_number
    return sorted(sequences) == list(range(1, last + 1)) and all(n == 1 for n in sequences.values())
