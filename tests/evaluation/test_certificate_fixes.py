"""Certificate fixes after an audit of issue 6: the lock order of the bulk run, the organization's
certificates after its credit code changes, fields outside the signatures (the replacement, the
stored PDF), a revoked certificate's PDF, numbering per issuer, and the export and verify commands."""

import datetime
import hashlib
import importlib
import io
import threading
import time
import urllib.parse
import zipfile

import pytest
from django.apps import apps as global_apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation import signing
from evaluation.enums import CaseState, Grade
from evaluation.management.commands.verify_certificate import Command as VerifyCommand
from evaluation.models import Campaign, Certificate, CertificateRun, Committee, OrganizationGrade
from evaluation.selectors.verification import organization_certificates
from evaluation.services import certificate_pdf, certificate_runs, certificates
from evaluation.services.certificates import (
    CertificateState,
    certificate_status,
    issue_certificate,
    revoke_certificates,
)
from evaluation.services.grades import downgrade_grade
from registry.enums import UnitLevel
from registry.models import NumberSequence
from registry.services.organizations import update_organization
from registry.services.units import add_unit
from tests.factories import create_org, make_uscc

pytest_plugins = ["tests.evaluation.certificate_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_key")]

MIGRATION = "evaluation.migrations.0007_certificate_fixes"


def number(sequence, prefix="市南社评字", year=None):
    return f"{prefix}〔{year or timezone.localdate().year}〕第{sequence:03d}号"


@pytest.fixture
def no_pdf(monkeypatch):
    """Skip the PDF where a test is only about numbers or locks."""
    monkeypatch.setattr(certificate_pdf, "store_pdf", lambda certificate: None)


@pytest.fixture
def organizations(tree):
    return lambda n: [create_org(street=tree.zhanshan, name=f"市南区测试协会{i}") for i in range(n)]


