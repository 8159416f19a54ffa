"""Evaluation certificates: issue, sign, check, revoke and replace (DESIGN.md section 10).

A certificate is issued for a final grade that reaches its campaign's `certificate_threshold`.
The facts printed on it are copied from the grade, the organization and the campaign, numbered
in the issuing bureau's yearly series (市南社评字〔2026〕第003号), given a random verification
code, and signed with the issuer's Ed25519 key over `canonical_data`. Afterwards nothing on it
changes; the issuer may only revoke it (a downgrade, a cancellation, or the organization's end),
and a downgrade that still reaches the threshold gets a new certificate with a new number that
replaces the old one. A revocation is a statement of its own, signed when it is made
(`revocation_data`); so is the digest of the stored PDF (`file_data`). docs/certificates.md
describes the signed formats and the offline check.

`certificate_status` is the one place that decides what the public is told of a certificate
(the verification page, the API and the command all ask it).
"""

import dataclasses
import datetime
import functools
import hashlib
import json
import operator
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import record
from registry.enums import OrganizationStatus, UnitLevel
from registry.models import AdministrativeUnit, Organization
from registry.services.numbering import allocate_number

from .. import signing
from ..enums import CaseState, Grade, GradeStatus
from ..models import Campaign, Certificate, OrganizationGrade
from . import cases, grading

FORMAT = "shinan-evaluation-certificate/1"
REVOCATION_FORMAT = "shinan-evaluation-certificate-revocation/1"
FILE_FORMAT = "shinan-evaluation-certificate-file/1"
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
    """What the public is told of a certificate today. The first four follow from the record's
    revocation and dates; INVALID overrides them when the record fails its signatures."""

    VALID = "valid", gettext_lazy("有效")
    NOT_YET_VALID = "not_yet_valid", gettext_lazy("尚未生效")
    EXPIRED = "expired", gettext_lazy("已过期")
    REVOKED = "revoked", gettext_lazy("已撤销")
    INVALID = "invalid", gettext_lazy("无效")


# The states a record's own columns give (what `certificate_state_condition` can select in SQL);
# INVALID needs the signatures checked, one certificate at a time.
RECORDED_STATES = (
    CertificateState.VALID,
    CertificateState.NOT_YET_VALID,
    CertificateState.EXPIRED,
    CertificateState.REVOKED,
)


@dataclasses.dataclass(frozen=True)
class CertificateStatus:
    state: str  # the public verdict, a CertificateState: INVALID unless both checks pass
    recorded_state: str  # what the record's revocation and dates say, the checks aside
    signature_ok: bool  # the printed facts match their signature under the key `key_id` names
    revocation_ok: bool  # the revocation (or its absence) matches its signed statement
    revoked_on: datetime.date | None
    revocation_reason: str
    # The certificate replacing a revoked one, as its signed revocation statement names it: None
    # unless the verdict is REVOKED (a replacement is never shown on the record's word alone).
    replaced_by_number: str | None = None
    replaced_by_code: str | None = None

    @property
    def label(self) -> str:
        return str(CertificateState(self.state).label)

    @property
    def recorded_label(self) -> str:
        return str(CertificateState(self.recorded_state).label)


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
    """Does the stored signature still match the stored facts under the issuer's key that
    `key_id` names (the current one or a retired one)? False as soon as any signed field was
    changed in the database, or for a key the issuer never had."""
    key = signing.public_key_for(certificate.key_id)
    return key is not None and signing.verify(canonical_data(certificate), certificate.signature, key)


def revocation_facts(certificate: Certificate) -> dict:
    """The revocation statement as a JSON object: which certificate (code and number), when,
    why, the number of the certificate replacing it (or null) and the id of the signing key."""
    return {
        "format": REVOCATION_FORMAT,
        "code": certificate.code,
        "number": certificate.number,
        "revoked_on": certificate.revoked_on.isoformat() if certificate.revoked_on else None,
        "reason": certificate.revocation_reason,
        "replaced_by": certificate.replaced_by.number if certificate.replaced_by_id else None,
        "key_id": certificate.revocation_key_id,
    }


def revocation_data(certificate: Certificate) -> bytes:
    """What the issuer signs when it revokes a certificate (canonical like `canonical_data`)."""
    return canonical_json(revocation_facts(certificate))


REVOCATION_FIELDS = ["revoked_on", "revocation_reason", "replaced_by", "revocation_key_id", "revocation_signature"]


def _sign_revocation(certificate: Certificate) -> None:
    """Sign the certificate's revocation as it now stands (date, reason, replacement) with the
    current key, and save it with its statement's signature."""
    certificate.revocation_key_id = signing.key_id()
    certificate.revocation_signature = signing.sign(revocation_data(certificate))
    certificate.save(update_fields=REVOCATION_FIELDS)


