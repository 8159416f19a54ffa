"""Uploads and imports against hostile files: names never trusted, XLSX bombs and malformed files
refused with a clear message, counts limited, and the antivirus hook (UPLOAD_SCANNERS)."""

import io
import zipfile
from pathlib import Path

import openpyxl.xml
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from registry.enums import ApplicationKind, MaterialKind, Role
from registry.models import Material, Organization
from registry.services.annual_report_import import import_annual_report_results
from registry.services.applications import attach_material, start_application
from registry.spreadsheet_files import MAX_COLUMNS, check_spreadsheet_content, iter_sheet_rows, open_workbook
from registry.spreadsheets import _text
from registry.uploads import check_upload, display_name
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
# The antivirus test file: every scanner reports it, and it harms nothing.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
IMPORT_HEADER = "名称,类型,街道,统一社会信用代码\n"


def refuse_eicar(file) -> None:
    """A stand-in antivirus for UPLOAD_SCANNERS."""
    if EICAR in file.read():
        raise ValidationError("文件含有病毒（EICAR测试文件），已拒绝。")


def broken_scanner(file) -> None:
    raise ConnectionRefusedError("clamd is not running")


def workbook_bytes(rows=(("统一社会信用代码", "报告年度", "检查结果", "结果说明"),)) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(list(row))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def rebuilt(content: bytes, *, add=(), replace=None) -> bytes:
    """A copy of the XLSX `content` with members added (name, bytes; stored uncompressed, so that
    the test scanner sees them) or replaced."""
    replace = replace or {}
    output = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member.filename, replace.get(member.filename, source.read(member)))
        for name, data in add:
            target.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return output.getvalue()


def bomb(size: int) -> bytes:
    """A few kilobytes that declare a worksheet of `size` bytes of one repeated character."""
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(size // len(chunk)):
                member.write(chunk)
    return output.getvalue()


def xlsx_upload(content: bytes, name: str = "结果.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def stored_files() -> list[Path]:
    return [path for path in Path(settings.PRIVATE_MEDIA_ROOT).rglob("*") if path.is_file()]


@pytest.fixture
def application(tree):
    return start_application(
        applicant=UserFactory(username="applicant"),
        kind=ApplicationKind.FILING,
        street=tree.zhanshan,
        proposed={"name": "盐城路社区读书会"},
    )


def attach(application, name: str, content: bytes = PDF, kind=MaterialKind.CHARTER) -> Material:
    return attach_material(
        application=application, actor=application.applicant, kind=kind, upload=SimpleUploadedFile(name, content)
    )


# --- File names ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("章程.pdf", "章程.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\张敏\\Desktop\\章程.pdf", "章程.pdf"),
        ("章程\x00.exe.pdf", "章程.exe.pdf"),
        ("发票\u202efdp.exe", "发票fdp.exe"),  # shown as 发票exe.pdf without the override's removal
        ("a\r\nb.pdf", "ab.pdf"),
        ("零\u200b宽.pdf", "零宽.pdf"),
        ("  ..  ", "file"),
        ("", "file"),
        ("长" * 300 + ".pdf", "长" * 96 + ".pdf"),
    ],
)
def test_display_names_keep_only_a_clean_last_part_of_limited_length(name, expected):
    assert display_name(name) == expected
    assert len(display_name(name)) <= 100


def test_a_hostile_name_is_stored_only_as_a_clean_display_name(application):
    material = attach(application, "..\\..\\章程\u202e\r\n.pdf")
    assert material.original_name == "章程.pdf"
    assert material.file.name.startswith("materials/") and "章程" not in material.file.name
    assert Path(material.file.path).parent == Path(settings.PRIVATE_MEDIA_ROOT) / "materials"


def download(client, material):
    client.force_login(material.application.applicant)
    return client.get(reverse("material_download", args=[material.pk]))


def test_a_chinese_name_is_downloaded_with_an_rfc_5987_filename(client, application):
    response = download(client, attach(application, "章程 2026.pdf"))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E7%AB%A0%E7%A8%8B%202026.pdf"


def test_a_download_takes_the_extension_of_its_checked_content(client, application):
    response = download(client, attach(application, "report.exe"))
    assert response["Content-Disposition"] == 'attachment; filename="report.exe.pdf"'
    assert response["Content-Type"] == "application/pdf"