@pytest.fixture
def city_grades(tree, grant, in_force, organizations, make_case, today):
    """city_grades(n) → n 5A grades of a campaign of the city's bureau (another issuer)."""
    committee = Committee.objects.create(name="青岛市社会组织评估委员会", authority=tree.city)
    campaign = Campaign.objects.create(
        name="青岛市评估",
        year=today.year,
        authority=tree.city,
        committee=committee,
        applications_open_on=datetime.date(today.year, 1, 1),
        applications_close_on=datetime.date(today.year, 6, 30),
        scoring_closes_on=datetime.date(today.year, 9, 30),
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


def sha256_of(field_file) -> str:
    with field_file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def download_url(certificate) -> str:
    return reverse("certificate_download", args=[certificate.pk])


# --- 1. Lock order: the organization first, then the grade (PostgreSQL) ----------------------------


def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks (it serializes writers)")


def in_thread(target, errors):
    def run():
        try:
            target()
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def wait_until_someone_waits_for_a_lock():
    with connection.cursor() as cursor:
        for _ in range(200):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    pytest.fail("nobody waited for a lock")


@pytest.mark.django_db(transaction=True)
def test_the_bulk_run_waits_for_the_organization_without_holding_its_grade(evaluation, graded, no_pdf):
    """A downgrade holds the organization and then locks the grade; the run, waiting for the
    organization, must not hold the grade meanwhile (else the two deadlock)."""
    needs_postgresql()
    run = CertificateRun.objects.create(campaign=evaluation.campaign, total=1)
    holding, go = threading.Event(), threading.Event()
    outcome, errors = [], []

    def like_a_downgrade():
        with transaction.atomic():
            certificates.lock_organization(evaluation.organization.pk)
            holding.set()
            assert go.wait(timeout=30)
            try:
                with transaction.atomic():
                    OrganizationGrade.objects.select_for_update(nowait=True, of=("self",)).get(pk=graded.pk)
                outcome.append("grade locked")
            except DatabaseError as error:
                outcome.append(type(error).__name__)

    holder = in_thread(like_a_downgrade, errors)
    assert holding.wait(timeout=30)
    runner = in_thread(lambda: certificate_runs.run_certificate_issue(run.pk), errors)
    wait_until_someone_waits_for_a_lock()  # the run, on the organization
    go.set()
    holder.join(timeout=30)
    runner.join(timeout=30)

    assert errors == []
    assert outcome == ["grade locked"]
    run.refresh_from_db()
    assert (run.status, run.issued) == (CertificateRun.Status.DONE, 1)


@pytest.mark.django_db(transaction=True)
def test_certificate_paths_lock_only_their_own_rows_when_they_join(evaluation, graded, no_pdf, today):
    needs_postgresql()
    run = CertificateRun.objects.create(campaign=evaluation.campaign, total=1)
    with CaptureQueriesContext(connection) as queries:
        certificate_runs.run_certificate_issue(run.pk)
        downgrade_grade(grade=graded, to_grade=Grade.A3, reason="复查", actor=evaluation.officer, on=today)
        revoke_certificates(organization=evaluation.organization, reason="注销登记", on=today)
    locking = [query["sql"] for query in queries.captured_queries if "FOR UPDATE" in query["sql"]]
    assert any("registry_organization" in sql for sql in locking)
    joined = [sql for sql in locking if " JOIN " in sql]
    assert joined and all("FOR UPDATE OF" in sql for sql in joined), joined


# --- 2. The organization's certificates, by the foreign key ----------------------------------------


def test_the_certificates_stay_listed_after_the_credit_code_changes(client, evaluation, certificate):
    issued_for = evaluation.organization.uscc
    new_code = make_uscc()
    update_organization(organization=evaluation.organization, actor=None, data={"uscc": new_code}, source="变更登记")
    evaluation.organization.refresh_from_db()

    assert list(organization_certificates(evaluation.organization)) == [certificate]
    (listed,) = client.get(f"/api/v1/organizations/{new_code}").json()["certificates"]
    assert (listed["number"], listed["status"], listed["signature_ok"]) == (certificate.number, "valid", True)
    certificate.refresh_from_db()
    assert certificate.identifier == issued_for  # the signed data stays as issued


# --- 3. Fields outside the signatures ------------------------------------------------------------------


@pytest.fixture
def two_certificates(evaluation, grant, in_force):
    """The organization's certificate and another organization's, both with their PDFs."""
    other = create_org(street=evaluation.organization.street, name="湛山书画协会")
    own = issue_certificate(grade_record=grant(evaluation.organization, Grade.A4, valid=in_force))
    foreign = issue_certificate(grade_record=grant(other, Grade.A5, valid=in_force))
    return own, foreign


def test_a_replacement_written_on_a_certificate_that_is_not_revoked_is_not_believed(client, two_certificates):
    own, foreign = two_certificates
    Certificate.objects.filter(pk=own.pk).update(replaced_by=foreign)
    own.refresh_from_db()

    status = certificate_status(own)
    assert status.state == CertificateState.INVALID and not status.revocation_ok
    assert status.replaced_by_number is None
    data = client.get(f"/api/v1/certificates/{own.code}").json()
    assert (data["status"], data["replaced_by"]) == ("invalid", None)
    html = client.get(f"/verify/{own.code}/").content.decode()
    assert 'data-state="invalid"' in html and foreign.number not in html


def test_a_signed_revocation_shows_its_replacement(client, evaluation, certificate, today):
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A3, reason="复查", actor=evaluation.officer, on=today
    )
    certificate.refresh_from_db()
    new = certificate.replaced_by

    status = certificate_status(certificate)
    assert status.state == CertificateState.REVOKED
    assert (status.replaced_by_number, status.replaced_by_code) == (new.number, new.code)
    assert client.get(f"/api/v1/certificates/{certificate.code}").json()["replaced_by"] == new.number
    assert f"/verify/{new.code}/" in client.get(f"/verify/{certificate.code}/").content.decode()


def test_the_pdfs_digest_is_kept_with_a_signed_statement(certificate):
    certificate.refresh_from_db()
    assert certificate.pdf_sha256 == sha256_of(certificate.pdf)
    assert certificate.pdf_key_id == signing.key_id()
    assert signing.verify(certificates.file_data(certificate), certificate.pdf_signature, signing.public_key_pem())


