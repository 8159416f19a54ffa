"""Spreadsheet files inspected before a parser reads them, so that a hostile or broken file is
refused with a clear message rather than exhausting the server or failing deep inside a library.

An XLSX file is a ZIP of XML. openpyxl trusts the ZIP's declared sizes, so a few kilobytes can
unpack to gigabytes (a "ZIP bomb"); its XML is parsed with defusedxml (pinned in requirements.txt),
which openpyxl uses whenever it is importable, against entity expansion. The declared sizes are
an upper bound of what `zipfile` will ever unpack (it stops at a member's declared size), so
checking them is enough. A CSV file must be text: UTF-8 (with or without BOM) or GB18030, the
encoding Excel writes on a Chinese Windows, without NUL bytes or absurdly long lines.
"""

import io
import logging
import zipfile
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from openpyxl import load_workbook

logger = logging.getLogger(__name__)

XLSX_MAGIC = b"PK\x03\x04"
# A member this large (unpacked) must not be compressed beyond UPLOAD_XLSX_MAX_RATIO; small ones
# (styles, empty sheets) legitimately compress far more.
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# Parts that run or fetch something when the workbook is opened in a spreadsheet program.
ACTIVE_PARTS = ("vbaproject.bin", "xl/activex/", "xl/externallinks/")
CSV_MAX_LINE_CHARS = 100_000
# What zipfile raises on a broken or hostile archive.
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError)
# Columns read from an imported sheet: the widest import has 14; extra columns are ignored.
MAX_COLUMNS = 100


def _unreadable() -> ValidationError:
    return ValidationError(
        _("文件不是有效的XLSX表格（可能已损坏或不完整），请用Excel另存后重新上传。"), code="xlsx_invalid"
    )


def check_xlsx_archive(file) -> None:
    """Refuse an XLSX (a file object, read from its start) that is not a sound, passive workbook:
    not a ZIP, too many members, too large once unpacked, compressed absurdly, or with macros or
    external links. Only the ZIP's directory is read; nothing is unpacked."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            content_types = _content_types(archive, members)
    except ZIP_ERRORS:
        raise _unreadable() from None
    finally:
        file.seek(0)
    if len(members) > settings.UPLOAD_XLSX_MAX_MEMBERS:
        raise ValidationError(
            _("XLSX文件包含的部件过多（%(count)d个），不像普通表格，已拒绝。") % {"count": len(members)},
            code="xlsx_members",
        )
    total = sum(member.file_size for member in members)
    limit = settings.UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES
    if total > limit:
        raise ValidationError(
            _("XLSX文件解压后过大（%(size)d MB，上限%(limit)d MB），请删去多余内容或分批上传。")
            % {"size": total // (1024 * 1024), "limit": limit // (1024 * 1024)},
            code="xlsx_too_large",
        )
    for member in members:
        if member.file_size >= RATIO_CHECKED_FROM_BYTES and (
            member.file_size > settings.UPLOAD_XLSX_MAX_RATIO * max(member.compress_size, 1)
        ):
            raise ValidationError(_("XLSX文件的压缩比异常，疑似压缩炸弹，已拒绝。"), code="xlsx_ratio")
    names = [member.filename.lower() for member in members]
    if any(part in name for name in names for part in ACTIVE_PARTS) or b"macroenabled" in content_types.lower():
        raise ValidationError(
            _("表格含有宏、ActiveX控件或外部链接，不能上传。请另存为不含宏的普通XLSX文件（.xlsx）。"),
            code="xlsx_active_content",
        )
    if "[content_types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise _unreadable()


def _content_types(archive: zipfile.ZipFile, members) -> bytes:
    """The package's list of content types (it names a macro-enabled workbook), when it is small."""
    for member in members:
        if member.filename == "[Content_Types].xml" and member.file_size <= RATIO_CHECKED_FROM_BYTES:
            return archive.read(member)
    return b""


def open_workbook(file):
    """The workbook of an XLSX file object, read-only with cell values, after `check_xlsx_archive`.
    Any failure of the parsers becomes one ValidationError in Chinese."""
    check_xlsx_archive(file)
    try:
        return load_workbook(file, read_only=True, data_only=True)
    except Exception:  # openpyxl, zipfile and the XML parser fail in many ways; each is "unreadable"
        logger.info("unreadable XLSX refused", exc_info=True)
        raise _unreadable() from None


def iter_sheet_rows(workbook):
    """The first sheet's rows as tuples of values, at most MAX_COLUMNS wide; a ValidationError when
    the sheet cannot be parsed. The caller caps the rows it keeps; blank rows cost little and are
    bounded by UPLOAD_XLSX_MAX_UNCOMPRESSED_BYTES."""
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except Exception:
        logger.info("unreadable XLSX sheet refused", exc_info=True)
        raise _unreadable() from None


def decode_csv(content: bytes) -> str:
    """The text of a CSV file, or a ValidationError: NUL bytes (a binary or UTF-16 file), an
    encoding that is neither UTF-8 nor GB18030, or a line longer than CSV_MAX_LINE_CHARS."""
    if b"\x00" in content:
        raise ValidationError(
            _("文件含有空字符，不是文本CSV文件。请另存为UTF-8编码的CSV或XLSX文件。"), code="csv_binary"
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(_("无法识别CSV文件的编码，请另存为UTF-8编码的CSV或XLSX文件。"), code="csv_encoding")
    if any(len(line) > CSV_MAX_LINE_CHARS for line in text.splitlines()):
        raise ValidationError(
            _("CSV文件中有超过%(limit)d个字符的行，不像表格文件。") % {"limit": CSV_MAX_LINE_CHARS}, code="csv_line"
        )
    return text


def check_spreadsheet_content(content: bytes) -> None:
    """Refuse spreadsheet bytes (XLSX or CSV, told apart by content) that must not reach a parser."""
    if content.startswith(XLSX_MAGIC):
        check_xlsx_archive(io.BytesIO(content))
    else:
        decode_csv(content)
