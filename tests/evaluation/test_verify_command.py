"""`manage.py verify_certificate` (issue 6 item 3): a certificate checked by code against the
database, or offline from its JSON document against the issuer's public key."""

import base64
import datetime
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from evaluation import signing
from evaluation.enums import Grade
from evaluation.models import Certificate
from evaluation.services.certificates import canonical_json, export_document, issue_certificate, revoke_certificates
from evaluation.services.grades import downgrade_grade
from tests.factories import create_org

pytest_plugins = ["tests.evaluation.certificate_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_key")]


def run(*args) -> str:
    out = io.StringIO()
    call_command("verify_certificate", *args, stdout=out)
    return out.getvalue()


def fails(*args) -> CommandError:
    with pytest.raises(CommandError) as raised:
        run(*args)
    return raised.value


@pytest.fixture
def document(certificate, tmp_path) -> Path:
    """The certificate's JSON document, exported by the command, in a file."""
    path = tmp_path / "certificate.json"
    path.write_text(run("--export", certificate.number), encoding="utf-8")
    return path


def rewrite(path: Path, change) -> Path:
    content = json.loads(path.read_text(encoding="utf-8"))
    change(content)
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def other_key():
    key = Ed25519PrivateKey.generate()
    pem = key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    return key, pem


# --- Offline ---------------------------------------------------------------------------------------


def test_an_exported_document_checks_offline(certificate, document):
    content = json.loads(document.read_text(encoding="utf-8"))
    assert content["data"]["code"] == certificate.code
    assert content["public_key"] == signing.public_key_pem()
    output = run(str(document))
    assert f"签名核对无误（密钥 {certificate.key_id}）" in output
    assert certificate.number in output
    today = timezone.localdate().isoformat()
    assert f"VALID：在有效期内（{certificate.valid_from}至{certificate.valid_until}，今天是{today}）" in output


@pytest.mark.parametrize(
    "field, value",
    [("grade", "5A"), ("organization_name", "冒名协会"), ("valid_until", "2099-12-31"), ("sequence", 999)],
)
def test_a_changed_field_fails(document, field, value):
    rewrite(document, lambda content: content["data"].update({field: value}))
    error = fails(str(document))
    assert error.returncode == 1
    assert str(error) == "INVALID：签名与数据不符。"


def test_a_document_signed_with_another_key_fails_even_if_it_brings_that_key(document):
    key, pem = other_key()

    def resign(content):
        content["data"]["key_id"] = signing.key_id_of(pem)
        content["data"]["grade"] = "5A"
        content["signature"] = base64.b64encode(key.sign(canonical_json(content["data"]))).decode()
        content["public_key"] = pem

    rewrite(document, resign)
    error = fails(str(document))
    assert error.returncode == 1
    assert f"签名密钥为 {signing.key_id_of(pem)}，不是发证机关的公钥（{signing.key_id()}）" in str(error)


def test_another_key_named_on_the_command_line_fails(document, tmp_path):
    _key, pem = other_key()
    (tmp_path / "other.pem").write_text(pem)
    error = fails(str(document), "--public-key", str(tmp_path / "other.pem"))
    assert error.returncode == 1 and f"不是所给的公钥 {signing.key_id_of(pem)}" in str(error)


def test_the_issuers_published_key_checks_on_a_machine_with_another_key(document, tmp_path, settings):
    published = tmp_path / "issuer.pem"
    published.write_text(signing.public_key_pem())
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "elsewhere" / "key.pem"  # this machine's own key
    assert fails(str(document)).returncode == 1
    assert "VALID：" in run(str(document), "--public-key", str(published))


