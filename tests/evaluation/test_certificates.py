"""Certificates (issue 6): numbering, the signed snapshot, revocation and replacement."""

import datetime
import json
import stat
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone

from evaluation import signing
from evaluation.enums import CaseState, Grade, GradeStatus
from evaluation.models import Campaign, Certificate, Committee
from evaluation.selectors.certificate_access import certificate_state_condition
from evaluation.services import certificate_pdf
from evaluation.services.certificates import (
    CODE_ALPHABET,
    CODE_LENGTH,
    FORMAT,
    RECORDED_STATES,
    REVOCATION_FORMAT,
    SIGNED_FIELDS,
    CertificateState,
    canonical_data,
    certificate_status,
    certificates_to_issue,
    issue_certificate,
    revocation_data,
    revoke_certificates,
    verify_url,
)
from evaluation.services.grades import award_grade, cancel_grade, downgrade_grade
from registry.enums import OrganizationStatus, PenaltyKind, Role
from registry.services.credit import record_penalty
from registry.services.organizations import update_organization
from tests.factories import create_org

pytest_plugins = ["tests.evaluation.certificate_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_key")]

DAY = datetime.timedelta(days=1)


def today():
    return timezone.localdate()


def number(sequence, year=None):
    return f"市南社评字〔{year or today().year}〕第{sequence:03d}号"


@pytest.fixture
def no_pdf(monkeypatch):
    """Skip the PDF (its own tests cover it) where a test is only about numbers; records calls."""
    rendered = []
    monkeypatch.setattr(certificate_pdf, "store_pdf", rendered.append)
    return rendered


@pytest.fixture
def organizations(tree):
    return lambda n: [create_org(street=tree.zhanshan, name=f"市南区测试协会{i}") for i in range(n)]


# --- Issuing and numbering --------------------------------------------------------------------------


def test_certificate_holds_the_printed_facts_signed_with_a_pdf(evaluation, graded):
    certificate = issue_certificate(grade_record=graded, actor=evaluation.officer)

    certificate.refresh_from_db()
    organization = evaluation.organization
    assert certificate.number == number(1)
    assert (certificate.year, certificate.sequence) == (today().year, 1)
    assert certificate.organization_name == organization.name == "市南区老年书画研究会"
    assert certificate.identifier == organization.uscc
    assert certificate.grade == Grade.A4
    assert (certificate.valid_from, certificate.valid_until) == (graded.valid_from, graded.valid_until)
    assert certificate.committee_name == "市南区社会组织评估委员会"
    assert certificate.bureau_name == "青岛市市南区民政局"
    assert certificate.issued_on == today()
    assert len(certificate.code) == CODE_LENGTH and set(certificate.code) <= set(CODE_ALPHABET)
    assert certificate.key_id == signing.key_id()
    assert certificate.revoked_on is None and certificate.replaced_by is None
    assert certificate.pdf.name.endswith(f"{certificate.code}.pdf")
    with certificate.pdf.open("rb") as file:
        assert file.read(5) == b"%PDF-"
    assert verify_url(certificate) == f"https://shinan.example/verify/{certificate.code}/"


def test_numbers_run_per_year_with_the_prefix_setting(
    evaluation, grant, in_force, organizations, no_pdf, settings, tree
):
    grades = [grant(organization, Grade.A4, valid=in_force) for organization in organizations(4)]
    numbers = [issue_certificate(grade_record=grade).number for grade in grades[:3]]
    assert numbers == [number(1), number(2), number(3)]

    next_year = datetime.date(today().year + 1, 1, 5)
    settings.CERTIFICATE_NUMBER_PREFIXES = {tree.district.code: "青市南社评字"}
    assert issue_certificate(grade_record=grades[3], on=next_year).number == f"青市南社评字〔{next_year.year}〕第001号"
    assert len(no_pdf) == 4


