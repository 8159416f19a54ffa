"""Downloading private files (application materials, supervision attachments): the one door to
them, each through the selector that decides who may read the file's parent record."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from evaluation.selectors.cases import evidence_files_for_user
from evaluation.selectors.certificate_access import certificates_for_officer, certificates_for_user
from evaluation.selectors.notices import appeal_attachments_for_user
from evaluation.services.certificate_pdf import DamagedCertificateFile, pdf_file
from registry.selectors.applications import materials_for_user
from registry.selectors.supervision import supervision_attachments_for_user
from registry.uploads import download_name


def _serve(private_file, *, file=None, filename=None, content_type=None) -> FileResponse:
    """A private file as a download: an uploaded file's record, or (`file`, `filename`,
    `content_type`) for a file the portal made itself, such as a certificate. The name is sent
    cleaned (rows stored before names were cleaned may hold anything) and, when not ASCII, in the
    RFC 5987 form (filename*=utf-8''...) that Django's FileResponse writes."""
    try:
        handle = (file or private_file.file).open("rb")
    except (FileNotFoundError, ValueError):  # ValueError: a file field without a file
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename or download_name(private_file),
        content_type=content_type or private_file.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def download_material(request, pk):
    return _serve(get_object_or_404(materials_for_user(request.user), pk=pk))


@login_required
def download_supervision_attachment(request, pk):
    return _serve(get_object_or_404(supervision_attachments_for_user(request.user), pk=pk))


@login_required
def download_appeal_attachment(request, pk):
    return _serve(get_object_or_404(appeal_attachments_for_user(request.user), pk=pk))


@login_required
def download_evidence(request, pk):
    return _serve(get_object_or_404(evidence_files_for_user(request.user), pk=pk))


CERTIFICATE_UNAVAILABLE = "portal/account/evaluation/certificate_unavailable.html"


@login_required
def download_certificate(request, pk):
    """A certificate's PDF, for its organization's accounts and its campaign's officers.

    A revoked certificate no longer stands: its organization is refused the file and shown the
    revocation; officers still get it, named as revoked. A stored file that fails its digest
    check is refused to everyone (`certificate_pdf.pdf_file`)."""
    certificate = get_object_or_404(certificates_for_user(request.user), pk=pk)
    filename = f"{certificate.number}.pdf"
    if certificate.revoked_on is not None:
        if not certificates_for_officer(request.user).filter(pk=certificate.pk).exists():
            return render(request, CERTIFICATE_UNAVAILABLE, {"certificate": certificate, "revoked": True}, status=403)
        filename = _("%(number)s（已撤销）.pdf") % {"number": certificate.number}
    try:
        file = pdf_file(certificate)
    except DamagedCertificateFile as error:
        context = {"certificate": certificate, "message": str(error)}
        return render(request, CERTIFICATE_UNAVAILABLE, context, status=503)
    return _serve(None, file=file, filename=filename, content_type="application/pdf")
