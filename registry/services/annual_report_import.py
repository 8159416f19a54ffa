"""Importing annual-report results from the spreadsheet a bureau keeps (DESIGN.md section 7).

Every row is checked first and its problems reported by row number; the results are set only when
every row is valid, all in one transaction (all or nothing), each through `set_annual_report_result`
so that an imported result is checked, recorded and notified like one set by hand.
"""

import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from ..enums import AnnualReportResult
from ..models import AnnualReport
from ..selectors.organizations import manageable_organizations_for_user
from ..spreadsheet_files import iter_sheet_rows, open_workbook
from ..spreadsheets import COLUMNS as ORGANIZATION_COLUMNS
from ..spreadsheets import ChoiceWidget, CodeWidget, TextWidget
from ..uploads import XLSX_TYPE, check_upload
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
class ResultRow:
    number: int  # the spreadsheet's row number, the header being row 1
    uscc: str
    year: str  # as written (the checked year is `report.year`)
    result: str
    reason: str
    report: AnnualReport | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ResultImport:
    rows: list[ResultRow]
    applied: bool

    @property
    def rows_with_errors(self) -> list[ResultRow]:
        return [row for row in self.rows if row.errors]


def _parse_year(text: str) -> int | None:
    """A year written 2025, 2025.0 (a number cell), 2025年 or 2025年度."""
    text = text.removesuffix("年度").removesuffix("年").removesuffix(".0")
    return int(text) if text.isascii() and text.isdigit() and len(text) == 4 else None


def _read_rows(upload) -> list[ResultRow]:
    """The data rows of the workbook's first sheet, by header; blank rows are skipped."""
    workbook = open_workbook(upload)
    try:
        lines = iter_sheet_rows(workbook)
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
        workbook.close()  # a read-only workbook keeps its file open until closed
    if not rows:
        raise ValidationError(_("表格中没有数据行。"))
    return rows


def _check_cells(row: ResultRow) -> int | None:
    """Check the row's own cells (the result becomes its code); the row's year when valid."""
    if not row.uscc:
        row.errors.append(_("%(column)s：请填写。") % {"column": COLUMNS["uscc"]})
    row.uscc = _code(row.uscc) or ""
    year = _parse_year(row.year)
    if year is None:
        row.errors.append(
            _("%(column)s：“%(value)s”不是年份，请写成如2025。") % {"column": COLUMNS["year"], "value": row.year}
        )
    if not row.result:
        row.errors.append(_("%(column)s：请填写合格、基本合格或不合格。") % {"column": COLUMNS["result"]})
    else:
        try:
            row.result = _result(row.result)
        except ValueError as error:
            row.errors.append(f"{COLUMNS['result']}：{error}")
    if not row.reason:
        row.errors.append(_("%(column)s：请填写。") % {"column": COLUMNS["reason"]})
    return year


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
        )
    }
    first_row: dict[tuple[str, int], int] = {}
    for row in rows:
        year = years[row.number]
        if not row.uscc:
            continue
        if row.uscc not in organizations:
            row.errors.append(_("未找到统一社会信用代码为“%(code)s”的组织。") % {"code": row.uscc})
            continue
        if year is None:
            continue
        if (row.uscc, year) in first_row:
            row.errors.append(
                _("与第%(row)d行重复：同一组织同一年度只能有一行。") % {"row": first_row[(row.uscc, year)]}
            )
            continue
        first_row[(row.uscc, year)] = row.number
        row.report = reports.get((organizations[row.uscc], year))
        if row.report is None:
            row.errors.append(_("该组织没有%(year)d年度的年度报告。") % {"year": year})


def import_annual_report_results(*, upload, actor) -> ResultImport:
    """Set the results of an uploaded XLSX (checked by content): all rows, or none when any row has
    an error. Raises ValidationError when the file as a whole cannot be used."""
    check_upload(upload, allowed=(XLSX_TYPE,))
    rows = _read_rows(upload)
    check_result_rows(rows, actor=actor)
    if any(row.errors for row in rows):
        return ResultImport(rows=rows, applied=False)
    current = None
    try:
        with transaction.atomic():
            for current in rows:
                set_annual_report_result(
                    report=current.report, actor=actor, result=current.result, reason=current.reason
                )
    except (PermissionDenied, ValidationError) as error:
        # Checked above, so only a change made meanwhile lands here; the transaction set nothing.
        messages = error.messages if isinstance(error, ValidationError) else [str(error)]
        current.errors.extend(messages)
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
