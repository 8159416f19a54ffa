"""Importing the organizations spreadsheet: a dry run that reports every row, and an
all-or-nothing confirm. Used by the admin import view and `manage.py import_organizations`.

Every row is read and checked in Python against what the file refers to, read beforehand in a few
queries per thousand rows (its streets and communities, the fields of activity, the organizations
holding its codes); then the rows are written together by `save_organizations_in_bulk`, a few
statements per thousand rows. Saving row by row took some 40 queries a row (50 rows a second).
"""

import copy
import io
from dataclasses import dataclass, field
from pathlib import PurePath

import tablib
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import ActivityField, Organization
from ..selectors.units import UnitsByName
from ..services.organizations import (
    BATCH_SIZE,
    OrganizationsOutsideScope,
    outside_scope_error,
    save_organizations_in_bulk,
)
from ..spreadsheet_files import check_spreadsheet_content, decode_csv
from ..spreadsheets import COLUMNS, REQUIRED_COLUMNS, OrganizationResource
from ..uploads import scan_upload

XLSX_MAGIC = b"PK\x03\x04"
# Column name for each model field, to name the column in a row's error messages.
COLUMN_OF_FIELD = {**COLUMNS, NON_FIELD_ERRORS: ""}
SOURCE = "表格导入"  # the history's record of where a change came from
# Foreign keys whose existence needs no query per row: the street and community were found among
# the file's units, and the registration authority is the one stored.
LOOKED_UP = ("street", "community", "registration_authority")


class ImportFileError(Exception):
    """The file as a whole cannot be read; nothing was imported."""


@dataclass
class RowReport:
    number: int  # the spreadsheet's row number, the header being row 1
    status: str  # new, update, skip, invalid, error (an unforeseen failure; the row is not written)
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


def check_import_file(content: bytes, filename: str) -> None:
    """Refuse, before any parser opens it, a file too large or empty, one no parser should open (a
    ZIP bomb, macros, a binary or undecodable "CSV") and one a scanner of UPLOAD_SCANNERS refuses."""
    if len(content) > settings.REGISTRY_IMPORT_MAX_BYTES:
        raise ImportFileError(
            _("文件过大（上限%(limit)d MB）。") % {"limit": settings.REGISTRY_IMPORT_MAX_BYTES // (1024 * 1024)}
        )
    if not content.strip():
        raise ImportFileError(_("文件是空的。"))
    try:
        check_spreadsheet_content(content)
        scan_upload(ContentFile(content, name=PurePath(filename).name))
    except ValidationError as error:
        raise ImportFileError("".join(error.messages)) from None


def read_spreadsheet(content: bytes, filename: str) -> tablib.Dataset:
    """Read an XLSX or CSV file (decided by content, not by the name) into a dataset."""
    check_import_file(content, filename)
    is_xlsx = content.startswith(XLSX_MAGIC)
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xlsx" and not is_xlsx:
        raise ImportFileError(_("文件扩展名为.xlsx，但内容不是XLSX表格。"))
    try:
        if is_xlsx:
            dataset = tablib.Dataset().load(io.BytesIO(content), format="xlsx")
        else:
            dataset = tablib.Dataset().load(io.StringIO(decode_csv(content)), format="csv")
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


class _Rows:
    """Checks a file's rows one by one against what the file refers to, read once."""

    def __init__(self, rows: list[dict]):
        self.rows = rows
        self.resource = OrganizationResource()
        self.units = UnitsByName(
            str(row.get(COLUMNS[level]) or "").strip() for row in rows for level in ("street", "community")
        )
        self.activity_fields = {field.code: field for field in ActivityField.objects.all()}
        self.identifiers = [self.resource.identifiers(row) for row in rows]
        self.holders = self._holders(self.identifiers)
        self.seen: dict[tuple[str, str], int] = {}

    @staticmethod
    def _holders(identifiers: list[dict[str, str]]) -> dict[tuple[str, str], Organization]:
        """The stored organizations holding the file's codes, by (field, code)."""
        stored = (
            Organization.objects.select_related(*LOOKED_UP)
            .select_for_update(of=("self",))
            .prefetch_related("activity_fields")
        )
        holders = {}
        for name in ("uscc", "filing_number"):
            codes = sorted({row[name] for row in identifiers if row[name]})
            for start in range(0, len(codes), BATCH_SIZE):
                for organization in stored.filter(**{f"{name}__in": codes[start : start + BATCH_SIZE]}):
                    holders[name, getattr(organization, name)] = organization
        return holders

    def check(self, index: int) -> tuple[str, Organization, Organization | None, list | None]:
        """The status (new, update or skip) of the row at `index`, the row as an organization (a
        copy of the stored one it updates, or a new one), the stored one, and its fields of activity
        (None without that column). Raises ValidationError with every error of the row."""
        row, identifiers, number = self.rows[index], self.identifiers[index], index + 2
        for name, code in identifiers.items():  # the same code twice in the file
            if code and (name, code) in self.seen:
                raise ValidationError({name: _("与文件第%(row)d行重复。") % {"row": self.seen[name, code]}})
            if code:
                self.seen[name, code] = number
        # Rows are matched on their credit code or, for community groups, their filing number.
        key = "uscc" if identifiers["uscc"] else "filing_number"
        stored = self.holders.get((key, identifiers[key]))
        organization = copy.copy(stored) if stored else Organization()
        activity, errors = self.resource.read_row(
            row, organization, units=self.units, activity_fields=self.activity_fields
        )
        if stored and not errors and self.resource.unchanged(organization, stored, activity, row):
            return "skip", organization, stored, activity
        try:
            self._validate(organization, exclude=set(errors))
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)
        return ("update" if stored else "new"), organization, stored, activity

    def _validate(self, organization: Organization, *, exclude: set[str]) -> None:
        """Organization.full_clean() without its queries per row: the foreign keys' existence (see
        LOOKED_UP) and the uniqueness of the codes (against the stored holders read beforehand).
        The check constraints are implied by clean(), and the database enforces them anyway."""
        errors = {}
        try:
            organization.clean_fields(exclude={*exclude, *LOOKED_UP})
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        try:
            organization.clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        meta = Organization._meta
        for name in LOOKED_UP:
            model_field = meta.get_field(name)
            if name not in exclude and getattr(organization, model_field.attname) is None and not model_field.null:
                errors.setdefault(name, []).append(ValidationError(model_field.error_messages["null"], code="null"))
        for name in ("uscc", "filing_number"):
            holder = self.holders.get((name, getattr(organization, name)))
            if name not in errors and name not in exclude and holder and holder.pk != organization.pk:
                errors[name] = [ValidationError(meta.get_field(name).error_messages["unique"], code="unique")]
        if errors:
            raise ValidationError(errors)


