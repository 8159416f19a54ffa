"""`manage.py verify_certificate` (issue 6 item 3): a certificate checked by code against the
database, or offline from its JSON document against the issuer's public key."""

import base64
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

from evaluation import signing
from evaluation.enums import Grade
from evaluation.models import Certificate
from evaluation.services.certificates import canonical_json
from evaluation.services.grades import downgrade_grade

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
    assert f"VALID signature (key {certificate.key_id})" in output
    assert certificate.number in output


@pytest.mark.parametrize(
    "field, value",
    [("grade", "5A"), ("organization_name", "冒名协会"), ("valid_until", "2099-12-31"), ("sequence", 999)],
)
def test_a_changed_field_fails(document, field, value):
    rewrite(document, lambda content: content["data"].update({field: value}))
    error = fails(str(document))
    assert error.returncode == 1
    assert "signature does not match" in str(error)


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
    assert "not with the issuer's key" in str(error)


def test_another_key_named_on_the_command_line_fails(document, tmp_path):
    _key, pem = other_key()
    (tmp_path / "other.pem").write_text(pem)
    assert fails(str(document), "--public-key", str(tmp_path / "other.pem")).returncode == 1


def test_the_issuers_published_key_checks_on_a_machine_with_another_key(document, tmp_path, settings):
    published = tmp_path / "issuer.pem"
    published.write_text(signing.public_key_pem())
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "elsewhere" / "key.pem"  # this machine's own key
    assert fails(str(document)).returncode == 1
    assert "VALID signature" in run(str(document), "--public-key", str(published))


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
    assert "VALID: signature checks" in run(certificate.code)
    assert "VALID" in run(certificate.number)


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
