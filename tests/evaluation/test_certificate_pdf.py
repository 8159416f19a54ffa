"""The certificate's PDF: A4 landscape, the CJK serif font really embedded and drawn, the page
inked, and a QR code that decodes to the certificate's verification address.

Text extraction would succeed even if every glyph were an empty box, so the glyphs are checked on
pictures of the page (poppler's pdftoppm) and the font with pdffonts; the QR code is read back
with zbarimg. `make test` installs poppler-utils and zbar-tools."""

import datetime
import io
import re
import resource
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from PIL import Image, ImageChops

from evaluation.enums import Grade
from evaluation.models import Certificate
from evaluation.services import certificate_pdf, certificates

pytest_plugins = ["tests.evaluation.grade_fixtures"]

TOOLS = ("pdffonts", "pdfinfo", "pdftoppm", "zbarimg")
pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in TOOLS),
    reason="the PDF checks need poppler-utils and zbar-tools: as root, "
    "`scripts/install-system-packages.sh poppler-utils zbar-tools` (`make test` does it)",
)
A4_LANDSCAPE = (841.89, 595.28)  # points


def _certificate(**changes) -> Certificate:
    """A certificate record as issued (not saved: rendering reads nothing else)."""
    facts = {
        "number": "市南社评字〔2026〕第003号",
        "year": 2026,
        "sequence": 3,
        "code": "K7QX2M9PLT4WZ8RC",
        "organization_name": "青岛市市南区老年书画研究会",
        "identifier": "51370202MJD602187M",
        "grade": Grade.A4,
        "valid_from": datetime.date(2026, 1, 5),
        "valid_until": datetime.date(2030, 12, 31),
        "committee_name": "市南区社会组织评估委员会",
        "bureau_name": "青岛市市南区民政局",
        "issued_on": datetime.date(2026, 1, 5),
    }
    return Certificate(**{**facts, **changes})


def _run(*command) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _page_image(pdf: bytes, tmp_path: Path, name: str, resolution: int = 50) -> Image.Image:
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    _run(
        "pdftoppm",
        "-png",
        "-r",
        str(resolution),
        "-f",
        "1",
        "-l",
        "1",
        "-singlefile",
        str(source),
        str(tmp_path / name),
    )
    return Image.open(tmp_path / f"{name}.png").convert("L")


@pytest.fixture
def pdf(db) -> bytes:
    return certificate_pdf.render_certificate_pdf(_certificate())


def test_the_pdf_is_one_a4_landscape_page(pdf, tmp_path):
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    info = _run("pdfinfo", "-box", str(source))
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    media_box = re.search(r"^MediaBox:\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", info, re.MULTILINE)
    x0, y0, x1, y1 = (float(value) for value in media_box.groups())
    assert (x1 - x0, y1 - y0) == pytest.approx(A4_LANDSCAPE, abs=0.5)


def test_the_pdf_embeds_noto_serif_cjk_sc(pdf, tmp_path):
    source = tmp_path / "certificate.pdf"
    source.write_bytes(pdf)
    rows = _run("pdffonts", str(source)).splitlines()[2:]  # after the header and its rule
    cjk = [row for row in rows if "Noto-Serif-CJK-SC" in row.split()[0]]
    assert cjk, rows
    for row in cjk:
        # Columns after the name and type: encoding, emb, sub, uni. Embedded and subset.
        assert re.search(r"Identity-H\s+yes\s+yes\s+yes", row), row
    assert all("Noto-Serif-CJK-SC" in row.split()[0] for row in rows), "a fallback font was used"


def test_the_page_is_inked_and_its_glyphs_are_drawn(pdf, tmp_path):
    page = _page_image(pdf, tmp_path, "page")
    dark = sum(page.histogram()[:128]) / (page.width * page.height)
    assert dark > 0.03, f"only {dark:.1%} of the page is dark"
    # Two organization names of the same length: drawn glyphs differ, while missing ones would
    # be the same empty boxes and give the same picture.
    other = certificate_pdf.render_certificate_pdf(_certificate(organization_name="青岛市市南区青年志愿服务会"))
    difference = ImageChops.difference(page, _page_image(other, tmp_path, "other")).getbbox()
    assert difference is not None, "different names give the same picture: the glyphs are not drawn"
    # ... and only where the name is: the top half of the page, inside the margins.
    left, top, right, bottom = difference
    assert top > page.height * 0.2 and bottom < page.height * 0.5
    assert left > page.width * 0.15 and right < page.width * 0.85


