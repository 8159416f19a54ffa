"""The certificate as a PDF (DESIGN.md section 10): an A4 landscape page in Chinese, set in Noto
Serif CJK SC (Debian's fonts-noto-cjk), with a QR code of the verification address.

Everything printed comes from the certificate's own snapshot (never from the live organization or
grade), so a PDF rendered again later is the same document. WeasyPrint embeds only the glyphs used
(subset with libharfbuzz-subset0: about 0.1 s a page instead of seconds with the whole font).
"""

import logging
import threading

import segno
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from stdnum.cn import uscc
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from ..models import Certificate
from . import certificates

logger = logging.getLogger(__name__)

TEMPLATE = "evaluation/certificate/certificate.html"
# The certificate is an official document in Chinese, whatever language its requester reads.
LANGUAGE = "zh-hans"
# WeasyPrint makes a new font configuration for each document unless given one, and the native
# memory of each (fontconfig, Pango, the CJK font) is never given back: about 17 MB a certificate,
# gigabytes over a campaign. One per thread (they are not shared across threads) keeps it flat.
_local = threading.local()


def _font_config() -> FontConfiguration:
    if not hasattr(_local, "font_config"):
        _local.font_config = FontConfiguration()
    return _local.font_config


def qr_svg(address: str) -> str:
    """The QR code of `address` as an inline SVG, sized by the stylesheet (no fixed width)."""
    code = segno.make_qr(address, error="m")
    return code.svg_inline(scale=1, border=0, omitsize=True, dark="#1a1a1a")


def certificate_context(certificate: Certificate) -> dict:
    address = certificates.verify_url(certificate)
    return {
        "certificate": certificate,
        # A filing number (备案编号) stands in for a community group without a credit code.
        "identifier_label": "统一社会信用代码" if uscc.is_valid(certificate.identifier) else "备案编号",
        "verify_url": address,
        "qr_svg": mark_safe(qr_svg(address)),  # segno's own markup: nothing typed by anyone
    }


def render_certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate's PDF, rendered from its record."""
    with translation.override(LANGUAGE):
        html = render_to_string(TEMPLATE, certificate_context(certificate))
    return HTML(string=html).write_pdf(font_config=_font_config())


def store_pdf(certificate: Certificate) -> None:
    """Render the certificate and keep it in private storage as `certificate.pdf` (replacing an
    earlier rendering, so the file keeps its name), with its digest's signed statement."""
    content = render_certificate_pdf(certificate)
    if certificate.pdf:
        certificate.pdf.delete(save=False)
    certificate.pdf.save(f"{certificate.code}.pdf", ContentFile(content), save=False)
    certificates.sign_file(certificate, content)
    certificate.save(update_fields=["pdf", *certificates.FILE_FIELDS])


class DamagedCertificateFile(Exception):
    """The stored PDF is not the one the issuer stored for this certificate."""


def pdf_file(certificate: Certificate) -> ContentFile:
    """The certificate's PDF as stored, checked against its signed digest (`file_checks`), or
    rendered and stored first when there is none yet (or its file has gone missing). Returns
    the bytes that were checked, so that what is served is what was checked.

    Raises DamagedCertificateFile (its message in Chinese, for the person downloading) when a
    stored file fails the check: swapped, changed, or without the issuer's statement. It is
    refused rather than rendered again, so that someone looks into how it came about
    (docs/certificates.md)."""
    if not certificate.pdf or not certificate.pdf.storage.exists(certificate.pdf.name):
        store_pdf(certificate)
    with certificate.pdf.open("rb") as handle:
        content = handle.read()
    if not certificates.file_checks(certificate, content):
        logger.error(
            "The stored PDF of certificate %s (%s) fails its digest check.", certificate.number, certificate.pk
        )
        raise DamagedCertificateFile(_("证书文件已损坏，暂时无法下载。请联系登记管理机关。"))
    return ContentFile(content, name=certificate.pdf.name)
