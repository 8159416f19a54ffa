"""Evaluation certificates: issue, sign, check, revoke and replace (DESIGN.md section 10).

A certificate is issued for a final grade that reaches its campaign's `certificate_threshold`.
The facts printed on it are copied from the grade, the organization and the campaign, numbered
in the bureau's yearly series (市南社评字〔2026〕第003号), given a random verification code, and
signed with the issuer's Ed25519 key over `canonical_data`. Afterwards nothing on it changes;
the issuer may only revoke it (a downgrade, a cancellation, or the organization's end), and a
downgrade that still reaches the threshold gets a new certificate with a new number that
replaces the old one. docs/certificates.md describes the signed format and the offline check.
"""

import dataclasses
import datetime
import json
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.enums import OrganizationStatus
from registry.models import AdministrativeUnit, Organization
from registry.services.numbering import allocate_number

from .. import signing
from ..enums import CaseState, Grade, GradeStatus
from ..models import Campaign, Certificate, OrganizationGrade
from . import cases, grading

FORMAT = "shinan-evaluation-certificate/1"
# The certificate's fields in its signed data (besides "format"), in the order of the model.
SIGNED_FIELDS = (
    "number",
    "year",
    "sequence",
    "code",
    "organization_name",
    "identifier",
    "grade",
    "valid_from",
    "valid_until",
    "committee_name",
    "bureau_name",
    "issued_on",
    "key_id",
)
# Verification codes: 16 characters without look-alikes (no 0/O, 1/I/L), about 80 random bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 16
# An organization in one of these states has ended; its certificates no longer stand.
ENDED_STATUSES = {
    OrganizationStatus.DEREGISTERED: gettext_lazy("该组织已注销登记。"),
    OrganizationStatus.REVOKED: gettext_lazy("该组织被撤销登记。"),
    OrganizationStatus.LAPSED: gettext_lazy("该组织备案已失效。"),
}


class CertificateState(models.TextChoices):
    """What the issuer says of a certificate today. Whether its signature checks is told apart."""

    VALID = "valid", gettext_lazy("有效")
    EXPIRED = "expired", gettext_lazy("已过期")
    REVOKED = "revoked", gettext_lazy("已撤销")


@dataclasses.dataclass(frozen=True)
class CertificateStatus:
    state: str  # a CertificateState
    signature_ok: bool
    revoked_on: datetime.date | None
    revocation_reason: str

    @property
    def label(self) -> str:
        return str(CertificateState(self.state).label)


# --- The signed data ------------------------------------------------------------------------------


def signed_facts(certificate: Certificate) -> dict:
    """The signed data as a JSON object: the format tag and every signed field (dates ISO)."""
    facts = {"format": FORMAT}
    for field in SIGNED_FIELDS:
        value = getattr(certificate, field)
        facts[field] = value.isoformat() if isinstance(value, datetime.date) else value
    return facts