def test_the_grade_is_printed_large(tmp_path):
    four, five = (certificate_pdf.render_certificate_pdf(_certificate(grade=grade)) for grade in (Grade.A4, Grade.A5))
    _left, top, _right, bottom = ImageChops.difference(
        _page_image(four, tmp_path, "four"), _page_image(five, tmp_path, "five")
    ).getbbox()
    page_height = 595.28 / 72 * 50  # pixels at 50 dpi
    assert bottom - top > page_height * 0.08, "the grade is not large"


def test_the_qr_code_decodes_to_the_verification_address(db, tmp_path, settings):
    settings.PORTAL_PUBLIC_URL = "https://shinan.example.cn"
    certificate = _certificate()
    page = _page_image(certificate_pdf.render_certificate_pdf(certificate), tmp_path, "page", resolution=100)
    page.save(tmp_path / "page.png")
    decoded = _run("zbarimg", "--quiet", "--raw", str(tmp_path / "page.png")).strip()
    assert decoded == certificates.verify_url(certificate)
    assert decoded == "https://shinan.example.cn/verify/K7QX2M9PLT4WZ8RC/"


def test_rendering_many_certificates_keeps_memory_flat(db):
    """WeasyPrint's per-document font configuration holds on to ~17 MB of native memory each
    time; a campaign of hundreds would take gigabytes. The peak may grow a little, not by that."""
    certificate = _certificate()
    certificate_pdf.render_certificate_pdf(certificate)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _render in range(12):
        certificate_pdf.render_certificate_pdf(certificate)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 60, f"the peak memory grew by {grown_mb:.0f} MB over 12 renders"


def test_the_identifier_is_named_by_its_kind():
    with_uscc = certificate_pdf.certificate_context(_certificate())
    filed = certificate_pdf.certificate_context(_certificate(identifier="市南社备字第2019003号"))
    assert with_uscc["identifier_label"] == "统一社会信用代码"
    assert filed["identifier_label"] == "备案编号"


def test_store_pdf_keeps_the_rendering_in_private_storage_under_one_name(evaluation, grant, tmp_path):
    today = datetime.date.today()
    grade = grant(evaluation.organization, Grade.A4, valid=(today, today.replace(year=today.year + 3)))
    certificate = certificates.issue_certificate(grade_record=grade, actor=evaluation.officer)
    name = certificate.pdf.name
    assert name == f"certificates/{certificate.year}/{certificate.code}.pdf"
    assert certificate.pdf.storage.exists(name)
    certificate_pdf.store_pdf(certificate)  # again: replaces the file, keeps the name
    certificate.refresh_from_db()
    assert certificate.pdf.name == name
    with certificate.pdf.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"


def test_export_certificate_writes_the_pdf_of_a_number(evaluation, grant, tmp_path):
    today = datetime.date.today()
    grade = grant(evaluation.organization, Grade.A5, valid=(today, today.replace(year=today.year + 3)))
    certificate = certificates.issue_certificate(grade_record=grade, actor=evaluation.officer)
    out = tmp_path / "out.pdf"
    stdout = io.StringIO()
    call_command("export_certificate", certificate.number, "--out", str(out), stdout=stdout)
    assert certificate.number in stdout.getvalue()
    info = _run("pdfinfo", str(out))
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE)
    text = _run("pdftotext", "-layout", str(out), "-")
    assert evaluation.organization.name in text and "5A" in text and certificate.number in text


def test_export_certificate_says_in_chinese_that_a_number_is_unknown(db, tmp_path):
    with pytest.raises(CommandError, match="没有编号为“市南社评字〔2026〕第999号”的证书"):
        call_command("export_certificate", "市南社评字〔2026〕第999号", "--out", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