@pytest.fixture
def city_grades(tree, grant, in_force, organizations, make_case):
    """city_grades(n) → n 5A grades of a campaign of the city's bureau (another issuer)."""
    committee = Committee.objects.create(name="青岛市社会组织评估委员会", authority=tree.city)
    campaign = Campaign.objects.create(
        name="青岛市评估",
        year=today().year,
        authority=tree.city,
        committee=committee,
        applications_open_on=datetime.date(today().year, 1, 1),
        applications_close_on=datetime.date(today().year, 6, 30),
        scoring_closes_on=datetime.date(today().year, 9, 30),
    )

    def make(n):
        grades = []
        for organization in organizations(n):
            case = make_case(state=CaseState.FINAL, organization=organization, decided_grade=Grade.A5)
            case.campaign = campaign
            case.save()
            grades.append(grant(organization, Grade.A5, valid=in_force, case=case))
        return grades

    return make


def test_a_bureau_with_its_own_prefix_has_its_own_series(evaluation, graded, city_grades, tree, no_pdf, settings):
    settings.CERTIFICATE_NUMBER_PREFIXES = {tree.city.code: "青社评字"}
    district = issue_certificate(grade_record=graded)
    (city_grade,) = city_grades(1)
    city = issue_certificate(grade_record=city_grade)

    assert district.number == number(1)
    assert city.number == f"青社评字〔{today().year}〕第001号"
    assert (district.bureau_name, city.bureau_name) == ("青岛市市南区民政局", "青岛市民政局")
    assert city.committee_name == "青岛市社会组织评估委员会"


def test_a_failed_issue_gives_its_number_back(evaluation, grant, in_force, organizations, monkeypatch):
    first, second = (grant(organization, valid=in_force) for organization in organizations(2))

    def broken(certificate):
        raise RuntimeError("renderer down")

    monkeypatch.setattr(certificate_pdf, "store_pdf", broken)
    with pytest.raises(RuntimeError):
        issue_certificate(grade_record=first)
    assert not Certificate.objects.exists()

    monkeypatch.setattr(certificate_pdf, "store_pdf", lambda certificate: None)
    assert issue_certificate(grade_record=second).number == number(1)
    assert issue_certificate(grade_record=first).number == number(2)


def test_only_grades_reaching_the_threshold_get_a_certificate(evaluation, grant, in_force, organizations, no_pdf):
    three_a, two_a, four_a = organizations(3)
    at_threshold = grant(three_a, Grade.A3, valid=in_force)
    below = grant(two_a, Grade.A2, valid=in_force)
    above = grant(four_a, Grade.A4, valid=in_force)

    assert list(certificates_to_issue(evaluation.campaign)) == [at_threshold, above]
    assert issue_certificate(grade_record=below) is None
    assert issue_certificate(grade_record=at_threshold).grade == Grade.A3

    Campaign.objects.filter(pk=evaluation.campaign.pk).update(certificate_threshold=Grade.A4)
    evaluation.campaign.refresh_from_db()
    assert list(certificates_to_issue(evaluation.campaign)) == [above]
    assert issue_certificate(grade_record=above) is not None
    assert list(certificates_to_issue(evaluation.campaign)) == []
    assert Certificate.objects.count() == 2


def test_a_grade_gets_one_standing_certificate(graded, no_pdf):
    first = issue_certificate(grade_record=graded)
    assert issue_certificate(grade_record=graded) is None
    assert list(Certificate.objects.all()) == [first]


def test_no_certificate_for_a_cancelled_expired_or_ended_grade(evaluation, grant, organizations, no_pdf):
    cancelled_org, expired_org, ended_org = organizations(3)
    cancelled = grant(cancelled_org, valid=(today() - DAY, today() + DAY), status=GradeStatus.CANCELLED)
    expired = grant(expired_org, valid=(today() - 400 * DAY, today() - DAY))
    ended = grant(ended_org, valid=(today() - DAY, today() + DAY))
    update_organization(
        organization=ended_org, actor=None, data={"status": OrganizationStatus.DEREGISTERED}, source="注销登记"
    )

    assert list(certificates_to_issue(evaluation.campaign)) == []
    assert [issue_certificate(grade_record=grade) for grade in (cancelled, expired, ended)] == [None, None, None]


