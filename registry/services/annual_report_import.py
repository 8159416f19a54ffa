"""Importing annual-report results from the spreadsheet a bureau keeps, XLSX or CSV (DESIGN.md
section 7): a dry run that lists every row's errors by row number and column, then a confirm
that sets every row's result in one transaction, or none when any row has an error. Each result
goes through `set_annual_report_result`, so that an imported result is checked, recorded and
notified like one set by hand; only submitted reports take a result.
"""

import csv
import io
from dataclasses import dataclass, field
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ..enums import AnnualReportResult, AnnualReportState
from ..models import AnnualReport
from ..selectors.organizations import manageable_organizations_for_user
from ..spreadsheet_files import MAX_COLUMNS, XLSX_MAGIC, decode_csv, iter_sheet_rows, open_workbook
from ..spreadsheets import COLUMNS as ORGANIZATION_COLUMNS
from ..spreadsheets import ChoiceWidget, CodeWidget, TextWidget
from ..uploads import XLSX_TYPE, check_upload, detect_type, display_name, scan_upload
from .annual_reports import set_annual_report_result

COLUMNS = {
    "uscc": ORGANIZATION_COLUMNS["uscc"],
    "year": "报告年度",
    "result": "检查结果",
    "reason": "结果说明",
}
TEMPLATE_ROWS = 1000  # rows of the template that offer the list of results

_text = TextWidget().clean
_code = CodeWidget(is_uscc=True).clean
_result = ChoiceWidget(AnnualReportResult, what=gettext_lazy("检查结果")).clean


@dataclass
class RowError:
    column: str  # the column's header, or "" when the error is about the row as a whole
    message: str

    def __str__(self):
        return f"{self.column}：{self.message}" if self.column else self.message


@dataclass
class ResultRow:
    number: int  # the spreadsheet's row number, the header being row 1
    uscc: str
    year: str  # as written (the checked year is `report.year`)
    result: str
    reason: str
    report: AnnualReport | None = None
    errors: list[RowError] = field(default_factory=list)

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(COLUMNS.get(key, ""), message))

    @property
    def result_label(self) -> str:
        return AnnualReportResult(self.result).label if self.result in AnnualReportResult.values else self.result


@dataclass
class ResultImport:
    rows: list[ResultRow]
    applied: bool

    @property
    def rows_with_errors(self) -> list[ResultRow]:
        return [row for row in self.rows if row.errors]

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)


def _parse_year(text: str) -> int | None:
    """A year written 2025, 2025.0 (a number cell), 2025年 or 2025年度."""
    text = text.removesuffix("年度").removesuffix("年").removesuffix(".0")
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _not_a_spreadsheet(upload) -> ValidationError:
    return ValidationError(
        _("文件“%(name)s”的内容不是XLSX或CSV表格，不能导入。") % {"name": display_name(upload.name)},
        code="file_type",
    )


def _csv_lines(upload):
    """The rows of a CSV upload, once it is known to be text (UTF-8 or GB18030) and scanned."""
    limit = settings.REGISTRY_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大（%(size).1f MB），上限为 %(limit)d MB。")
            % {"name": display_name(upload.name), "size": upload.size / 1024 / 1024, "limit": limit // (1024 * 1024)},
            code="file_too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空的。") % {"name": display_name(upload.name)}, code="file_empty")
    if detect_type(upload) is not None:  # a PDF or an image named .csv
        raise _not_a_spreadsheet(upload)
    upload.seek(0)
    text = decode_csv(upload.read())
    scan_upload(upload)
    try:
        return [line[:MAX_COLUMNS] for line in csv.reader(io.StringIO(text))]
    except csv.Error as error:
        raise ValidationError(_("无法读取CSV文件：%(error)s") % {"error": error}, code="csv_invalid") from None


def _lines(upload):
    """The rows of the upload's first sheet (XLSX) or of the file (CSV), told apart by content: a
    file named .xlsx must hold a workbook. A ValidationError when the file cannot be used."""
    upload.seek(0)
    head = upload.read(len(XLSX_MAGIC))
    upload.seek(0)
    if head == XLSX_MAGIC or PurePath(upload.name or "").suffix.lower() == ".xlsx":
        check_upload(upload, allowed=(XLSX_TYPE,))
        workbook = open_workbook(upload)
        try:
            yield from iter_sheet_rows(workbook)
        finally:
            workbook.close()  # a read-only workbook keeps its file open until closed
    else:
        yield from _csv_lines(upload)


def _read_rows(upload) -> list[ResultRow]:
    """The data rows of the file, by header; blank rows are skipped."""
    lines = _lines(upload)
    try:
        headers = [_text(header) for header in next(lines, ())]
        missing = [column for column in COLUMNS.values() if column not in headers]
        if missing:
            raise ValidationError(
                _("表头缺少必需的列：%(missing)s。表头应为：%(expected)s。")
                % {"missing": "、".join(missing), "expected": "、".join(COLUMNS.values())}
            )
        position = {key: headers.index(column) for key, column in COLUMNS.items()}
        rows = []
        for number, line in enumerate(lines, start=2):
            values = {key: _text(line[index]) if index < len(line) else "" for key, index in position.items()}
            if not any(values.values()):
                continue
            if len(rows) == settings.REGISTRY_IMPORT_MAX_ROWS:
                raise ValidationError(
                    _("表格超过单次导入上限%(limit)d行，请分批导入。") % {"limit": settings.REGISTRY_IMPORT_MAX_ROWS}
                )
            rows.append(ResultRow(number=number, **values))
    finally:
        lines.close()
    if not rows:
        raise ValidationError(_("表格中没有数据行。"))
    return rows


