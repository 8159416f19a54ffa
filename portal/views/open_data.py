"""Open data: the public directory as CSV, XLSX and JSON, streamed so that memory stays flat
however many organizations there are, and a page that documents each field."""

import csv
import json
import tempfile

from django.http import FileResponse, StreamingHttpResponse
from django.template.response import TemplateResponse
from openpyxl import Workbook

from registry.selectors.public import PUBLIC_FIELDS, display_row, iter_public_records
from registry.spreadsheet_cells import safe_row

FILENAME = "shinan-social-organizations"


class _Echo:
    """A file-like object whose write() hands the line back, for csv.writer in a generator."""

    def write(self, value):
        return value


def _headers() -> list[str]:
    return [str(label) for _key, label in PUBLIC_FIELDS]


def organizations_csv(request):
    def rows():
        writer = csv.writer(_Echo())
        yield "\ufeff"  # lets Excel read the UTF-8 file's Chinese
        yield writer.writerow(_headers())
        for record in iter_public_records():
            yield writer.writerow(safe_row(display_row(record)))

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}.csv"'
    return response


def organizations_json(request):
    def chunks():
        yield "["
        for index, record in enumerate(iter_public_records()):
            yield ("," if index else "") + json.dumps(record, ensure_ascii=False)
        yield "]"

    return StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")


def organizations_xlsx(request):
    # A write-only workbook keeps rows in a temporary file, not in memory.
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="社会组织")
    sheet.append(_headers())
    for record in iter_public_records():
        sheet.append(safe_row(display_row(record)))
    output = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes (and so deletes) it
    workbook.save(output)
    output.seek(0)
    return FileResponse(
        output,
        as_attachment=True,
        filename=f"{FILENAME}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def open_data_index(request):
    return TemplateResponse(request, "portal/open_data.html", {"fields": PUBLIC_FIELDS})
