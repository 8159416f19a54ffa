"""Fixtures of the certificate tests: a signing key in a temporary folder (never the project's
var/keys) and grades in force to certify. A test module uses them with
`pytest_plugins = ["tests.evaluation.certificate_fixtures"]` and the `signing_key` fixture
(autouse in the module), which also brings the grade fixtures."""

import datetime

import pytest
from django.utils import timezone

from evaluation.enums import Grade
from evaluation.services.certificates import issue_certificate
from tests.evaluation import grade_fixtures

small_framework = grade_fixtures.small_framework
evaluation = grade_fixtures.evaluation
make_case = grade_fixtures.make_case
grant = grade_fixtures.grant

YEAR = datetime.timedelta(days=365)


@pytest.fixture
def signing_key(settings, tmp_path):
    """The issuer's key, generated on first use in a temporary file; returns the file's path."""
    settings.CERTIFICATE_SIGNING_KEY = ""
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "keys" / "certificate-signing-key.pem"
    settings.CERTIFICATE_SIGNING_KEY_GENERATE = True
    settings.CERTIFICATE_NUMBER_PREFIXES = {}  # each bureau's words derived from its name (市南社评字)
    settings.PORTAL_PUBLIC_URL = "https://shinan.example"
    return settings.CERTIFICATE_SIGNING_KEY_FILE


@pytest.fixture
def in_force():
    """(valid_from, valid_until) of a grade in force today, for four more years."""
    today = timezone.localdate()
    return today - 30 * datetime.timedelta(days=1), today + 4 * YEAR


@pytest.fixture
def graded(evaluation, grant, in_force):
    """A 4A grade in force of the evaluation's organization."""
    return grant(evaluation.organization, Grade.A4, valid=in_force)


@pytest.fixture
def certificate(graded):
    """The certificate of `graded`, issued today (with its PDF)."""
    return issue_certificate(grade_record=graded)
