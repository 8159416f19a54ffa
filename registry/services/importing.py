"""Importing the organizations spreadsheet: a dry run that reports every row, and an
all-or-nothing confirm. Used by the admin import view and `manage.py import_organizations`."""

import io
from dataclasses import dataclass, field
from pathlib import PurePath

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext as _
from import_export.results import RowResult

from ..spreadsheets import COLUMNS, REQUIRED_COLUMNS, OrganizationResource

XLSX_MAGIC = b"PK\x03\x04"
# Column name for each model field, to name the column in a row's error messages.
COLUMN_OF_FIELD = {**COLUMNS, NON_FIELD_ERRORS: ""}


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class RowReport:
    number: int  # the spreadsheet's row number, the header being row 1
    status: str  # new, update, skip, invalid, error
    identifier: str
    name: str
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowReport]
    committed: bool

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def _decode_csv(content: bytes) -> str:
    # Bureaus' CSV files come from Excel: UTF-8 with a byte-order mark, or GB18030 (GBK).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(_("无法识别CSV文件的编码，请另存为UTF-8编码的CSV或XLSX文件。"))


def read_spreadsheet(content: bytes, filename: str) -> tablib.Dataset:
    """Read an XLSX or CSV file (decided by content, not by the name) into a dataset."""
    if len(content) > settings.REGISTRY_IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("文件过大（上限%(limit)d MB）。") % {"limit": settings.REGISTRY_IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise ImportFileError(_("文件是空的。"))
    is_xlsx = content.startswith(XLSX_MAGIC)
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx" and not is_xlsx:
        raise ImportFileError(_("文件扩展名为.xlsx，但内容不是XLSX表格。"))
    try:
        if is_xlsx:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        else:
            text = _decode_csv(content)
            if "\x00" in text:
                raise ImportFileError(_("文件不是CSV或XLSX表格。"))
            dataset = tablib.Dataset().load(io.StringIO(text), format="csv")
    except ImportFileError:
        raise
    except Exception as error:  # parsers of malformed files fail in many ways; each is "unreadable"
        raise ImportFileError(_("无法读取表格文件：%(error)s") % {"error": error}) from error
    _check_headers(dataset)
    if dataset.height > settings.REGISTRY_IMPORT_MAX_ROWS:
        raise ImportFileError(
            _("表格共%(rows)d行，超过单次导入上限%(limit)d行，请分批导入。")
            % {"rows": dataset.height, "limit": settings.REGISTRY_IMPORT_MAX_ROWS}
        )
    return dataset


def _check_headers(dataset: tablib.Dataset) -> None:
    headers = [str(header or "").strip() for header in (dataset.headers or [])]
    dataset.headers = headers
    missing = [column for column in REQUIRED_COLUMNS if column not in headers]
    if missing:
        raise ImportFileError(
            _("表头缺少必需的列：%(missing)s。表头应为：%(expected)s。")
            % {"missing": "、".join(missing), "expected": "、".join(COLUMNS.values())}
        )
    if not any(column in headers for column in (COLUMNS["uscc"], COLUMNS["filing_number"])):
        raise ImportFileError(_("表头须有“统一社会信用代码”或“备案编号”列。"))


def _messages(error: ValidationError) -> list[str]:
    messages = []
    for field_name, field_errors in error.message_dict.items():
        column = COLUMN_OF_FIELD.get(field_name, field_name)
        for message in field_errors:
            messages.append(f"{column}：{message}" if column else message)
    return messages


def _row_report(number: int, row_result: RowResult, row: dict) -> RowReport:
    identifier = str(row.get(COLUMNS["uscc"]) or row.get(COLUMNS["filing_number"]) or "").strip()
    errors = []
    if row_result.import_type == RowResult.IMPORT_TYPE_INVALID:
        errors = _messages(row_result.validation_error)
    elif row_result.import_type == RowResult.IMPORT_TYPE_ERROR:
        errors = [_("无法导入此行：%(error)s") % {"error": e.error} for e in row_result.errors]
    return RowReport(
        number=number,
        status=row_result.import_type,
        identifier=identifier,
        name=str(row.get(COLUMNS["name"]) or "").strip(),
        errors=errors,
    )


def import_organizations(*, content: bytes, filename: str, actor, dry_run: bool) -> ImportReport:
    """Check every row; unless `dry_run`, write all of them, or none if any row has an error.

    Raises ImportFileError when the file itself is unreadable.
    """
    dataset = read_spreadsheet(content, filename)
    resource = OrganizationResource(actor=actor)
    result = resource.import_data(
        dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True, raise_errors=False
    )
    rows = [
        _row_report(index + 2, row_result, dict(zip(dataset.headers, dataset[index], strict=False)))
        for index, row_result in enumerate(result.rows)
    ]
    if result.base_errors:
        errors = [str(e.error) for e in result.base_errors]
        rows.insert(0, RowReport(number=0, status="error", identifier="", name="", errors=errors))
    report = ImportReport(rows=rows, committed=False)
    report.committed = not dry_run and not report.has_errors
    return report