def test_only_the_campaigns_officers_issue(evaluation, graded, make_officer, tree, no_pdf):
    street_officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    with pytest.raises(PermissionDenied):
        issue_certificate(grade_record=graded, actor=street_officer)
    with pytest.raises(PermissionDenied):
        issue_certificate(grade_record=graded, actor=evaluation.account)
    assert not Certificate.objects.exists()


def test_a_final_grade_is_not_certified_synchronously(evaluation, make_case):
    """Bulk issue is a background task; finalizing a case only awards the grade."""
    case = make_case(state=CaseState.FINAL, decided_grade=Grade.A5)
    grade = award_grade(case, on=today())
    assert grade is not None
    assert not Certificate.objects.exists()


# --- Concurrency (PostgreSQL) -----------------------------------------------------------------------

THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_numbers_have_no_gaps_or_duplicates_under_concurrency(evaluation, grant, in_force, organizations, no_pdf):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so threads cannot race for the row lock")
    grades = [grant(organization, valid=in_force) for organization in organizations(THREADS * 2)]
    start = threading.Barrier(THREADS)
    issued, errors, lock = [], [], threading.Lock()

    def issue_some(mine):
        try:
            start.wait(timeout=30)
            for grade in mine:
                certificate = issue_certificate(grade_record=grade)
                with lock:
                    issued.append(certificate.number)
        except BaseException as error:  # reported by the main thread
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue_some, args=(grades[n::THREADS],)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    expected = [number(n) for n in range(1, len(grades) + 1)]
    assert sorted(issued) == expected
    assert sorted(Certificate.objects.values_list("number", flat=True)) == expected


# --- Signature ----------------------------------------------------------------------------------------


def test_signature_round_trip_over_the_canonical_data(certificate):
    data = canonical_data(certificate)
    facts = json.loads(data)
    assert facts["format"] == FORMAT
    assert set(facts) == {"format", *SIGNED_FIELDS}
    assert facts["number"] == certificate.number and facts["valid_until"] == certificate.valid_until.isoformat()
    # Canonical: sorted keys, no spaces, UTF-8 (not \u escapes).
    assert data == json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert "市南区老年书画研究会".encode() in data
    assert signing.verify(data, certificate.signature, signing.public_key_pem())
    assert certificate_status(certificate).signature_ok
    assert not signing.verify(data + b" ", certificate.signature, signing.public_key_pem())
    assert not signing.verify(data, "not base64!", signing.public_key_pem())
    assert not signing.verify(data, certificate.signature, "not a key")


def _changed(value):
    if isinstance(value, datetime.date):
        return value + DAY
    if isinstance(value, int):
        return value + 1
    if value in Grade.values:
        return Grade.A5 if value != Grade.A5 else Grade.A4
    return value + "X"


@pytest.mark.parametrize("field", SIGNED_FIELDS)
def test_changing_any_signed_field_in_the_database_makes_it_invalid(certificate, field):
    Certificate.objects.filter(pk=certificate.pk).update(**{field: _changed(getattr(certificate, field))})
    certificate.refresh_from_db()
    status = certificate_status(certificate)
    assert status.signature_ok is False
    assert status.recorded_state == CertificateState.VALID  # what the dates say ...
    assert status.state == CertificateState.INVALID  # ... is not what the public is told


def test_a_changed_signature_or_another_key_makes_it_invalid(certificate, settings, tmp_path):
    Certificate.objects.filter(pk=certificate.pk).update(signature=certificate.signature[:-4] + "AAA=")
    certificate.refresh_from_db()
    assert certificate_status(certificate).signature_ok is False

    original = Certificate.objects.get(pk=certificate.pk)
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "other" / "key.pem"  # a new key is generated
    assert signing.key_id() != original.key_id
    assert certificate_status(original).signature_ok is False