def revocation_checks(certificate: Certificate) -> bool:
    """Does the record's revocation agree with the issuer's signed statement? A revocation needs
    a statement that verifies over its date, reason and replacement; a certificate that is not
    revoked must carry no statement (a revocation cleared in the database leaves one behind) and
    no replacement (only a revocation names one). A revocation deleted together with its
    statement cannot be seen from the row alone (docs/certificates.md)."""
    if certificate.revoked_on is None:
        return (
            not certificate.revocation_signature
            and not certificate.revocation_key_id
            and certificate.replaced_by_id is None
        )
    key = signing.public_key_for(certificate.revocation_key_id)
    return key is not None and signing.verify(revocation_data(certificate), certificate.revocation_signature, key)


FILE_FIELDS = ["pdf_sha256", "pdf_key_id", "pdf_signature"]


def file_facts(certificate: Certificate) -> dict:
    """The file statement as a JSON object: which certificate (code and number), the SHA-256 of
    its stored PDF and the id of the signing key."""
    return {
        "format": FILE_FORMAT,
        "code": certificate.code,
        "number": certificate.number,
        "sha256": certificate.pdf_sha256,
        "key_id": certificate.pdf_key_id,
    }


def file_data(certificate: Certificate) -> bytes:
    """What the issuer signs when it stores a certificate's PDF (canonical like `canonical_data`).
    Not part of the certificate's own signed data: a PDF is rendered after the issue, or later
    (on first download), and again when its file is lost, while the certificate stays the same."""
    return canonical_json(file_facts(certificate))


def sign_file(certificate: Certificate, content: bytes) -> None:
    """Record the digest of `content`, the certificate's new PDF, with the current key's signed
    statement (the caller saves `FILE_FIELDS`)."""
    certificate.pdf_sha256 = hashlib.sha256(content).hexdigest()
    certificate.pdf_key_id = signing.key_id()
    certificate.pdf_signature = signing.sign(file_data(certificate))


def file_checks(certificate: Certificate, content: bytes) -> bool:
    """Is `content` the PDF the issuer stored for this certificate? Its digest must be the one
    recorded, and the recorded digest must carry the issuer's signed statement naming this
    certificate: a file swapped for another certificate's (with or without that one's digest
    and statement), or changed, fails."""
    if not certificate.pdf_sha256 or hashlib.sha256(content).hexdigest() != certificate.pdf_sha256:
        return False
    key = signing.public_key_for(certificate.pdf_key_id)
    return key is not None and signing.verify(file_data(certificate), certificate.pdf_signature, key)


def export_document(certificate: Certificate) -> dict:
    """The document for an offline check: the signed data, its signature and the public key
    that `key_id` names; with the signed revocation statement when the certificate was revoked."""
    document = {
        "data": signed_facts(certificate),
        "signature": certificate.signature,
        "public_key": signing.public_key_for(certificate.key_id) or signing.public_key_pem(),
    }
    if certificate.revoked_on is not None or certificate.revocation_signature:
        document["revocation"] = {"data": revocation_facts(certificate), "signature": certificate.revocation_signature}
    return document


def dates_state(valid_from: datetime.date, valid_until: datetime.date, today: datetime.date) -> str:
    """Expired after `valid_until`, not yet valid before `valid_from`, else valid."""
    if today > valid_until:
        return CertificateState.EXPIRED
    if today < valid_from:
        return CertificateState.NOT_YET_VALID
    return CertificateState.VALID


