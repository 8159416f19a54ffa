"""Bulk issue of a campaign's certificates (DESIGN.md section 10), run as a background task
(`evaluation.tasks.issue_campaign_certificates_task`) with its progress kept on a `CertificateRun`.

Each certificate is issued in a transaction of its own, together with the run's progress counter:
a worker stopped half-way leaves whole certificates and a count that matches them, and running the
task again (the same run re-queued, or a new run) carries on with what is still to issue, because
`certificates.certificates_to_issue` leaves out every grade that already has a current certificate.
"""

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import tasks
from ..models import Campaign, CertificateRun, OrganizationGrade
from . import cases, certificates

logger = logging.getLogger(__name__)

ACTIVE = (CertificateRun.Status.QUEUED, CertificateRun.Status.RUNNING)


def _check_officer(actor, campaign: Campaign) -> None:
    if not cases.is_campaign_officer(actor, campaign):
        raise PermissionDenied(_("只有评估活动的主管人员可以批量发放证书。"))


def _enqueue(run: CertificateRun) -> None:
    result = tasks.issue_campaign_certificates_task.enqueue(run.pk)
    # Only the task id: with the immediate backend the task has already run and saved its progress.
    CertificateRun.objects.filter(pk=run.pk).update(task_id=result.id)


def start_certificate_run(*, campaign: Campaign, actor) -> CertificateRun:
    """Queue the issue of every certificate of `campaign` still to issue. Refused to anyone but
    the campaign's officers, and while another run of the campaign is queued or running."""
    _check_officer(actor, campaign)
    with transaction.atomic():
        # The campaign's row serializes two officers pressing the button at the same moment.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if campaign.certificate_runs.filter(status__in=ACTIVE).exists():
            raise ValidationError(_("该评估活动的批量发证正在进行，请等待完成后再发起。"))
        total = certificates.certificates_to_issue(campaign).count()
        if not total:
            raise ValidationError(_("该评估活动没有待发放的证书。"))
        run = CertificateRun(campaign=campaign, requested_by=actor, total=total)
        run.full_clean()
        run.save()
        transaction.on_commit(lambda: _enqueue(run))
    return run


def requeue_certificate_run(*, run: CertificateRun, actor) -> CertificateRun:
    """Queue a run again whose worker was stopped (it stays queued or running for ever otherwise,
    and blocks new runs). Harmless if the first worker is in fact still at work: both skip the
    certificates the other has issued."""
    _check_officer(actor, run.campaign)
    if run.status not in ACTIVE:
        raise ValidationError(_("只有排队中或进行中的批量发证可以重新排队。"))
    CertificateRun.objects.filter(pk=run.pk).update(status=CertificateRun.Status.QUEUED)
    transaction.on_commit(lambda: _enqueue(run))
    run.refresh_from_db()
    return run


def _failure(grade: OrganizationGrade | None, error: Exception) -> str:
    reason = "；".join(error.messages) if isinstance(error, ValidationError) else f"{type(error).__name__}: {error}"
    if grade is None:
        return reason
    return _("为“%(organization)s”发证时出错：%(reason)s") % {"organization": grade.organization.name, "reason": reason}


def run_certificate_issue(run_id: int) -> CertificateRun:
    """The work of the task: issue the run's certificates one by one, updating its progress; stop
    at the first failure, recorded on the run (the certificates before it stay issued)."""
    run = CertificateRun.objects.select_related("campaign", "requested_by").get(pk=run_id)
    if run.status == CertificateRun.Status.DONE:
        return run  # delivered twice: nothing left to do
    pending = list(certificates.certificates_to_issue(run.campaign).order_by("pk").values_list("pk", flat=True))
    run.status, run.error, run.finished_at = CertificateRun.Status.RUNNING, "", None
    run.total = run.issued + len(pending)
    run.save(update_fields=["status", "error", "finished_at", "total"])
    for pk in pending:
        grade = None
        try:
            with transaction.atomic():
                # Read, not locked: `issue_certificate` locks the organization and then the grade,
                # the order of every path (`certificates.lock_organization`). Locking the grade
                # here first would deadlock with a downgrade, which holds the organization.
                grade = OrganizationGrade.objects.select_related("organization").get(pk=pk)
                if certificates.issue_certificate(grade_record=grade, actor=run.requested_by) is not None:
                    CertificateRun.objects.filter(pk=run.pk).update(issued=F("issued") + 1)
        except Exception as error:  # any failure ends the run, with its reason
            logger.exception("certificate run %s failed at grade %s", run.pk, pk)
            CertificateRun.objects.filter(pk=run.pk).update(
                status=CertificateRun.Status.FAILED, error=_failure(grade, error), finished_at=timezone.now()
            )
            break
    else:
        CertificateRun.objects.filter(pk=run.pk).update(status=CertificateRun.Status.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run