@pytest.mark.parametrize("change", ["path", "path-digest-and-statement", "content"])
def test_a_swapped_or_changed_pdf_is_refused_as_damaged(client, evaluation, two_certificates, change):
    own, foreign = two_certificates
    if change == "path":
        Certificate.objects.filter(pk=own.pk).update(pdf=foreign.pdf.name)
    elif change == "path-digest-and-statement":
        Certificate.objects.filter(pk=own.pk).update(
            pdf=foreign.pdf.name,
            pdf_sha256=foreign.pdf_sha256,
            pdf_key_id=foreign.pdf_key_id,
            pdf_signature=foreign.pdf_signature,
        )
    else:
        with own.pdf.storage.open(own.pdf.name, "wb") as handle:
            handle.write(b"%PDF-1.7 forged")

    for user in (evaluation.account, evaluation.officer):
        client.force_login(user)
        response = client.get(download_url(own))
        assert response.status_code == 503
        assert "证书文件已损坏" in response.content.decode()
    with pytest.raises(certificate_pdf.DamagedCertificateFile):
        certificate_pdf.pdf_file(Certificate.objects.get(pk=own.pk))
    # The campaign's ZIP holds a note in its place and the other certificates as ever.
    response = client.get(reverse("evaluation_certificate_issue:zip", args=[evaluation.campaign.pk]))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == sorted([f"{own.number}.txt", f"{foreign.number}.pdf"])
    assert "证书文件已损坏" in archive.read(f"{own.number}.txt").decode()
    assert archive.read(f"{foreign.number}.pdf").startswith(b"%PDF-")


def test_a_missing_pdf_is_rendered_again_with_its_digest(client, evaluation, certificate):
    certificate.pdf.storage.delete(certificate.pdf.name)
    client.force_login(evaluation.account)
    response = client.get(download_url(certificate))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    certificate.refresh_from_db()
    assert certificate.pdf_sha256 == sha256_of(certificate.pdf)


def test_the_migration_fills_the_digest_of_the_stored_files(certificate, evaluation, graded):
    Certificate.objects.filter(pk=certificate.pk).update(pdf_sha256="", pdf_key_id="", pdf_signature="")
    importlib.import_module(MIGRATION).fill_file_digests(global_apps, None)
    certificate.refresh_from_db()
    assert certificate.pdf_sha256 == sha256_of(certificate.pdf)
    with certificate.pdf.open("rb") as handle:
        assert certificates.file_checks(certificate, handle.read())


# --- 4. A revoked certificate's PDF ---------------------------------------------------------------------


def test_a_revoked_certificates_pdf_is_refused_to_the_organization_but_not_to_officers(
    client, evaluation, certificate, today
):
    revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=today)
    client.force_login(evaluation.account)
    response = client.get(download_url(certificate))
    assert response.status_code == 403
    html = response.content.decode()
    assert "已撤销" in html and "误发" in html and f"/verify/{certificate.code}/" in html
    page = client.get(reverse("account_evaluation_case", args=[certificate.grade_record.case_id])).content.decode()
    assert "误发" in page and download_url(certificate) not in page

    client.force_login(evaluation.officer)
    response = client.get(download_url(certificate))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "已撤销" in urllib.parse.unquote(response["Content-Disposition"])


# --- 5. Numbering per issuer ----------------------------------------------------------------------------


def test_numbers_continue_per_bureau_when_its_prefix_changes_mid_year(
    grant, in_force, organizations, tree, no_pdf, settings
):
    first, second = (grant(organization, valid=in_force) for organization in organizations(2))
    assert issue_certificate(grade_record=first).number == number(1)
    settings.CERTIFICATE_NUMBER_PREFIXES = {tree.district.code: "青市南社评字"}
    assert issue_certificate(grade_record=second).number == number(2, "青市南社评字")