def test_a_name_stored_before_names_were_cleaned_still_downloads_safely(client, application):
    material = attach(application, "a.pdf")
    # A line break and a right-to-left override (no NUL: PostgreSQL's text holds none).
    Material.objects.filter(pk=material.pk).update(original_name='x"\r\nSet-Cookie: a=b\u202e.pdf')
    response = download(client, material)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="x\\"Set-Cookie: a=b.pdf"'
    assert "Set-Cookie" not in {key for key, _value in response.items()}


# --- Count limits ----------------------------------------------------------------------------------


def test_files_per_material_type_are_limited(application, settings):
    settings.UPLOAD_MAX_FILES_PER_ITEM = 2
    attach(application, "a.pdf")
    attach(application, "b.pdf")
    before = stored_files()
    with pytest.raises(ValidationError, match="每类材料最多上传2个文件"):
        attach(application, "c.pdf")
    assert stored_files() == before
    attach(application, "d.pdf", kind=MaterialKind.OTHER)  # another type has its own count
    assert application.materials.count() == 3


def test_a_request_with_too_many_files_is_refused_before_any_view(client, settings):
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 10
    files = {f"file{index}": SimpleUploadedFile(f"{index}.pdf", PDF) for index in range(11)}
    assert client.post("/", files).status_code == 400


# --- XLSX bombs, macros and malformed files --------------------------------------------------------


def test_openpyxl_parses_with_defusedxml():
    assert openpyxl.xml.DEFUSEDXML


def test_a_sound_workbook_passes_the_inspection():
    check_upload(xlsx_upload(workbook_bytes()))


def test_a_zip_bomb_is_refused_before_it_is_unpacked(settings):
    content = bomb(60 * 1024 * 1024)
    assert len(content) < 200 * 1024
    with pytest.raises(ValidationError, match="解压后过大（60 MB，上限50 MB）"):
        check_upload(xlsx_upload(content))
    with pytest.raises(ValidationError, match="解压后过大"):
        import_annual_report_results(upload=xlsx_upload(content), actor=None)


def test_an_absurd_compression_ratio_is_refused_below_the_size_limit():
    with pytest.raises(ValidationError, match="压缩比异常"):
        check_upload(xlsx_upload(bomb(20 * 1024 * 1024)))


def test_too_many_members_are_refused(settings):
    content = rebuilt(workbook_bytes(), add=[(f"xl/media/image{index}.png", b"x") for index in range(600)])
    with pytest.raises(ValidationError, match="部件过多（609个）"):
        check_upload(xlsx_upload(content))


@pytest.mark.parametrize(
    "extra",
    [
        [("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 a macro project")],  # an .xlsm renamed .xlsx
        [("xl/externalLinks/externalLink1.xml", b"<externalLink/>")],
        [("xl/activeX/activeX1.xml", b"<ax/>")],
    ],
)
def test_macros_active_controls_and_external_links_are_refused(extra):
    content = rebuilt(workbook_bytes(), add=extra)
    with pytest.raises(ValidationError, match="含有宏、ActiveX控件或外部链接"):
        check_upload(xlsx_upload(content, "名单.xlsx"))


def test_a_macro_enabled_content_type_is_refused():
    content = workbook_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        types = archive.read("[Content_Types].xml")
    types = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert b"macroEnabled" in types
    with pytest.raises(ValidationError, match="含有宏"):
        check_upload(xlsx_upload(rebuilt(content, replace={"[Content_Types].xml": types}), "a.xlsm"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "内容不是XLSX文件"),  # truncated: half a real workbook
        (EXE, "内容不是XLSX文件"),  # a renamed executable
        (b"PK\x03\x04" + b"\xff" * 300, "内容不是XLSX文件"),
    ],
)
def test_truncated_or_disguised_workbooks_are_refused_with_a_message(content, message):
    content = content if content is not None else workbook_bytes()[:1500]
    with pytest.raises(ValidationError, match=message):
        import_annual_report_results(upload=xlsx_upload(content), actor=None)


@pytest.mark.parametrize(
    "sheet",
    [
        b"<worksheet><sheetData><row><c",  # XML cut short
        b"not xml at all \xff\xfe",
        # An entity-expansion ("billion laughs") bomb, refused by defusedxml.
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">'
        b'<c r="A1" t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>',
    ],
)
def test_a_malformed_sheet_inside_a_sound_zip_is_one_clear_error(sheet):
    content = rebuilt(workbook_bytes(), replace={"xl/worksheets/sheet1.xml": sheet})
    with pytest.raises(ValidationError) as error:
        import_annual_report_results(upload=xlsx_upload(content), actor=None)
    assert error.value.messages == ["文件不是有效的XLSX表格（可能已损坏或不完整），请用Excel另存后重新上传。"]


