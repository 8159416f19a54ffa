"""Downloading an application's materials: the one door to private files, permission-checked."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from registry.selectors.applications import materials_for_user


@login_required
def download_material(request, pk):
    material = get_object_or_404(materials_for_user(request.user), pk=pk)
    try:
        handle = material.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=material.original_name, content_type=material.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