@pytest.mark.parametrize("content", ["not json", '{"data": {}}', '{"data": {"format": "other/1"}, "signature": ""}'])
def test_a_malformed_document_fails(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    assert fails(str(path)).returncode == 1


def test_the_exit_status_of_the_real_command(document, signing_key):
    """Run as an operator would: exit 0 for the genuine document, non-zero once it is altered."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "CERTIFICATE_SIGNING_KEY_FILE": str(signing_key),
    }
    command = [sys.executable, "manage.py", "verify_certificate", str(document)]
    genuine = subprocess.run(command, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True)
    assert genuine.returncode == 0, genuine.stderr
    rewrite(document, lambda content: content["data"].update(grade="5A"))
    altered = subprocess.run(command, cwd=settings.BASE_DIR, env=environment, capture_output=True, text=True)
    assert altered.returncode == 1
    assert "INVALID" in altered.stderr


# --- By code -----------------------------------------------------------------------------------------


def test_a_code_is_looked_up_and_checked(certificate):
    output = run(certificate.code)
    assert f"签名核对无误（密钥 {certificate.key_id}）" in output and "VALID：在有效期内" in output
    assert "VALID：" in run(certificate.number)


def test_a_tampered_revoked_or_unknown_certificate_fails(evaluation, certificate):
    assert fails("ABCDEFGHJKMNPQRS").returncode == 1

    downgrade_grade(
        grade=certificate.grade_record,
        to_grade=Grade.A3,
        reason="复查",
        actor=evaluation.officer,
        on=certificate.issued_on,
    )
    error = fails(certificate.code)
    assert error.returncode == 2 and "REVOKED" in str(error)

    certificate.refresh_from_db()
    Certificate.objects.filter(pk=certificate.replaced_by.pk).update(organization_name="冒名协会")
    error = fails(certificate.replaced_by.code)
    assert error.returncode == 1 and "INVALID" in str(error)


def test_a_revocation_changed_in_the_database_fails_by_code(certificate):
    revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=certificate.issued_on)
    assert fails(certificate.code).returncode == 2
    Certificate.objects.filter(pk=certificate.pk).update(revoked_on=None, revocation_reason="")
    error = fails(certificate.code)
    assert error.returncode == 1 and "撤销记录与发证机关签名的撤销声明不符" in str(error)


# --- Dates against today, revocation statements, retired keys -----------------------------------------

DAY = datetime.timedelta(days=1)


def document_of(certificate, tmp_path, change=None) -> Path:
    content = export_document(certificate)
    if change:
        change(content)
    path = tmp_path / f"{certificate.code}.json"
    path.write_text(json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def test_a_document_not_yet_in_force_or_expired_is_genuine_but_not_valid(evaluation, grant, tmp_path):
    today = timezone.localdate()
    start = datetime.date(today.year + 1, 1, 1)
    future = issue_certificate(
        grade_record=grant(evaluation.organization, Grade.A4, valid=(start, start.replace(year=start.year + 4))),
        render_pdf=False,
    )
    for target in (str(document_of(future, tmp_path)), future.code):
        error = fails(target)
        assert error.returncode == 2
        assert str(error).startswith(f"NOT_YET_VALID：自{start.isoformat()}起生效")
        assert f"今天是{today.isoformat()}" in str(error)

    past = issue_certificate(
        grade_record=grant(create_org(street=evaluation.organization.street), valid=(today - 400 * DAY, today - DAY)),
        on=today - 100 * DAY,
        render_pdf=False,
    )
    for target in (str(document_of(past, tmp_path)), past.code):
        error = fails(target)
        assert error.returncode == 2 and str(error).startswith(f"EXPIRED：有效期已于{(today - DAY).isoformat()}届满")


def test_a_revoked_certificates_document_carries_its_signed_revocation(evaluation, certificate, tmp_path):
    downgrade_grade(
        grade=certificate.grade_record,
        to_grade=Grade.A3,
        reason="复查",
        actor=evaluation.officer,
        on=certificate.issued_on,
    )
    certificate.refresh_from_db()
    error = fails(str(document_of(certificate, tmp_path)))
    assert error.returncode == 2
    assert str(error) == f"REVOKED：已于{certificate.issued_on.isoformat()}撤销：评估等级由4A降为3A：复查"

    def forge(content):
        content["revocation"]["data"]["reason"] = "另一原因"

    error = fails(str(document_of(certificate, tmp_path, forge)))
    assert error.returncode == 1 and "撤销声明的签名与内容不符" in str(error)

    def misplace(content):
        content["revocation"]["data"]["code"] = "ABCDEFGHJKMNPQRS"

    assert "不是该证书的撤销声明" in str(fails(str(document_of(certificate, tmp_path, misplace))))


def test_the_key_is_picked_by_the_documents_key_id_among_current_and_retired(certificate, document, settings, tmp_path):
    old_id = signing.key_id()
    (tmp_path / "retired.pem").write_text(signing.public_key_pem())
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "new" / "key.pem"
    assert fails(str(document)).returncode == 1  # the old key is not configured
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = [str(tmp_path / "retired.pem")]
    assert f"签名核对无误（密钥 {old_id}）" in run(str(document))
    assert "VALID：" in run(certificate.code)


# --- Bad input: a clear error, never a crash ---------------------------------------------------------


@pytest.mark.parametrize("enclosed", [["x"], {"pem": "x"}, 42])
def test_an_enclosed_public_key_that_is_not_text_is_an_invalid_document(document, enclosed):
    rewrite(document, lambda content: content.update(public_key=enclosed))
    error = fails(str(document))
    assert error.returncode == 1
    assert "所附的公钥（public_key）不是 PEM 文本" in str(error)


@pytest.mark.parametrize("key_id", [["x"], None, 7])
def test_a_key_id_that_is_not_text_is_an_unknown_key(document, key_id):
    rewrite(document, lambda content: content["data"].update(key_id=key_id))
    error = fails(str(document))
    assert error.returncode == 1 and "不是发证机关的公钥" in str(error)


def test_a_target_too_long_for_a_file_name_is_neither_file_nor_code(certificate):
    error = fails("A" * 5000)
    assert error.returncode == 1
    assert str(error) == f"INVALID：“{'A' * 40}…”不是证书文件，也不是查验码或证书编号。"
    assert fails("A" * 5000, "--export").returncode == 1