def test_the_generated_key_file_is_private_and_reused(signing_key):
    assert not signing_key.exists()
    first = signing.public_key_pem()
    assert stat.S_IMODE(signing_key.stat().st_mode) == 0o600
    signing._private_key.cache_clear()
    assert signing.public_key_pem() == first
    assert [path.name for path in signing_key.parent.iterdir()] == [signing_key.name]  # no temporary left


def test_two_processes_creating_the_key_keep_one(signing_key):
    """The second writer finds the first one's key in place and keeps it."""
    signing._create_key_file(signing_key)
    winner = signing_key.read_bytes()
    signing._create_key_file(signing_key)
    assert signing_key.read_bytes() == winner
    assert len(list(signing_key.parent.iterdir())) == 1


def test_the_key_from_the_environment_wins_and_production_never_generates(settings, tmp_path):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    settings.CERTIFICATE_SIGNING_KEY = pem.replace("\n", "\\n")  # as an environment variable may carry it
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "absent.pem"
    assert (
        signing.public_key_pem()
        == key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    )
    assert not (tmp_path / "absent.pem").exists()

    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.CERTIFICATE_SIGNING_KEY_GENERATE = False
    with pytest.raises(ImproperlyConfigured, match="No certificate signing key"):
        signing.sign(b"data")
    assert not (tmp_path / "absent.pem").exists()


# --- States, revocation and replacement ----------------------------------------------------------


def test_valid_until_its_last_day_then_expired(certificate):
    assert certificate_status(certificate, today=certificate.valid_until).state == CertificateState.VALID
    assert certificate_status(certificate, today=certificate.valid_until + DAY).state == CertificateState.EXPIRED


def test_a_downgrade_still_at_the_threshold_replaces_the_certificate(evaluation, certificate):
    old_number = certificate.number
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A3, reason="年度检查不合格", actor=evaluation.officer, on=today()
    )

    certificate.refresh_from_db()
    new = certificate.replaced_by
    assert certificate.number == old_number and certificate.grade == Grade.A4
    assert certificate.revoked_on == today()
    assert certificate.revocation_reason == "评估等级由4A降为3A：年度检查不合格"
    assert certificate_status(certificate).state == CertificateState.REVOKED
    assert certificate_status(certificate).signature_ok  # revocation is not part of the signed facts ...
    assert certificate_status(certificate).revocation_ok  # ... but a statement signed on its own
    assert new.number == number(2) and new.code != certificate.code
    assert new.grade == Grade.A3 and new.grade_record == certificate.grade_record
    assert new.valid_until == certificate.valid_until and new.pdf
    assert certificate_status(new).state == CertificateState.VALID and certificate_status(new).signature_ok


def test_a_downgrade_below_the_threshold_revokes_without_replacement(evaluation, certificate):
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A2, reason="严重违规", actor=evaluation.officer, on=today()
    )
    certificate.refresh_from_db()
    assert certificate.revocation_reason == "评估等级由4A降为2A：严重违规"
    assert certificate.replaced_by is None
    assert Certificate.objects.count() == 1


def test_a_downgrade_of_an_uncertified_grade_issues_nothing(evaluation, graded):
    downgrade_grade(grade=graded, to_grade=Grade.A3, reason="复查", actor=evaluation.officer, on=today())
    assert not Certificate.objects.exists()


def test_numbers_are_never_reused_after_replacements(evaluation, certificate, no_pdf):
    grade = certificate.grade_record
    downgrade_grade(grade=grade, to_grade=Grade.A3, reason="一", actor=evaluation.officer, on=today())
    Campaign.objects.filter(pk=evaluation.campaign.pk).update(certificate_threshold=Grade.A2)
    downgrade_grade(grade=grade, to_grade=Grade.A2, reason="二", actor=evaluation.officer, on=today())
    numbers = list(Certificate.objects.order_by("sequence").values_list("number", "revoked_on"))
    assert numbers == [(number(1), today()), (number(2), today()), (number(3), None)]


