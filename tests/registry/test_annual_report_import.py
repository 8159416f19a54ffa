"""Importing annual-report results: every row checked and its errors reported by row number in
Chinese, nothing set unless every row is valid, organizations outside the officer's scope treated
as unknown, files checked by content, and the template to fill in."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from registry.enums import AnnualReportResult, Role, UnitLevel
from registry.models import AnnualReport
from registry.services.annual_report_import import COLUMNS, import_annual_report_results
from registry.services.annual_reports import submit_annual_report
from registry.services.roles import link_organization_account
from registry.services.units import add_unit
from tests.factories import UserFactory, create_org, make_uscc

pytestmark = pytest.mark.django_db

HEADERS = list(COLUMNS.values())
FACTS = {
    "income": Decimal("120000.00"),
    "expenditure": Decimal("98000.50"),
    "net_assets": Decimal("56000.00"),
    "staff": 3,
    "volunteers": 40,
    "activities": "开展社区书画培训12次。",
}


def filed(org, year: int) -> AnnualReport:
    user = UserFactory()
    link_organization_account(user=user, organization=org)
    return submit_annual_report(organization=org, actor=user, year=year, **FACTS)


def as_xlsx(rows, headers=HEADERS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for values in rows:
        sheet.append(values)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def upload(content: bytes, name: str = "results.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def errors_of(outcome, number: int) -> str:
    return " ".join(next(row for row in outcome.rows if row.number == number).errors)


@pytest.fixture
def officer(make_officer, tree):
    return make_officer(Role.DISTRICT_OFFICER, tree.district)


@pytest.fixture
def society(tree):
    return create_org(street=tree.zhanshan, name="湛山书画研究会")


@pytest.fixture
def club(tree):
    return create_org(street=tree.badaguan, name="八大关摄影协会")


@pytest.fixture
def elsewhere(tree):
    """An organization of another district, registered there: outside the district officer's scope."""
    district = add_unit(parent=tree.city, code="370203", name="市北区", level=UnitLevel.DISTRICT)
    street = add_unit(parent=district, code="370203001", name="辽宁路街道", level=UnitLevel.STREET)
    return create_org(street=street, name="市北区书法协会", registration_authority=district)


def test_valid_rows_set_every_result_with_its_reason_and_notify(officer, society, club):
    society_report, club_report = filed(society, 2025), filed(club, 2025)
    content = as_xlsx(
        [
            [society.uscc, 2025, "合格", "材料齐全"],
            [club.uscc, "2025年度", "基本合格", "财务报表附注不全"],
        ]
    )
    outcome = import_annual_report_results(upload=upload(content), actor=officer)
    assert outcome.applied and not outcome.rows_with_errors
    society_report.refresh_from_db()
    club_report.refresh_from_db()
    assert (society_report.result, society_report.result_reason, society_report.result_by) == (
        AnnualReportResult.PASS,
        "材料齐全",
        officer,
    )
    assert (club_report.result, club_report.result_reason) == (AnnualReportResult.BASIC_PASS, "财务报表附注不全")
    assert club_report.submitted_by.notifications.filter(message__contains="基本合格").exists()


def test_every_rows_errors_are_reported_by_row_number_and_nothing_is_set(officer, society, club):
    report = filed(society, 2025)
    filed(club, 2025)
    content = as_xlsx(
        [
            [society.uscc, 2025, "合格", "材料齐全"],  # row 2: valid, yet not set
            [make_uscc(), 2025, "合格", "x"],  # 3: no such organization
            [club.uscc, 2024, "合格", "x"],  # 4: no report on 2024
            [club.uscc, 2025, "优秀", "x"],  # 5: not a result
            [club.uscc, 2025, "不合格", "  "],  # 6: no reason (and a duplicate of row 5)
            [None, None, None, None],  # 7: blank, skipped
            ["", "去年", "", ""],  # 8: no code, no year, no result, no reason
        ]
    )
    outcome = import_annual_report_results(upload=upload(content), actor=officer)
    assert not outcome.applied
    assert [row.number for row in outcome.rows_with_errors] == [3, 4, 5, 6, 8]
    assert "未找到统一社会信用代码为" in errors_of(outcome, 3)
    assert "该组织没有2024年度的年度报告" in errors_of(outcome, 4)
    assert "“优秀”不是有效的检查结果，可选：合格、基本合格、不合格" in errors_of(outcome, 5)
    assert "结果说明：请填写" in errors_of(outcome, 6) and "与第5行重复" in errors_of(outcome, 6)
    row_8 = errors_of(outcome, 8)
    assert "统一社会信用代码：请填写" in row_8 and "“去年”不是年份" in row_8 and "检查结果：请填写" in row_8
    report.refresh_from_db()
    assert report.result == "" and report.result_by is None
    assert not report.submitted_by.notifications.exists()