def test_each_bureau_numbers_its_own_series_with_a_prefix_of_its_own(graded, city_grades, no_pdf):
    (city_grade,) = city_grades(1)
    assert issue_certificate(grade_record=graded).number == number(1)
    assert issue_certificate(grade_record=city_grade).number == number(1, "青社评字")


def test_the_default_prefix_comes_from_the_bureaus_name(tree):
    assert certificates.default_number_prefix(tree.district) == "市南社评字"
    assert certificates.default_number_prefix(tree.city) == "青社评字"
    county_city = add_unit(parent=tree.city, code="370281", name="胶州市", level=UnitLevel.DISTRICT)
    assert certificates.default_number_prefix(county_city) == "胶州社评字"

    # Another city of the same initial with a district of the same name: both are qualified.
    other_city = add_unit(parent=None, code="370800", name="青阳市", level=UnitLevel.CITY)
    other_district = add_unit(parent=other_city, code="370802", name="市南区", level=UnitLevel.DISTRICT)
    assert certificates.default_number_prefix(tree.city) == "青岛社评字"
    assert certificates.default_number_prefix(tree.district) == "青岛市南社评字"
    assert certificates.default_number_prefix(other_district) == "青阳市南社评字"


def test_two_bureaus_configured_with_one_prefix_get_a_clear_message(graded, city_grades, tree, no_pdf, settings):
    settings.CERTIFICATE_NUMBER_PREFIXES = {tree.city.code: "市南社评字"}
    issue_certificate(grade_record=graded)
    (city_grade,) = city_grades(1)
    with pytest.raises(ValidationError, match="已被其他发证机关使用"):
        issue_certificate(grade_record=city_grade)
    assert Certificate.objects.count() == 1


def test_the_migration_carries_each_bureaus_count_over_from_the_shared_series(
    graded, grant, in_force, city_grades, organizations, no_pdf, today
):
    """Before, bureaus without their own prefix shared one series: 市南社评字 001 the district's,
    002 the city's. Each bureau continues after the shared count, so no number comes twice."""
    first_city, second_city = city_grades(2)
    district = issue_certificate(grade_record=graded)
    city = issue_certificate(grade_record=first_city)
    Certificate.objects.filter(pk=city.pk).update(number=number(2), sequence=2)
    NumberSequence.objects.filter(series__startswith="evaluation-certificate").delete()
    NumberSequence.objects.create(series="evaluation-certificate:市南社评字", year=today.year, last_number=2)

    importlib.import_module(MIGRATION).carry_number_series(global_apps, None)

    (other,) = organizations(1)
    assert district.number == number(1)
    assert issue_certificate(grade_record=grant(other, valid=in_force)).number == number(3)
    assert issue_certificate(grade_record=second_city).number == number(3, "青社评字")


# --- 6. The commands ------------------------------------------------------------------------------------


def test_export_certificate_into_a_directory_writes_number_pdf_there(certificate, tmp_path):
    stdout = io.StringIO()
    call_command("export_certificate", certificate.number, "--out", str(tmp_path), stdout=stdout)
    written = tmp_path / f"{certificate.number}.pdf"
    assert written.read_bytes().startswith(b"%PDF-")
    assert str(written) in stdout.getvalue()


def test_export_certificate_accepts_ascii_brackets(certificate, tmp_path):
    typed = certificate.number.replace("〔", "[").replace("〕", "]")
    call_command("export_certificate", f" {typed} ", "--out", str(tmp_path / "c.pdf"), stdout=io.StringIO())
    assert (tmp_path / "c.pdf").read_bytes().startswith(b"%PDF-")


def test_export_certificate_says_in_chinese_that_the_folder_is_missing(certificate, tmp_path):
    with pytest.raises(CommandError, match="目录不存在"):
        call_command("export_certificate", certificate.number, "--out", str(tmp_path / "absent" / "c.pdf"))


def test_verify_certificates_help_is_in_chinese():
    text = VerifyCommand().create_parser("manage.py", "verify_certificate").format_help()
    assert "查验评估等级证书" in text and "查验码" in text and "--public-key" in text
    assert "Verify an evaluation certificate" not in text and "a verification code" not in text