def import_organizations(*, content: bytes, filename: str, actor, dry_run: bool) -> ImportReport:
    """Check every row; unless `dry_run`, write all of them, or none if any row has an error.

    Raises ImportFileError when the file itself is unreadable.
    """
    dataset = read_spreadsheet(content, filename)
    rows = [dict(zip(dataset.headers, values, strict=False)) for values in dataset]
    # One transaction: the stored organizations the file updates stay locked from their reading
    # (their history compares against it) to the write.
    with transaction.atomic():
        checker = _Rows(rows)
        reports, new, changed = [], [], []
        report_of: dict[int, RowReport] = {}  # by id() of the organization written
        for index, row in enumerate(rows):
            report = RowReport(
                number=index + 2,  # the header is row 1
                status="",
                identifier=str(row.get(COLUMNS["uscc"]) or row.get(COLUMNS["filing_number"]) or "").strip(),
                name=str(row.get(COLUMNS["name"]) or "").strip(),
            )
            reports.append(report)
            try:
                report.status, organization, stored, activity = checker.check(index)
            except ValidationError as error:
                report.status, report.errors = "invalid", _messages(error)
                continue
            except Exception as error:  # a failure nobody foresaw stays this row's, not the whole page's
                report.status, report.errors = "error", [_("无法导入此行：%(error)s") % {"error": error}]
                continue
            if report.status == "new":
                new.append((organization, activity or []))
            elif report.status == "update":
                changed.append((organization, stored, activity))
            report_of[id(organization)] = report
        import_report = ImportReport(rows=reports, committed=False)
        # Written even when some rows are wrong (then rolled back), so that the preview also tells
        # the rows the importing officer may not write.
        try:
            save_organizations_in_bulk(new=new, changed=changed, actor=actor, source=SOURCE)
        except OrganizationsOutsideScope as refusal:
            for organization in refusal.organizations:
                report = report_of[id(organization)]
                report.status, report.errors = "invalid", _messages(outside_scope_error())
        except IntegrityError as error:  # e.g. someone registered one of the codes meanwhile
            failure = _("无法写入：%(error)s。请重新导入。") % {"error": error}
            reports.insert(0, RowReport(number=0, status="error", identifier="", name="", errors=[failure]))
        import_report.committed = not dry_run and not import_report.has_errors
        transaction.set_rollback(not import_report.committed)
        return import_report
