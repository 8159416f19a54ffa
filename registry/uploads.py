"""Checking uploaded files by what they contain, not by their names.

A file is accepted only when its first bytes are those of an allowed type (and, for XLSX, when
it is really a workbook inside its ZIP); a renamed executable is refused. Names are never used
for storage: files are stored under random names in private storage.
"""

import hashlib
import io
import os
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.translation import gettext as _

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
PNG = FileType("image/png", "png", "PNG")
XLSX_TYPE = FileType(XLSX, "xlsx", "XLSX")
MATERIAL_TYPES = (PDF, JPEG, PNG, XLSX_TYPE)


def _is_xlsx(head: bytes, upload) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    upload.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(upload.read())) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and any(name.startswith("xl/") for name in names)


def detect_type(upload) -> FileType | None:
    """The allowed type the file's content shows, or None."""
    upload.seek(0)
    head = upload.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if _is_xlsx(head, upload):
        return XLSX_TYPE
    return None


def check_upload(upload, *, allowed=MATERIAL_TYPES) -> FileType:
    """The file's type if it may be stored; a ValidationError in Chinese otherwise."""
    limit = settings.REGISTRY_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大（%(size).1f MB），上限为 %(limit)d MB。")
            % {"name": upload.name, "size": upload.size / 1024 / 1024, "limit": limit // (1024 * 1024)},
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": upload.name}, code="file_empty")
    detected = detect_type(upload)
    upload.seek(0)
    if detected is None or detected not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的内容不是%(types)s文件，不能上传。")
            % {"name": upload.name, "types": "、".join(t.label for t in allowed)},
            code="file_type",
        )
    return detected


def private_storage() -> FileSystemStorage:
    """Storage for files that only permission-checked views may serve: outside MEDIA_ROOT, with
    no URL. A callable, so that migrations keep a reference rather than this machine's path."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def store_private_file(instance, upload, *, allowed=MATERIAL_TYPES):
    """Check `upload` by content and size, then save it with `instance` (a `PrivateFile`).

    A refused file raises ValidationError before anything is written; if the row cannot be saved,
    the stored file is deleted again, so there is never a file without a row or the reverse.
    """
    detected = check_upload(upload, allowed=allowed)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    instance.original_name = os.path.basename(upload.name)[:200]
    instance.content_type = detected.content_type
    instance.extension = detected.extension
    instance.size = upload.size
    instance.sha256 = digest.hexdigest()
    instance.file.save("upload", upload, save=False)
    try:
        instance.save()
    except Exception:
        instance.file.delete(save=False)
        raise
    return instance