def test_an_organization_outside_the_officers_scope_reads_as_unknown(officer, society, elsewhere):
    filed(society, 2025)
    outside = filed(elsewhere, 2025)
    unknown = make_uscc()
    content = as_xlsx(
        [
            [society.uscc, 2025, "合格", "材料齐全"],
            [elsewhere.uscc, 2025, "不合格", "未按时报送"],
            [unknown, 2025, "合格", "x"],
        ]
    )
    outcome = import_annual_report_results(upload=upload(content), actor=officer)
    assert not outcome.applied
    assert errors_of(outcome, 3) == f"未找到统一社会信用代码为“{elsewhere.uscc}”的组织。"
    assert errors_of(outcome, 4) == f"未找到统一社会信用代码为“{unknown}”的组织。"
    outside.refresh_from_db()
    assert outside.result == ""


def test_a_street_officer_decides_no_registered_organizations_results(make_officer, tree, society):
    filed(society, 2025)
    street_officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    outcome = import_annual_report_results(
        upload=upload(as_xlsx([[society.uscc, 2025, "合格", "材料齐全"]])), actor=street_officer
    )
    assert not outcome.applied and "未找到" in errors_of(outcome, 2)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.7 not a workbook", "results.xlsx", "内容不是XLSX文件"),
        ("统一社会信用代码,报告年度\n".encode(), "results.xlsx", "内容不是XLSX文件"),
        (b"PK\x03\x04 a broken zip", "results.xlsx", "内容不是XLSX文件"),
        (as_xlsx([], headers=["名称", "年度"]), "results.xlsx", "表头缺少必需的列"),
        (as_xlsx([]), "results.xlsx", "表格中没有数据行"),
    ],
)
def test_unusable_files_are_refused_whole(officer, content, name, message):
    with pytest.raises(ValidationError, match=message):
        import_annual_report_results(upload=upload(content, name), actor=officer)


def test_admin_import_applies_and_returns_to_the_list(client, officer, society):
    report = filed(society, 2025)
    client.force_login(officer)
    index = client.get(reverse("annual_reports:index"))
    assert reverse("annual_reports:import_results") in index.content.decode()  # the header button
    page = client.get(reverse("annual_reports:import_results")).content.decode()
    assert (
        reverse("annual_reports:results_template") in page and "统一社会信用代码、报告年度、检查结果、结果说明" in page
    )
    response = client.post(
        reverse("annual_reports:import_results"),
        {"file": upload(as_xlsx([[society.uscc, 2025, "不合格", "未开展活动"]]))},
    )
    assert response.status_code == 302 and response["Location"] == reverse("annual_reports:index")
    report.refresh_from_db()
    assert report.result == AnnualReportResult.FAIL


def test_admin_import_shows_the_rows_errors(client, officer, society):
    report = filed(society, 2025)
    client.force_login(officer)
    response = client.post(
        reverse("annual_reports:import_results"),
        {"file": upload(as_xlsx([[society.uscc, 2025, "合格", ""], [society.uscc, 2030, "合格", "x"]]))},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "结果说明：请填写" in html and "该组织没有2030年度的年度报告" in html
    assert "不会写入任何检查结果" in html
    report.refresh_from_db()
    assert report.result == ""


def test_admin_import_refuses_a_disguised_file(client, officer, society):
    report = filed(society, 2025)
    client.force_login(officer)
    disguised = upload(b"MZ\x90\x00 an executable renamed", "results.xlsx")
    response = client.post(reverse("annual_reports:import_results"), {"file": disguised})
    assert response.status_code == 200
    assert "的内容不是XLSX文件，不能上传" in response.content.decode()
    report.refresh_from_db()
    assert report.result == ""


def test_the_template_downloads_with_the_headers_and_imports_once_filled(client, officer, society):
    report = filed(society, 2025)
    client.force_login(officer)
    response = client.get(reverse("annual_reports:results_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert [cell.value for cell in sheet[1]] == HEADERS
    assert '"合格,基本合格,不合格"' in [rule.formula1 for rule in sheet.data_validations.dataValidation]

    sheet.append([society.uscc, 2025, "合格", "材料齐全"])
    filled = io.BytesIO()
    workbook.save(filled)
    outcome = import_annual_report_results(upload=upload(filled.getvalue()), actor=officer)
    assert outcome.applied
    report.refresh_from_db()
    assert report.result == AnnualReportResult.PASS


def test_roles_without_the_right_cannot_import_or_download(client, make_officer, tree):
    client.force_login(make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng))
    for name in ("annual_reports:import_results", "annual_reports:results_template"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    index = client.get(reverse("annual_reports:index"))
    assert reverse("annual_reports:import_results") not in index.content.decode()
