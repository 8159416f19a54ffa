"""A certificate's QR code leads to its verification page: one of the demo's certificates (the
finished 2025 campaign's) is exported as a PDF with `manage.py export_certificate`, for a public
site at this server's address; the QR code on the page is decoded from a picture of it (poppler's
pdftoppm, then zbarimg), and the browser opens the address and reads "有效".
"""

import json
import shutil
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from .conftest import COMMAND_TIMEOUT, REPO

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        shutil.which("pdftoppm") is None or shutil.which("zbarimg") is None,
        reason="decoding the QR code needs poppler-utils and zbar-tools (`make test` installs them)",
    ),
]

# Runs in the server's environment: a standing certificate of the demo.
FIND_CERTIFICATE = """
import json
from evaluation.models import Certificate
certificate = Certificate.objects.filter(revoked_on__isnull=True).order_by("year", "sequence").first()
facts = {"number": certificate.number, "code": certificate.code, "organization": certificate.organization_name}
print(json.dumps(facts))
"""


def _manage(environment: dict, *arguments: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    if done.returncode:
        pytest.fail(f"`manage.py {arguments[0]}` failed:\n{done.stdout}\n{done.stderr}", pytrace=False)
    return done.stdout


@pytest.fixture(scope="module")
def scanned(e2e_server, tmp_path_factory) -> dict:
    """A demo certificate and the address its printed QR code holds."""
    certificate = json.loads(_manage(e2e_server.environment, "shell", "-c", FIND_CERTIFICATE).strip().splitlines()[-1])
    workdir = tmp_path_factory.mktemp("certificate")
    pdf = workdir / "certificate.pdf"
    # The QR code points at the public site, here this server.
    _manage(
        {**e2e_server.environment, "PORTAL_PUBLIC_URL": e2e_server.base_url},
        "export_certificate",
        certificate["number"],
        "--out",
        str(pdf),
    )
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-singlefile", str(pdf), str(workdir / "page")], check=True, timeout=60
    )
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(workdir / "page.png")],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {**certificate, "address": decoded.stdout.strip()}


def test_the_qr_code_of_a_demo_certificate_opens_its_page_saying_valid(page: Page, e2e_server, scanned):
    assert scanned["address"] == f"{e2e_server.base_url}/verify/{scanned['code']}/"
    page.goto(scanned["address"])
    verdict = page.locator("#verdict")
    expect(verdict).to_have_attribute("data-state", "valid")
    expect(verdict.get_by_role("heading")).to_have_text("有效")
    expect(page.locator("main")).to_contain_text(scanned["number"])
    expect(page.locator("main")).to_contain_text(scanned["organization"])