def test_a_cancellation_revokes(evaluation, certificate):
    cancel_grade(grade=certificate.grade_record, reason="弄虚作假", actor=evaluation.officer, on=today() - DAY)
    certificate.refresh_from_db()
    assert (certificate.revoked_on, certificate.revocation_reason) == (today() - DAY, "评估等级被取消：弄虚作假")
    assert list(certificates_to_issue(evaluation.campaign)) == []


def test_a_refused_downgrade_revokes_nothing(evaluation, certificate):
    with pytest.raises(ValidationError):
        downgrade_grade(
            grade=certificate.grade_record, to_grade=Grade.A5, reason="升级？", actor=evaluation.officer, on=today()
        )
    certificate.refresh_from_db()
    assert certificate.revoked_on is None


def test_deregistration_through_the_registry_revokes(evaluation, certificate):
    update_organization(
        organization=evaluation.organization,
        actor=evaluation.officer,
        data={"status": OrganizationStatus.DEREGISTERED},
        source="注销登记",
    )
    certificate.refresh_from_db()
    assert (certificate.revoked_on, certificate.revocation_reason) == (today(), "该组织已注销登记。")
    assert list(certificates_to_issue(evaluation.campaign)) == []


def test_a_revocation_penalty_revokes(evaluation, certificate):
    record_penalty(
        organization=evaluation.organization,
        kind=PenaltyKind.REVOCATION,
        decided_on=today(),
        decision_number="青南民罚〔2026〕1号",
        reason="违法开展活动",
        actor=evaluation.officer,
    )
    certificate.refresh_from_db()
    assert (certificate.revoked_on, certificate.revocation_reason) == (today(), "该组织被撤销登记。")


def test_other_status_changes_keep_the_certificate(evaluation, certificate):
    update_organization(
        organization=evaluation.organization,
        actor=evaluation.officer,
        data={"status": OrganizationStatus.ABNORMAL},
        source="信用名录",
    )
    certificate.refresh_from_db()
    assert certificate.revoked_on is None


def test_a_revocation_needs_a_reason_and_one_target(certificate):
    with pytest.raises(ValidationError):
        revoke_certificates(grade_record=certificate.grade_record, reason=" ", on=today())
    with pytest.raises(TypeError):
        revoke_certificates(reason="x", on=today())
    with transaction.atomic():
        assert revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=today()) == [certificate]
    assert revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=today()) == []


# --- Not yet in force ---------------------------------------------------------------------------------


def test_not_yet_valid_before_its_first_day(certificate):
    assert certificate_status(certificate, today=certificate.valid_from - DAY).state == CertificateState.NOT_YET_VALID
    assert certificate_status(certificate, today=certificate.valid_from).state == CertificateState.VALID


def test_a_grade_awarded_this_year_for_the_next_is_certified_not_yet_valid(evaluation, grant, no_pdf):
    """The calendar-years rule: a grade awarded this year runs from 1 January next year."""
    start = datetime.date(today().year + 1, 1, 1)
    grade = grant(
        evaluation.organization, Grade.A4, valid=(start, datetime.date(start.year + 4, 12, 31)), awarded_on=today()
    )
    assert list(certificates_to_issue(evaluation.campaign)) == [grade]
    certificate = issue_certificate(grade_record=grade)

    status = certificate_status(certificate)
    assert status.signature_ok and status.state == CertificateState.NOT_YET_VALID
    assert status.label == "尚未生效"
    assert certificate_status(certificate, today=start).state == CertificateState.VALID