def test_rows_beyond_the_import_limit_are_refused_and_columns_are_capped(settings):
    settings.REGISTRY_IMPORT_MAX_ROWS = 3
    rows = [("统一社会信用代码", "报告年度", "检查结果", "结果说明")] + [("x", 2025, "合格", "好")] * 4
    with pytest.raises(ValidationError, match="超过单次导入上限3行"):
        import_annual_report_results(upload=xlsx_upload(workbook_bytes(rows)), actor=None)
    workbook = open_workbook(io.BytesIO(workbook_bytes([tuple(range(MAX_COLUMNS + 50))])))
    assert [len(row) for row in iter_sheet_rows(workbook)] == [MAX_COLUMNS]


# --- CSV -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ((IMPORT_HEADER + "甲,社会团体,湛山街道,\x00\n").encode(), "空字符"),
        ("名称\n甲\n".encode("utf-16"), "空字符"),  # UTF-16, as some tools write: NUL bytes throughout
        (b"\xff\xfe\xfd not text", "无法识别CSV文件的编码"),
        ((IMPORT_HEADER + "甲" * 100_001 + "\n").encode(), "超过100000个字符的行"),
    ],
)
def test_csv_that_is_not_plain_text_is_refused(content, message):
    with pytest.raises(ValidationError, match=message):
        check_spreadsheet_content(content)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_the_encodings_excel_writes_is_accepted(encoding):
    check_spreadsheet_content((IMPORT_HEADER + "盐城路社区读书会,社区社会组织,湛山街道,\n").encode(encoding))


def test_the_import_page_refuses_a_bomb_and_a_binary_csv_with_a_message(client, tree, make_officer):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    url = reverse("registry_import_organizations")
    for name, content, message in [
        ("a.xlsx", bomb(60 * 1024 * 1024), "解压后过大"),
        ("a.xlsx", rebuilt(workbook_bytes(), add=[("xl/vbaProject.bin", b"macro")]), "含有宏"),
        ("a.csv", b"\x00\x01binary", "空字符"),
    ]:
        response = client.post(url, {"file": SimpleUploadedFile(name, content)})
        assert response.status_code == 200
        assert message in response.content.decode(), name
    assert not Organization.objects.exists()


def test_an_exported_formula_guard_is_removed_on_import():
    assert _text('\'=HYPERLINK("http://x")') == '=HYPERLINK("http://x")'
    assert _text("'引号开头") == "'引号开头"


# --- The antivirus hook ----------------------------------------------------------------------------


SCANNER = "tests.registry.test_upload_hardening.refuse_eicar"


def test_without_scanners_configured_nothing_is_scanned(application):
    assert settings.UPLOAD_SCANNERS == []
    attach(application, "a.pdf", PDF + EICAR)


def test_a_scanner_refuses_an_upload_and_nothing_is_stored(application, settings):
    settings.UPLOAD_SCANNERS = [SCANNER]
    before = stored_files()
    with pytest.raises(ValidationError, match="EICAR"):
        attach(application, "a.pdf", PDF + EICAR)
    assert stored_files() == before
    assert not Material.objects.exists()
    assert attach(application, "b.pdf").original_name == "b.pdf"  # a clean file passes


def test_a_failing_scanner_refuses_rather_than_lets_the_file_in(application, settings):
    settings.UPLOAD_SCANNERS = ["tests.registry.test_upload_hardening.broken_scanner"]
    with pytest.raises(ValidationError, match="暂时无法检查上传的文件"):
        attach(application, "a.pdf")
    assert not Material.objects.exists()


def test_a_scanner_refuses_imported_files(client, tree, make_officer, settings):
    settings.UPLOAD_SCANNERS = [SCANNER]
    with pytest.raises(ValidationError, match="EICAR"):
        import_annual_report_results(upload=xlsx_upload(rebuilt(workbook_bytes(), add=[("x.txt", EICAR)])), actor=None)
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    content = (IMPORT_HEADER + "甲,社会团体,湛山街道,").encode() + EICAR
    response = client.post(reverse("registry_import_organizations"), {"file": SimpleUploadedFile("a.csv", content)})
    assert "EICAR" in response.content.decode()
