"""Downloading private files (application materials, supervision attachments): the one door to
them, each through the selector that decides who may read the file's parent record."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from evaluation.selectors.cases import evidence_files_for_user
from evaluation.selectors.notices import appeal_attachments_for_user
from registry.selectors.applications import materials_for_user
from registry.selectors.supervision import supervision_attachments_for_user


def _serve(private_file) -> FileResponse:
    try:
        handle = private_file.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=private_file.original_name, content_type=private_file.content_type
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