def test_the_state_condition_selects_what_the_status_says(grant, organizations, no_pdf):
    now = today()
    current, future, past, ended = organizations(4)
    issue_certificate(grade_record=grant(current, valid=(now - DAY, now + 400 * DAY)))
    issue_certificate(grade_record=grant(future, valid=(now + DAY, now + 400 * DAY)))
    issue_certificate(grade_record=grant(past, valid=(now - 400 * DAY, now - DAY)), on=now - 100 * DAY)
    revoked = issue_certificate(grade_record=grant(ended, valid=(now - DAY, now + 400 * DAY)))
    revoke_certificates(grade_record=revoked.grade_record, reason="误发", on=now)

    everything = list(Certificate.objects.all())
    assert {certificate_status(certificate, now).state for certificate in everything} == set(RECORDED_STATES)
    for state in RECORDED_STATES:
        selected = set(Certificate.objects.filter(certificate_state_condition(state, now)))
        assert selected == {c for c in everything if certificate_status(c, now).state == state}, state
    with pytest.raises(ValueError):
        certificate_state_condition(CertificateState.INVALID, now)


# --- The signed revocation ----------------------------------------------------------------------------


def test_a_revocation_is_a_signed_statement_naming_the_replacement(evaluation, certificate):
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A3, reason="年度检查不合格", actor=evaluation.officer, on=today()
    )
    certificate.refresh_from_db()
    statement = json.loads(revocation_data(certificate))
    assert statement == {
        "format": REVOCATION_FORMAT,
        "code": certificate.code,
        "number": certificate.number,
        "revoked_on": today().isoformat(),
        "reason": "评估等级由4A降为3A：年度检查不合格",
        "replaced_by": certificate.replaced_by.number,
        "key_id": signing.key_id(),
    }
    assert certificate.revocation_key_id == signing.key_id()
    assert signing.verify(revocation_data(certificate), certificate.revocation_signature, signing.public_key_pem())
    new = certificate.replaced_by
    assert (new.revocation_signature, new.revocation_key_id) == ("", "")
    assert certificate_status(new).revocation_ok and certificate_status(new).state == CertificateState.VALID


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"revoked_on": None, "revocation_reason": ""}, id="revocation-cleared-statement-left"),
        pytest.param({"revocation_reason": "另一原因"}, id="reason"),
        pytest.param({"revoked_on": datetime.date(2000, 1, 1)}, id="date"),
        pytest.param({"revocation_signature": ""}, id="statement-removed"),
        pytest.param({"revocation_key_id": "0123456789abcdef"}, id="unknown-key"),
        pytest.param({"replaced_by": None}, id="replacement-unlinked"),
    ],
)
def test_a_revocation_changed_in_the_database_shows_invalid(evaluation, certificate, change):
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A3, reason="复查", actor=evaluation.officer, on=today()
    )
    Certificate.objects.filter(pk=certificate.pk).update(**change)
    certificate.refresh_from_db()
    status = certificate_status(certificate)
    assert status.signature_ok and not status.revocation_ok
    assert status.state == CertificateState.INVALID


def test_a_revocation_written_in_the_database_without_a_statement_shows_invalid(certificate):
    Certificate.objects.filter(pk=certificate.pk).update(revoked_on=today(), revocation_reason="伪造的撤销")
    certificate.refresh_from_db()
    assert certificate_status(certificate).state == CertificateState.INVALID


def test_known_limit_a_revocation_deleted_with_its_statement_is_not_seen(certificate):
    """docs/certificates.md: the row alone cannot show that a revocation was deleted whole."""
    revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=today())
    Certificate.objects.filter(pk=certificate.pk).update(
        revoked_on=None, revocation_reason="", revocation_key_id="", revocation_signature=""
    )
    certificate.refresh_from_db()
    assert certificate_status(certificate).state == CertificateState.VALID


# --- Key rotation -------------------------------------------------------------------------------------


