"""Background tasks of evaluation: thin wrappers around services, for a scheduler to enqueue
once a day (`finalize_evaluations_task.enqueue()`, `flag_grades_for_review_task.enqueue()`), and
the bulk issue of certificates that `services.certificate_runs.start_certificate_run` enqueues."""

import datetime

from django.utils import timezone
from django_tasks import task

from .services import certificate_runs
from .services.grades import flag_grades_for_review
from .services.notices import finalize_ended_notices


def _day(date: str | None) -> datetime.date:
    return datetime.date.fromisoformat(date) if date else timezone.localdate()


@task()
def finalize_evaluations_task(date: str | None = None) -> dict[str, int]:
    """Make final the cases whose notice has ended as of `date` (ISO; today by default).
    Arguments and the result stay JSON-serializable, as django-tasks backends require."""
    return finalize_ended_notices(today=_day(date))


@task()
def flag_grades_for_review_task(date: str | None = None) -> int:
    """Flag the grades in force as of `date` (ISO; today by default) for review."""
    return flag_grades_for_review(_day(date))


@task()
def issue_campaign_certificates_task(run_id: int) -> dict[str, int | str]:
    """Issue the certificates of a `CertificateRun`'s campaign, with its progress on the run."""
    run = certificate_runs.run_certificate_issue(run_id)
    return {"status": run.status, "issued": run.issued, "total": run.total}
