"""Importing annual-report results from XLSX or CSV: every row checked and its errors reported by
row number and column in Chinese, a dry run that sets nothing, then a confirm that sets all rows
or none; results only for submitted reports (a draft, a returned or a checked report, or a missing
one, said per row); organizations outside the officer's scope treated as unknown, files checked
by content, and the template to fill in."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from registry.enums import AnnualReportResult, AnnualReportState, Role, UnitLevel
from registry.models import AnnualReport
from registry.services.annual_report_import import COLUMNS, import_annual_report_results
from registry.services.annual_reports import (
    return_annual_report,
    save_annual_report_draft,
    set_annual_report_result,
    submit_annual_report,
)
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


def as_csv(rows, headers=HEADERS, encoding="utf-8-sig") -> bytes:
    lines = [headers, *rows]
    return "\n".join(",".join("" if value is None else str(value) for value in line) for line in lines).encode(encoding)


def upload(content: bytes, name: str = "results.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def errors_of(outcome, number: int) -> str:
    return " ".join(str(error) for error in next(row for row in outcome.rows if row.number == number).errors)


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
    assert not report.submitted_by.notifications.filter(message__contains="检查结果").exists()


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
    assert errors_of(outcome, 3) == f"统一社会信用代码：未找到统一社会信用代码为“{elsewhere.uscc}”的组织。"
    assert errors_of(outcome, 4) == f"统一社会信用代码：未找到统一社会信用代码为“{unknown}”的组织。"
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


def test_admin_import_previews_every_row_then_applies_all_on_confirm(client, officer, society, club):
    society_report, club_report = filed(society, 2025), filed(club, 2025)
    client.force_login(officer)
    index = client.get(reverse("annual_reports:index"))
    assert reverse("annual_reports:import_results") in index.content.decode()  # the header button
    page = client.get(reverse("annual_reports:import_results")).content.decode()
    assert (
        reverse("annual_reports:results_template") in page and "统一社会信用代码、报告年度、检查结果、结果说明" in page
    )
    content = as_csv([[society.uscc, 2025, "不合格", "未开展活动"], [club.uscc, "2025年", "合格", "材料齐全"]])
    preview = client.post(reverse("annual_reports:import_results"), {"file": upload(content, "结果.csv")})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "试导入结果" in html and "湛山书画研究会" in html and "八大关摄影协会" in html and "可以导入" in html
    assert 'name="token"' in html
    for report in (society_report, club_report):
        report.refresh_from_db()
        assert report.result == "" and report.state == AnnualReportState.SUBMITTED  # a dry run sets nothing

    response = client.post(reverse("annual_reports:import_results"), {"token": preview.context["token"]})
    assert response.status_code == 302 and response["Location"] == reverse("annual_reports:index")
    society_report.refresh_from_db()
    club_report.refresh_from_db()
    assert (society_report.result, society_report.state) == (AnnualReportResult.FAIL, AnnualReportState.CHECKED)
    assert club_report.result == AnnualReportResult.PASS
    # The file is used once: confirming again imports nothing more.
    again = client.post(reverse("annual_reports:import_results"), {"token": preview.context["token"]}, follow=True)
    assert "导入已过期，请重新上传文件" in again.content.decode()


def test_a_confirm_after_a_report_changed_sets_no_result_at_all(client, officer, society, club):
    society_report, club_report = filed(society, 2025), filed(club, 2025)
    client.force_login(officer)
    content = as_xlsx([[society.uscc, 2025, "合格", "材料齐全"], [club.uscc, 2025, "合格", "材料齐全"]])
    preview = client.post(reverse("annual_reports:import_results"), {"file": upload(content)})
    assert preview.context["token"]
    # Between the dry run and the confirm, the club's report is returned for correction.
    return_annual_report(report=club_report, actor=officer, reason="补充附件")
    response = client.post(reverse("annual_reports:import_results"), {"token": preview.context["token"]})
    html = response.content.decode()
    assert response.status_code == 200
    assert "已退回补正，尚未重新报送，不能设置检查结果" in html and "不会写入任何检查结果" in html
    society_report.refresh_from_db()
    assert society_report.result == "" and society_report.state == AnnualReportState.SUBMITTED
    assert not society_report.submitted_by.notifications.filter(message__contains="检查结果").exists()


def test_a_confirm_with_another_sessions_token_is_refused(client, officer, society):
    report = filed(society, 2025)
    client.force_login(officer)
    response = client.post(reverse("annual_reports:import_results"), {"token": "0" * 32}, follow=True)
    assert "导入已过期，请重新上传文件" in response.content.decode()
    report.refresh_from_db()
    assert report.result == ""


def test_admin_import_shows_the_rows_errors_by_row_and_column_and_offers_no_confirm(client, officer, society):
    report = filed(society, 2025)
    client.force_login(officer)
    response = client.post(
        reverse("annual_reports:import_results"),
        {"file": upload(as_xlsx([[society.uscc, 2025, "合格", ""], [society.uscc, 2030, "合格", "x"]]))},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<td>2</td><td>结果说明</td><td>请填写。</td>" in html
    assert "<td>3</td><td>报告年度</td><td>该组织没有2030年度的年度报告。</td>" in html
    assert "不会写入任何检查结果" in html and 'name="token"' not in html
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


def test_a_csv_file_is_imported_like_a_workbook_in_utf8_or_gb18030(officer, society, club):
    society_report, club_report = filed(society, 2025), filed(club, 2025)
    rows = [[society.uscc, 2025, "合格", "材料齐全"], [club.uscc, "2025年度", "基本合格", "财务报表附注不全"]]
    outcome = import_annual_report_results(upload=upload(as_csv(rows, encoding="gb18030"), "结果.csv"), actor=officer)
    assert outcome.applied
    society_report.refresh_from_db()
    club_report.refresh_from_db()
    assert (society_report.result, club_report.result) == (AnnualReportResult.PASS, AnnualReportResult.BASIC_PASS)


def test_a_csv_with_errors_sets_nothing_and_names_row_and_column(officer, society):
    report = filed(society, 2025)
    content = as_csv([[society.uscc, 2025, "合格", "材料齐全"], [society.uscc, "今年", "很好", ""]])
    outcome = import_annual_report_results(upload=upload(content, "结果.csv"), actor=officer)
    assert not outcome.applied
    [row] = outcome.rows_with_errors
    assert row.number == 3
    assert [(error.column, error.message) for error in row.errors] == [
        ("报告年度", "“今年”不是年份，请写成如2025。"),
        ("检查结果", "“很好”不是有效的检查结果，可选：合格、基本合格、不合格。"),
        ("结果说明", "请填写。"),
    ]
    report.refresh_from_db()
    assert report.result == ""


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00 an executable renamed", "results.csv", "不是文本CSV文件"),
        (b"%PDF-1.7 a document", "results.csv", "内容不是XLSX或CSV表格"),
        ("名称,报告年度\n甲,2025\n".encode(), "results.csv", "表头缺少必需的列：统一社会信用代码、检查结果、结果说明"),
        ("统一社会信用代码,报告年度,检查结果,结果说明\n".encode(), "results.csv", "表格中没有数据行"),
    ],
)
def test_unusable_csv_files_are_refused_whole(officer, content, name, message):
    with pytest.raises(ValidationError, match=message):
        import_annual_report_results(upload=upload(content, name), actor=officer)


def test_a_dry_run_sets_nothing_even_when_every_row_is_valid(officer, society):
    report = filed(society, 2025)
    outcome = import_annual_report_results(
        upload=upload(as_xlsx([[society.uscc, 2025, "合格", "材料齐全"]])), actor=officer, dry_run=True
    )
    assert not outcome.applied and not outcome.has_errors and outcome.rows[0].report == report
    report.refresh_from_db()
    assert report.result == "" and not report.submitted_by.notifications.filter(message__contains="检查结果").exists()


def test_results_only_for_submitted_reports_and_each_row_says_why_not(officer, tree, society, club):
    draft_org = create_org(street=tree.zhanshan, name="湛山合唱团")
    returned_org = create_org(street=tree.zhanshan, name="湛山舞蹈队")
    missing_org = create_org(street=tree.zhanshan, name="湛山读书会")
    checked = filed(society, 2025)
    set_annual_report_result(report=checked, actor=officer, result=AnnualReportResult.PASS, reason="齐全")
    submitted = filed(club, 2025)
    user = UserFactory()
    link_organization_account(user=user, organization=draft_org)
    save_annual_report_draft(organization=draft_org, actor=user, year=2025, income=Decimal(1))
    return_annual_report(report=filed(returned_org, 2025), actor=officer, reason="补充附件")
    content = as_xlsx(
        [
            [club.uscc, 2025, "合格", "材料齐全"],
            [draft_org.uscc, 2025, "合格", "x"],
            [returned_org.uscc, 2025, "合格", "x"],
            [society.uscc, 2025, "不合格", "x"],
            [missing_org.uscc, 2025, "合格", "x"],
        ]
    )
    outcome = import_annual_report_results(upload=upload(content), actor=officer)
    assert not outcome.applied
    assert [row.number for row in outcome.rows_with_errors] == [3, 4, 5, 6]
    assert errors_of(outcome, 3) == "报告年度：该组织2025年度的年度报告还是草稿，尚未报送，不能设置检查结果。"
    assert errors_of(outcome, 4) == "报告年度：该组织2025年度的年度报告已退回补正，尚未重新报送，不能设置检查结果。"
    assert errors_of(outcome, 5) == "报告年度：该组织2025年度的年度报告已有检查结果（合格），不能再次设置。"
    assert errors_of(outcome, 6) == "报告年度：该组织没有2025年度的年度报告。"
    submitted.refresh_from_db()
    checked.refresh_from_db()
    assert submitted.result == "" and checked.result == AnnualReportResult.PASS
