"""Checking uploaded files by what they contain, not by their names.

A file is accepted only when its first bytes are those of an allowed type (and, for XLSX, when
it is really a workbook inside its ZIP, without macros and not a ZIP bomb); a renamed executable
is refused. Names are never used for storage: files are stored under random names in private
storage, and the uploader's name is kept only as a cleaned display name. Every accepted file also
passes the scanners of UPLOAD_SCANNERS (an antivirus, for instance).
"""

import hashlib
import io
import logging
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from .enums import MaterialKind
from .spreadsheet_files import ZIP_ERRORS, check_xlsx_archive

logger = logging.getLogger(__name__)

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
DOCUMENT_TYPES = (PDF, JPEG, PNG)
# The application materials that are lists, and so may be spreadsheets; every other material (a
# charter, minutes, an ID) is a document: a PDF or a scan (DESIGN.md section 7).
LIST_MATERIAL_KINDS = (MaterialKind.MEMBER_LIST,)
# (the uploader's cleaned file name, the type its content shows) → why it is refused here.
RefusedType = Callable[[str, FileType], str]
DISPLAY_NAME_MAX_CHARS = 100
# Unicode categories dropped from display names: controls (NUL, line breaks), format characters
# (a right-to-left override shows "发票\u202efdp.exe" as 发票exe.pdf; zero-width spaces), surrogates,
# private-use and unassigned code points.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_SUFFIX_ALIASES = {".jpeg": ".jpg"}


def material_types(kind: str) -> tuple[FileType, ...]:
    """The file types accepted for an application material of `kind`."""
    return MATERIAL_TYPES if kind in LIST_MATERIAL_KINDS else DOCUMENT_TYPES


def display_name(name: str) -> str:
    """The uploader's file name made safe to show and to send back in a download header: its last
    path part only (either slash), without control or direction characters, at most
    DISPLAY_NAME_MAX_CHARS long with its extension kept. Never used as a storage path."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if unicodedata.category(char) not in _DROPPED_CATEGORIES)
    name = " ".join(name.split()).strip(" .")
    if len(name) > DISPLAY_NAME_MAX_CHARS:
        suffix = PurePath(name).suffix[:10]
        name = name[: DISPLAY_NAME_MAX_CHARS - len(suffix)].rstrip(" .") + suffix
    return name or "file"


def download_name(private_file) -> str:
    """The name a stored file is downloaded under: its display name, with the extension of its
    checked content (so that "report.exe" holding a PDF is saved as "report.exe.pdf")."""
    name = display_name(private_file.original_name)
    extension = f".{private_file.extension}"
    suffix = PurePath(name).suffix.lower()
    return name if _SUFFIX_ALIASES.get(suffix, suffix) == extension else f"{name}{extension}"


def scan_upload(upload) -> None:
    """Run the scanners of UPLOAD_SCANNERS on a file; one raises ValidationError to refuse it. A
    scanner that fails otherwise (an antivirus daemon down) refuses the file too: unscanned files
    are not let in."""
    for path in settings.UPLOAD_SCANNERS:
        upload.seek(0)
        try:
            import_string(path)(upload)
        except ValidationError:
            raise
        except Exception:
            logger.exception("upload scanner %s failed", path)
            raise ValidationError(_("暂时无法检查上传的文件，请稍后再试。"), code="scan_failed") from None
        finally:
            upload.seek(0)


def _is_xlsx(head: bytes, upload) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    upload.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(upload.read())) as archive:
            names = set(archive.namelist())
    except ZIP_ERRORS:
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


def check_upload(upload, *, allowed=MATERIAL_TYPES, refused_type: RefusedType | None = None) -> FileType:
    """The file's type if it may be stored; a ValidationError in Chinese otherwise. Run by every
    path that stores or imports an uploaded file. `refused_type` words the refusal of a file whose
    content is of a known type that is not allowed here (a workbook given as a charter)."""
    limit = settings.REGISTRY_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大（%(size).1f MB），上限为 %(limit)d MB。")
            % {"name": display_name(upload.name), "size": upload.size / 1024 / 1024, "limit": limit // (1024 * 1024)},
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": display_name(upload.name)}, code="file_empty")
    detected = detect_type(upload)
    upload.seek(0)
    if detected is not None and detected not in allowed and refused_type is not None:
        raise ValidationError(refused_type(display_name(upload.name), detected), code="file_type")
    if detected is None or detected not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的内容不是%(types)s文件，不能上传。")
            % {"name": display_name(upload.name), "types": "、".join(t.label for t in allowed)},
            code="file_type",
        )
    if detected == XLSX_TYPE:
        check_xlsx_archive(upload)
    scan_upload(upload)
    return detected


def private_storage() -> FileSystemStorage:
    """Storage for files that only permission-checked views may serve: outside MEDIA_ROOT, with
    no URL. A callable, so that migrations keep a reference rather than this machine's path."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def store_private_file(instance, upload, *, allowed=MATERIAL_TYPES, refused_type: RefusedType | None = None):
    """Check `upload` by content and size, then save it with `instance` (a `PrivateFile`).

    A refused file raises ValidationError before anything is written; if the row cannot be saved,
    the stored file is deleted again, so there is never a file without a row or the reverse.
    """
    detected = check_upload(upload, allowed=allowed, refused_type=refused_type)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    instance.original_name = display_name(upload.name)
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