def test_after_a_key_rotation_earlier_certificates_verify_with_the_retired_key(
    certificate, settings, tmp_path, grant, in_force, organizations, no_pdf
):
    old_pem, old_id = signing.public_key_pem(), signing.key_id()
    retired = tmp_path / "retired"
    retired.mkdir()
    (retired / "2026.pem").write_text(old_pem)
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "new" / "key.pem"  # a new key
    assert signing.key_id() != old_id
    assert certificate_status(certificate).state == CertificateState.INVALID  # its key is unknown

    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = str(retired)  # a directory of PEM files
    assert certificate_status(certificate).state == CertificateState.VALID
    keys = signing.public_keys()
    assert [(key.key_id, key.current) for key in keys] == [(signing.key_id(), True), (old_id, False)]
    assert signing.public_key_for(old_id) == old_pem and signing.public_key_for("0123456789abcdef") is None
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = [str(retired / "2026.pem")]  # or a list of files
    assert certificate_status(certificate).state == CertificateState.VALID

    # Only the current key signs: new certificates, and the revocation of an earlier one.
    (other,) = organizations(1)
    new = issue_certificate(grade_record=grant(other, valid=in_force))
    assert new.key_id == signing.key_id() and certificate_status(new).state == CertificateState.VALID
    revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=today())
    certificate.refresh_from_db()
    assert (certificate.key_id, certificate.revocation_key_id) == (old_id, signing.key_id())
    assert certificate_status(certificate).state == CertificateState.REVOKED


def test_a_retired_key_that_is_missing_or_no_key_is_a_configuration_error(settings, tmp_path):
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = [str(tmp_path / "absent.pem")]
    with pytest.raises(ImproperlyConfigured, match=r"absent\.pem"):
        signing.public_keys()
    (tmp_path / "bad.pem").write_text("not a key")
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = [str(tmp_path / "bad.pem")]
    with pytest.raises(ImproperlyConfigured, match=r"bad\.pem"):
        signing.public_keys()


# --- Issuing and revoking under the organization's lock (PostgreSQL) ----------------------------------


def _in_thread(target, results, errors):
    def run():
        try:
            results.append(target())
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _deregister(organization):
    update_organization(
        organization=organization, actor=None, data={"status": OrganizationStatus.DEREGISTERED}, source="注销登记"
    )


@pytest.mark.django_db(transaction=True)
def test_an_issue_waits_for_a_deregistration_and_then_issues_nothing(evaluation, graded, no_pdf):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so there are no row locks to wait for")
    revoked, release = threading.Event(), threading.Event()
    results, errors = [], []

    def deregister():
        with transaction.atomic():
            _deregister(evaluation.organization)
            revoked.set()  # its certificates revoked, the transaction still open
            release.wait(timeout=30)

    deregistering = _in_thread(deregister, [], errors)
    assert revoked.wait(timeout=30)
    issuing = _in_thread(lambda: issue_certificate(grade_record=graded), results, errors)
    issuing.join(timeout=1)
    assert issuing.is_alive()  # waiting for the organization's lock
    release.set()
    deregistering.join(timeout=30)
    issuing.join(timeout=30)
    assert errors == []
    assert results == [None]
    assert not Certificate.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_deregistration_during_an_issue_revokes_the_new_certificate(evaluation, graded, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so there are no row locks to wait for")
    inserted, release = threading.Event(), threading.Event()

    def slow_pdf(certificate):  # the certificate's row is written, the transaction still open
        inserted.set()
        release.wait(timeout=30)

    monkeypatch.setattr(certificate_pdf, "store_pdf", slow_pdf)
    errors = []
    issuing = _in_thread(lambda: issue_certificate(grade_record=graded), [], errors)
    assert inserted.wait(timeout=30)
    deregistering = _in_thread(lambda: _deregister(evaluation.organization), [], errors)
    deregistering.join(timeout=1)
    assert deregistering.is_alive()  # waiting for the organization's lock
    release.set()
    issuing.join(timeout=30)
    deregistering.join(timeout=30)
    assert errors == []
    certificate = Certificate.objects.get()
    assert (certificate.revoked_on, certificate.revocation_reason) == (today(), "该组织已注销登记。")
    assert certificate_status(certificate).state == CertificateState.REVOKED
