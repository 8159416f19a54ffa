"""Who may read which certificates and their PDFs (the public verification page shows a
certificate's status to anyone holding its code; these are the files and the back office):
used by the admin list, the ZIP download and the organization's download."""

import datetime

from django.db.models import Q, QuerySet

from registry.models import OrganizationAccount

from ..models import Certificate, CertificateRun
from .cases import officer_condition
from .committee import campaigns_for_officer


def _active(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active


def certificates_for_officer(user) -> QuerySet[Certificate]:
    """The certificates of the campaigns the user is an officer of (every one for a superuser)."""
    return Certificate.objects.filter(
        grade_record__case__campaign__in=campaigns_for_officer(user).values("pk")
    ).select_related("grade_record__case__campaign", "grade_record__organization", "replaced_by")


def certificates_for_user(user) -> QuerySet[Certificate]:
    """Certificates the user may download: their own organization's (its accounts) and those of
    the campaigns they are an officer of."""
    if not _active(user):
        return Certificate.objects.none()
    if user.is_superuser:
        return Certificate.objects.all()
    return Certificate.objects.filter(
        Q(grade_record__organization__in=OrganizationAccount.objects.filter(user=user).values("organization"))
        | officer_condition(user, "grade_record__case__campaign__authority__path")
    )


def certificate_runs_for_officer(user) -> QuerySet[CertificateRun]:
    return CertificateRun.objects.filter(campaign__in=campaigns_for_officer(user).values("pk")).select_related(
        "campaign", "requested_by"
    )


def certificate_state_condition(state: str, today: datetime.date) -> Q:
    """The state of `services.certificates.certificate_status` that the record's own columns give,
    as a query condition (for filtering a list): "revoked" whatever the dates, else "expired"
    after `valid_until`, else "not_yet_valid" before `valid_from`, else "valid". Whether the
    signatures check ("invalid") is not a condition SQL can test: the list shows it per row."""
    if state == "revoked":
        return Q(revoked_on__isnull=False)
    if state == "expired":
        return Q(revoked_on__isnull=True, valid_until__lt=today)
    if state == "not_yet_valid":
        return Q(revoked_on__isnull=True, valid_until__gte=today, valid_from__gt=today)
    if state == "valid":
        return Q(revoked_on__isnull=True, valid_until__gte=today, valid_from__lte=today)
    raise ValueError(f"not a recorded certificate state: {state!r}")