def certificate_status(certificate: Certificate, today: datetime.date | None = None) -> CertificateStatus:
    """The public verdict on a certificate today: invalid when its facts do not match their
    signature or its revocation does not match its signed statement; else revoked (whatever the
    dates), expired after `valid_until`, not yet valid before `valid_from`, or valid. Only a
    revoked one names its replacement, which its signed statement then vouches for.
    Load `replaced_by` with the certificate (select_related) when checking many."""
    today = today or timezone.localdate()
    if certificate.revoked_on is not None:
        recorded = CertificateState.REVOKED
    else:
        recorded = dates_state(certificate.valid_from, certificate.valid_until, today)
    signature_ok = signature_checks(certificate)
    revocation_ok = revocation_checks(certificate)
    state = recorded if signature_ok and revocation_ok else CertificateState.INVALID
    replacement = certificate.replaced_by if state == CertificateState.REVOKED else None
    return CertificateStatus(
        state=state,
        recorded_state=recorded,
        signature_ok=signature_ok,
        revocation_ok=revocation_ok,
        revoked_on=certificate.revoked_on,
        revocation_reason=certificate.revocation_reason,
        replaced_by_number=replacement.number if replacement else None,
        replaced_by_code=replacement.code if replacement else None,
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


PREFIX_WORDS = "社评字"
# What ends the name of a unit that may issue: 市南区 → 市南, 胶州市 → 胶州.
_UNIT_SUFFIXES = ("区", "县", "市", "旗")


def _area_word(unit: AdministrativeUnit) -> str:
    name = unit.name
    return name[:-1] if len(name) > 2 and name.endswith(_UNIT_SUFFIXES) else name


def default_number_prefix(authority: AdministrativeUnit) -> str:
    """The words a bureau without its own in `CERTIFICATE_NUMBER_PREFIXES` puts before the year,
    derived from its name: a city by its initial (青岛市 → 青社评字), a district or county by its
    name (市南区 → 市南社评字, 胶州市 → 胶州社评字). When another unit of the same level would give
    the same words, the city takes its whole name (青岛社评字) and the district adds its city's
    (青岛市南社评字), so that no two bureaus print the same number."""
    word = _area_word(authority)
    others = AdministrativeUnit.objects.filter(level=authority.level).exclude(pk=authority.pk)
    if authority.level == UnitLevel.CITY:
        return (word if others.filter(name__startswith=word[0]).exists() else word[0]) + PREFIX_WORDS
    if others.filter(name__in=[word, *(word + suffix for suffix in _UNIT_SUFFIXES)]).exists():
        parent = authority.get_parent()
        word = (_area_word(parent) if parent is not None else "") + word
    return word + PREFIX_WORDS


def number_prefix(authority: AdministrativeUnit) -> str:
    """The words before the year in a bureau's certificate numbers: its own from
    `CERTIFICATE_NUMBER_PREFIXES` (by division code), else `default_number_prefix`. Changing
    them changes the words only: the bureau's numbers run on (`_series`)."""
    return settings.CERTIFICATE_NUMBER_PREFIXES.get(authority.code) or default_number_prefix(authority)


def format_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}〔{year}〕第{sequence:03d}号"


def _series(authority: AdministrativeUnit) -> str:
    """Numbers run per issuing bureau and year, whatever its prefix: the sequence is what
    `certificate_sequence_unique` (bureau, year, sequence) keeps unique, so a prefix changed
    mid-year goes on from the bureau's last number instead of starting again at 1.
    (Before, series ran per prefix, as `evaluation-certificate:<prefix>`: migration 0007 carried
    their counts over.)"""
    return f"evaluation-certificate-bureau:{authority.code}"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _grades_reaching(threshold: str) -> list[str]:
    return [grade for grade in Grade.values if grading.reaches(grade, threshold)]


def _current() -> Exists:
    return Exists(Certificate.objects.filter(grade_record=OuterRef("pk"), revoked_on__isnull=True))


def _reaching_their_threshold() -> Q:
    """Grades at or above the certificate threshold of their own case's campaign."""
    return functools.reduce(
        operator.or_,
        (
            Q(case__campaign__certificate_threshold=threshold, grade__in=_grades_reaching(threshold))
            for threshold in Grade.values
        ),
    )


def _grades_to_certify(today: datetime.date) -> QuerySet[OrganizationGrade]:
    return (
        OrganizationGrade.objects.filter(case__state=CaseState.FINAL, status=GradeStatus.VALID, valid_until__gte=today)
        .filter(_reaching_their_threshold())
        .exclude(organization__status__in=list(ENDED_STATUSES))
        .exclude(_current())
    )


def certificates_to_issue(campaign: Campaign) -> QuerySet[OrganizationGrade]:
    """Grades of the campaign's final cases that call for a certificate and have none standing:
    in force or to come (not cancelled, not expired), at or above the threshold, of an
    organization that has not ended."""
    return _grades_to_certify(timezone.localdate()).filter(case__campaign=campaign).order_by("pk")