def _check_cells(row: ResultRow) -> int | None:
    """Check the row's own cells (the result becomes its code); the row's year when valid."""
    if not row.uscc:
        row.error("uscc", _("请填写。"))
    row.uscc = _code(row.uscc) or ""
    year = _parse_year(row.year)
    if year is None:
        row.error("year", _("“%(value)s”不是年份，请写成如2025。") % {"value": row.year})
    if not row.result:
        row.error("result", _("请填写合格、基本合格或不合格。"))
    else:
        try:
            row.result = _result(row.result)
        except ValueError as error:
            row.error("result", str(error))
    if not row.reason:
        row.error("reason", _("请填写。"))
    return year


def _check_report(row: ResultRow, year: int) -> None:
    """Only a submitted report takes a result: say which step a report not ready stands at."""
    report, facts = row.report, {"year": year}
    if report is None:
        row.error("year", _("该组织没有%(year)d年度的年度报告。") % facts)
    elif report.state == AnnualReportState.DRAFT:
        row.error("year", _("该组织%(year)d年度的年度报告还是草稿，尚未报送，不能设置检查结果。") % facts)
    elif report.state == AnnualReportState.RETURNED:
        row.error("year", _("该组织%(year)d年度的年度报告已退回补正，尚未重新报送，不能设置检查结果。") % facts)
    elif report.state == AnnualReportState.CHECKED:
        facts["result"] = report.get_result_display()
        row.error("year", _("该组织%(year)d年度的年度报告已有检查结果（%(result)s），不能再次设置。") % facts)


def check_result_rows(rows: list[ResultRow], *, actor) -> None:
    """Record each row's errors and attach its report, in a few queries whatever the number of rows.
    Organizations the actor may not decide on are reported exactly as unknown codes, so that the
    file reveals nothing outside the actor's scope."""
    years = {row.number: _check_cells(row) for row in rows}
    organizations = dict(
        manageable_organizations_for_user(actor)
        .filter(uscc__in={row.uscc for row in rows if row.uscc})
        .order_by()
        .values_list("uscc", "pk")
    )
    reports = {
        (report.organization_id, report.year): report
        for report in AnnualReport.objects.filter(
            organization__in=organizations.values(), year__in={year for year in years.values() if year}
        ).select_related("organization")
    }
    first_row: dict[tuple[str, int], int] = {}
    for row in rows:
        year = years[row.number]
        if not row.uscc:
            continue
        if row.uscc not in organizations:
            row.error("uscc", _("未找到统一社会信用代码为“%(code)s”的组织。") % {"code": row.uscc})
            continue
        if year is None:
            continue
        if (row.uscc, year) in first_row:
            row.errors.append(
                RowError(
                    "", _("与第%(row)d行重复：同一组织同一年度只能有一行。") % {"row": first_row[(row.uscc, year)]}
                )
            )
            continue
        first_row[(row.uscc, year)] = row.number
        row.report = reports.get((organizations[row.uscc], year))
        _check_report(row, year)


def import_annual_report_results(*, upload, actor, dry_run: bool = False) -> ResultImport:
    """Check every row of an uploaded XLSX or CSV (checked by content); unless `dry_run`, set the
    results of all rows in one transaction, or of none when any row has an error. Raises
    ValidationError when the file as a whole cannot be used."""
    rows = _read_rows(upload)
    check_result_rows(rows, actor=actor)
    if dry_run or any(row.errors for row in rows):
        return ResultImport(rows=rows, applied=False)
    current = None
    try:
        with transaction.atomic():
            for current in rows:
                set_annual_report_result(
                    report=current.report, actor=actor, result=current.result, reason=current.reason
                )
    except (PermissionDenied, ValidationError) as error:
        # Checked above, so only a change made meanwhile (a report returned, a result set by
        # hand) lands here; the transaction set nothing.
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        current.errors.extend(RowError("", message) for message in messages)
        return ResultImport(rows=rows, applied=False)
    return ResultImport(rows=rows, applied=True)


def results_template() -> bytes:
    """An empty results workbook with the expected headers, offering the three results as a list."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "年度报告检查结果"
    sheet.append(list(COLUMNS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (24, 12, 14, 48), strict=True):
        sheet.column_dimensions[letter].width = width
    with translation.override("zh-hans"):
        labels = [str(label) for label in AnnualReportResult.labels]
    choices = DataValidation(type="list", formula1=f'"{",".join(labels)}"', allow_blank=True)
    choices.add(f"C2:C{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(choices)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