def canonical_json(facts: dict) -> bytes:
    """The one byte form of a JSON object that is signed: UTF-8, keys sorted, no spaces."""
    return json.dumps(facts, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def canonical_data(certificate: Certificate) -> bytes:
    """What the issuer signs: the printed facts, the verification code and the key's id."""
    return canonical_json(signed_facts(certificate))


def signature_checks(certificate: Certificate) -> bool:
    """Does the stored signature still match the stored facts under the issuer's public key?
    False as soon as any signed field was changed in the database."""
    return signing.verify(canonical_data(certificate), certificate.signature, signing.public_key_pem())


def export_document(certificate: Certificate) -> dict:
    """The document for an offline check: the signed data, its signature and the public key."""
    return {
        "data": signed_facts(certificate),
        "signature": certificate.signature,
        "public_key": signing.public_key_pem(),
    }


def certificate_status(certificate: Certificate, today: datetime.date | None = None) -> CertificateStatus:
    """Revoked (whatever the dates), else expired after `valid_until`, else valid; with whether
    the signature checks, which the caller shows apart (a forged "valid" is still invalid)."""
    today = today or timezone.localdate()
    if certificate.revoked_on is not None:
        state = CertificateState.REVOKED
    elif today > certificate.valid_until:
        state = CertificateState.EXPIRED
    else:
        state = CertificateState.VALID
    return CertificateStatus(
        state=state,
        signature_ok=signature_checks(certificate),
        revoked_on=certificate.revoked_on,
        revocation_reason=certificate.revocation_reason,
    )


def verify_url(certificate: Certificate) -> str:
    """The verification page on the public site (the QR code's target), in the default language
    so that the address carries no language prefix."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("verify_certificate", args=[certificate.code])
    return settings.PORTAL_PUBLIC_URL.rstrip("/") + path


# --- Issuing --------------------------------------------------------------------------------------


def bureau_name(authority: AdministrativeUnit) -> str:
    """The civil-affairs bureau of a registration authority, in full: the names from the city down
    to the authority, then 民政局 (青岛市 → 市南区 gives 青岛市市南区民政局)."""
    return "".join(unit.name for unit in [*authority.get_ancestors(), authority]) + "民政局"


def number_prefix(authority: AdministrativeUnit) -> str:
    """The words before the year in a bureau's certificate numbers: its own from
    `CERTIFICATE_NUMBER_PREFIXES` (by division code), else `CERTIFICATE_NUMBER_PREFIX`."""
    return settings.CERTIFICATE_NUMBER_PREFIXES.get(authority.code, settings.CERTIFICATE_NUMBER_PREFIX)


def format_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}〔{year}〕第{sequence:03d}号"


def _series(prefix: str) -> str:
    """Numbers run per prefix and year, so that a number is never given twice: a bureau with
    its own prefix has its own series, bureaus sharing one share the series."""
    return f"evaluation-certificate:{prefix}"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _grades_reaching(threshold: str) -> list[str]:
    return [grade for grade in Grade.values if grading.reaches(grade, threshold)]


def _current() -> Exists:
    return Exists(Certificate.objects.filter(grade_record=OuterRef("pk"), revoked_on__isnull=True))


def certificates_to_issue(campaign: Campaign) -> QuerySet[OrganizationGrade]:
    """Grades of the campaign's final cases that call for a certificate and have none standing:
    in force (not cancelled, not expired), at or above the threshold, of an organization that
    has not ended."""
    return (
        OrganizationGrade.objects.filter(
            case__campaign=campaign,
            case__state=CaseState.FINAL,
            status=GradeStatus.VALID,
            valid_until__gte=timezone.localdate(),
            grade__in=_grades_reaching(campaign.certificate_threshold),
        )
        .exclude(organization__status__in=list(ENDED_STATUSES))
        .exclude(_current())
        .order_by("pk")
    )


@transaction.atomic
def issue_certificate(
    *, grade_record: OrganizationGrade, actor=None, on: datetime.date | None = None, render_pdf: bool = True
) -> Certificate | None:
    """Issue the certificate of a grade on `on` (today by default), with its PDF; None when the
    grade does not call for one (see `certificates_to_issue`) or already has one standing.
    With `render_pdf=False` the PDF is rendered when first downloaded (`certificate_pdf.pdf_file`):
    the demo issues a whole campaign's certificates while it loads.

    `actor` (None for system work) must be an officer of the campaign's authority. The number is
    allocated in this transaction, so a failure (even in the PDF) gives it back: no gaps.
    """
    on = on or timezone.localdate()
    grade = (
        OrganizationGrade.objects.select_for_update(of=("self",))
        .select_related("organization", "case__campaign__authority", "case__campaign__committee")
        .get(pk=grade_record.pk)
    )
    campaign = grade.case.campaign
    if actor is not None and not cases.is_campaign_officer(actor, campaign):
        raise PermissionDenied(_("只有该评估活动所属登记管理机关的工作人员可以颁发证书。"))
    if (
        grade.status != GradeStatus.VALID
        or grade.case.state != CaseState.FINAL
        or on > grade.valid_until
        or not grading.reaches(grade.grade, campaign.certificate_threshold)
        or grade.organization.status in ENDED_STATUSES
        or grade.certificates.filter(revoked_on__isnull=True).exists()
    ):
        return None
    organization, authority = grade.organization, campaign.authority
    prefix = number_prefix(authority)
    sequence = allocate_number(series=_series(prefix), year=on.year)
    certificate = Certificate(
        grade_record=grade,
        number=format_number(prefix, on.year, sequence),
        year=on.year,
        sequence=sequence,
        code=_new_code(),
        organization_name=organization.name,
        identifier=organization.uscc or organization.filing_number or "",
        grade=grade.grade,
        valid_from=grade.valid_from,
        valid_until=grade.valid_until,
        committee_name=campaign.committee.name,
        bureau_name=bureau_name(authority),
        issued_on=on,
        key_id=signing.key_id(),
    )
    certificate.signature = signing.sign(canonical_data(certificate))
    certificate.full_clean()
    certificate.save()
    if render_pdf:
        # Here, not at the top: rendering loads WeasyPrint, and certificate_pdf imports this module.
        from . import certificate_pdf

        certificate_pdf.store_pdf(certificate)
    return certificate


# --- Revoking and replacing -----------------------------------------------------------------------


@transaction.atomic
def revoke_certificates(
    *,
    grade_record: OrganizationGrade | None = None,
    organization: Organization | None = None,
    reason: str,
    on: datetime.date,
) -> list[Certificate]:
    """Revoke, on `on` and for `reason`, every standing certificate of a grade or of all of an
    organization's grades; returns them (none is an error: there may be nothing to revoke)."""
    if (grade_record is None) == (organization is None):
        raise TypeError("revoke_certificates needs exactly one of grade_record and organization")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因。")})
    standing = Certificate.objects.select_for_update().filter(revoked_on__isnull=True)
    if grade_record is not None:
        standing = standing.filter(grade_record=grade_record)
    else:
        standing = standing.filter(grade_record__organization=organization)
    revoked = list(standing.order_by("pk"))
    for certificate in revoked:
        certificate.revoked_on, certificate.revocation_reason = on, reason
        certificate.save(update_fields=["revoked_on", "revocation_reason"])
    return revoked


@transaction.atomic
def reissue_after_regrading(
    grade_record: OrganizationGrade, *, reason: str, on: datetime.date, actor=None
) -> Certificate | None:
    """After a grade was lowered: revoke its standing certificate and, when the new grade still
    reaches the threshold, issue one for it (new number and code) that replaces the old. A grade
    that had no certificate yet gets none here; the campaign's bulk issue will cover it."""
    revoked = revoke_certificates(grade_record=grade_record, reason=reason, on=on)
    if not revoked:
        return None
    new = issue_certificate(grade_record=grade_record, actor=actor, on=on)
    if new is not None:
        for old in revoked:
            old.replaced_by = new
            old.save(update_fields=["replaced_by"])
    return new


def downgrade_reason(*, from_grade: str, to_grade: str, reason: str) -> str:
    """The stored revocation reason of a downgrade (in the bureau's language)."""
    with translation.override("zh-hans"):
        return _("评估等级由%(from)s降为%(to)s：%(reason)s") % {"from": from_grade, "to": to_grade, "reason": reason}


def cancellation_reason(reason: str) -> str:
    with translation.override("zh-hans"):
        return _("评估等级被取消：%(reason)s") % {"reason": reason}


def revoke_when_organization_ends(sender, *, organization, new_status, **kwargs) -> None:
    """Receiver of `registry.signals.organization_status_changed`: an organization that is
    deregistered, has its registration revoked or its filing lapse loses its certificates."""
    if new_status in ENDED_STATUSES:
        with translation.override("zh-hans"):
            reason = str(ENDED_STATUSES[new_status])
        revoke_certificates(organization=organization, reason=reason, on=timezone.localdate())