def with_count_to_issue(campaigns: QuerySet[Campaign]) -> QuerySet[Campaign]:
    """The campaigns, each annotated with `to_issue`: how many `certificates_to_issue` it has,
    counted for all of them in the one query."""
    counts = (
        _grades_to_certify(timezone.localdate())
        .filter(case__campaign=OuterRef("pk"))
        .order_by()
        .values("case__campaign")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return campaigns.annotate(to_issue=Coalesce(Subquery(counts), 0))


def lock_organization(organization_id: int) -> Organization:
    """Lock an organization's row until the transaction ends (PostgreSQL; SQLite serializes
    writers anyway), and read it afresh.

    Issuing and revoking a certificate both take this lock, before any grade or certificate
    row. Issuing checks that the organization has not ended and that the grade has no standing
    certificate, then inserts one; a deregistration (which changes the status under this lock in
    `registry.services.organizations`) revokes the standing certificates it can see. With only
    the grade locked, a deregistration committing between that check and the insert would miss
    the certificate being issued (not yet committed, so invisible), which would then stand for an
    ended organization. Holding the organization's lock, one waits for the other: the revocation
    sees the new certificate, or the issue sees the ended status. Every path takes the locks in
    the same order, organization first (`services.grades` too), so that no two deadlock.
    """
    return Organization.objects.select_for_update().get(pk=organization_id)


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
    organization = lock_organization(grade_record.organization_id)  # first: see `lock_organization`
    grade = (
        OrganizationGrade.objects.select_for_update(of=("self",))
        .select_related("case__campaign__authority", "case__campaign__committee")
        .get(pk=grade_record.pk)
    )
    grade.organization = organization
    campaign = grade.case.campaign
    if actor is not None and not cases.is_campaign_officer(actor, campaign):
        raise PermissionDenied(_("只有该评估活动所属登记管理机关的工作人员可以颁发证书。"))
    if (
        grade.status != GradeStatus.VALID
        or grade.case.state != CaseState.FINAL
        or on > grade.valid_until
        or not grading.reaches(grade.grade, campaign.certificate_threshold)
        or organization.status in ENDED_STATUSES
        or grade.certificates.filter(revoked_on__isnull=True).exists()
    ):
        return None
    authority = campaign.authority
    prefix = number_prefix(authority)
    sequence = allocate_number(series=_series(authority), year=on.year)
    number = format_number(prefix, on.year, sequence)
    if Certificate.objects.filter(number=number).exists():
        # Two bureaus configured with the same words (their sequences are their own).
        raise ValidationError(
            _(
                "证书编号%(number)s已被其他发证机关使用："
                "请在 CERTIFICATE_NUMBER_PREFIXES 中为各发证机关设置不同的编号前缀。"
            )
            % {"number": number}
        )
    certificate = Certificate(
        grade_record=grade,
        number=number,
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
    record(
        actor=actor,
        action="certificate.issue",
        target=certificate,
        after={"number": certificate.number, "grade": certificate.grade, "valid_until": certificate.valid_until},
        organization=organization,
    )
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
    actor=None,
) -> list[Certificate]:
    """Revoke, on `on` and for `reason`, every standing certificate of a grade or of all of an
    organization's grades, each with the issuer's signed revocation statement; returns them
    (none is an error: there may be nothing to revoke). `actor` None: the system."""
    if (grade_record is None) == (organization is None):
        raise TypeError("revoke_certificates needs exactly one of grade_record and organization")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因。")})
    # The organization first, as when issuing: a certificate being issued is then either
    # committed and seen here, or waits and finds the organization ended (`lock_organization`).
    locked = lock_organization(organization.pk if organization is not None else grade_record.organization_id)
    # Only the certificates' rows: their grade's rows are joined for the filter, not locked.
    standing = Certificate.objects.select_for_update(of=("self",)).filter(revoked_on__isnull=True)
    if grade_record is not None:
        standing = standing.filter(grade_record=grade_record)
    else:
        standing = standing.filter(grade_record__organization=organization)
    revoked = list(standing.order_by("pk"))
    for certificate in revoked:
        certificate.revoked_on, certificate.revocation_reason = on, reason
        _sign_revocation(certificate)
        record(
            actor=actor,
            action="certificate.revoke",
            target=certificate,
            reason=reason,
            before={"revoked_on": None},
            after={"revoked_on": on},
            organization=locked,
        )
    return revoked


@transaction.atomic
def reissue_after_regrading(
    grade_record: OrganizationGrade, *, reason: str, on: datetime.date, actor=None
) -> Certificate | None:
    """After a grade was lowered: revoke its standing certificate and, when the new grade still
    reaches the threshold, issue one for it (new number and code) that replaces the old. A grade
    that had no certificate yet gets none here; the campaign's bulk issue will cover it."""
    revoked = revoke_certificates(grade_record=grade_record, reason=reason, on=on, actor=actor)
    if not revoked:
        return None
    new = issue_certificate(grade_record=grade_record, actor=actor, on=on)
    if new is not None:
        for old in revoked:
            old.replaced_by = new
            _sign_revocation(old)  # signed again: the statement names the replacement
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
        revoke_certificates(
            organization=organization, reason=reason, on=timezone.localdate(), actor=kwargs.get("actor")
        )
