"""Importing the bureau's spreadsheet: every row's errors in Chinese on a dry run, all-or-nothing
confirm, round trip of an export, and no duplicates on a second import."""

import csv
import io
import zipfile

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook

from audit.models import AuditEntry
from portal import page_cache
from registry.enums import OrganizationKind, Role
from registry.models import Organization, OrganizationChange
from registry.search import name_sort_key
from registry.services import importing
from registry.services.importing import ImportFileError, import_organizations
from registry.spreadsheets import COLUMNS
from tests.factories import create_org, make_filing_number, make_uscc

pytestmark = pytest.mark.django_db

HEADERS = list(COLUMNS.values())


def row(**values) -> list[str]:
    """A spreadsheet row from column headers to values; blanks elsewhere."""
    return [str(values.get(header, "")) for header in HEADERS]


def good_row(name="市南区青少年科技协会", **overrides) -> list[str]:
    values = {
        "名称": name,
        "统一社会信用代码": make_uscc(OrganizationKind.SOCIAL_GROUP),
        "类型": "社会团体",
        "类别": "科技类",
        "活动领域": "科技、儿童教育",
        "街道": "湛山街道",
        "社区": "盐城路社区",
        "住所": "青岛市市南区湛山路1号",
        "法定代表人": "王建国",
        "成立日期": "2015-06-01",
        "开办资金": "50000",
        "业务范围": "青少年科技教育",
        "联系电话": "0532-88001234",
    }
    values.update(overrides)
    return row(**values)


def with_wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def as_csv(rows, encoding="utf-8-sig") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def as_xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADERS)
    for values in rows:
        sheet.append(values)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def errors_of(report, number: int) -> str:
    return " ".join(next(r for r in report.rows if r.number == number).errors)


def test_dry_run_lists_each_rows_errors_in_chinese_and_writes_nothing(tree):
    existing = create_org(street=tree.zhanshan)
    duplicate_in_file = make_uscc(OrganizationKind.SERVICE_INSTITUTION)
    rows = [
        good_row("合格的协会"),  # row 2: fine
        good_row("校验位错", 统一社会信用代码=with_wrong_check_character(make_uscc())),  # 3
        good_row("类型不符", 统一社会信用代码=make_uscc(OrganizationKind.SERVICE_INSTITUTION)),  # 4
        good_row("未知街道", 街道="火星街道"),  # 5
        good_row("社区不属于街道", 社区="太平角社区"),  # 6
        good_row("重复一", 统一社会信用代码=duplicate_in_file, 类型="民办非企业单位"),  # 7
        good_row("重复二", 统一社会信用代码=duplicate_in_file, 类型="民办非企业单位"),  # 8
        good_row("日期错", 成立日期="2015-13-45"),  # 9
        good_row("资金为负", 开办资金="-100"),  # 10
        good_row("", 统一社会信用代码=make_uscc()),  # 11: name missing
        good_row(
            "备案号重复",
            统一社会信用代码="",
            类型="社区社会组织",
            类别="",
            备案编号=make_filing_number(),
            成立日期="2020-01-01",
        ),  # 12: fine
        row(
            名称="占用已有备案号",
            类型="社会团体",
            统一社会信用代码=make_uscc(),
            类别="公益慈善类",
            街道="湛山街道",
            备案编号="x",
        ),  # 13: registered with a filing number
        good_row("未知类型", 类型="基金会社"),  # 14
    ]
    before = Organization.objects.count()
    report = import_organizations(content=as_csv(rows), filename="orgs.csv", actor=None, dry_run=True)

    assert not report.committed
    assert Organization.objects.count() == before
    assert errors_of(report, 2) == ""
    assert "校验位错误" in errors_of(report, 3)
    assert "与组织类型“社会团体”不符" in errors_of(report, 4)
    assert "未知街道“火星街道”" in errors_of(report, 5)
    assert "社区“太平角社区”不属于湛山街道" in errors_of(report, 6)
    assert errors_of(report, 7) == ""
    assert "与文件第7行重复" in errors_of(report, 8)
    assert "日期“2015-13-45”无法识别" in errors_of(report, 9)
    assert "金额不能为负数" in errors_of(report, 10)
    assert errors_of(report, 11).startswith("名称：")
    assert errors_of(report, 12) == ""
    assert "登记的组织不使用备案编号" in errors_of(report, 13)
    assert "不是有效的类型" in errors_of(report, 14)
    # Every error names its column.
    assert errors_of(report, 5).startswith("街道：")
    assert existing.name not in {r.name for r in report.rows}


def test_a_code_already_used_in_the_database_by_another_organization_is_refused(tree):
    taken = create_org(street=tree.zhanshan, kind=OrganizationKind.COMMUNITY_GROUP)
    rows = [good_row("抢注的协会", 备案编号=taken.filing_number)]
    report = import_organizations(content=as_csv(rows), filename="orgs.csv", actor=None, dry_run=True)
    assert "备案编号" in errors_of(report, 2)


def test_confirm_writes_all_rows_or_none(tree):
    rows = [good_row("第一个协会"), good_row("第二个协会", 街道="不存在街道")]
    report = import_organizations(content=as_csv(rows), filename="orgs.csv", actor=None, dry_run=False)
    assert not report.committed
    assert not Organization.objects.filter(name="第一个协会").exists()

    rows[1] = good_row("第二个协会")
    report = import_organizations(content=as_csv(rows), filename="orgs.csv", actor=None, dry_run=False)
    assert report.committed
    assert report.count("new") == 2
    created = Organization.objects.get(name="第一个协会")
    assert created.street == tree.zhanshan
    assert created.community == tree.yancheng
    assert sorted(f.code for f in created.activity_fields.all()) == ["children", "science"]
    assert str(created.registered_capital) == "50000.00"


def test_importing_the_same_file_twice_creates_no_duplicates_and_changes_nothing(tree):
    content = as_xlsx([good_row("甲协会"), good_row("乙协会")])
    first = import_organizations(content=content, filename="orgs.xlsx", actor=None, dry_run=False)
    assert first.count("new") == 2
    changes_before = OrganizationChange.objects.count()
    second = import_organizations(content=content, filename="orgs.xlsx", actor=None, dry_run=False)
    assert second.count("skip") == 2
    assert Organization.objects.filter(name__in=["甲协会", "乙协会"]).count() == 2
    assert OrganizationChange.objects.count() == changes_before


def test_an_update_through_import_is_recorded_in_the_history(tree):
    code = make_uscc()
    import_organizations(
        content=as_csv([good_row("丙协会", 统一社会信用代码=code)]), filename="a.csv", actor=None, dry_run=False
    )
    report = import_organizations(
        content=as_csv([good_row("丙协会", 统一社会信用代码=code, 住所="青岛市市南区新地址8号")]),
        filename="a.csv",
        actor=None,
        dry_run=False,
    )
    assert report.count("update") == 1
    change = OrganizationChange.objects.get(organization__uscc=code, field="address")
    assert change.new_value == "青岛市市南区新地址8号"
    assert change.source == "表格导入"


def test_an_export_imported_again_changes_nothing(client, tree, make_officer):
    create_org(
        street=tree.zhanshan,
        community=tree.yangkou,
        name="丁协会",
        activity_codes=["culture"],
        founded_on="2011-03-04",
        registered_capital="30000.50",
        legal_representative="李红",
    )
    create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP, name="太平角社区合唱团")
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    for export_format in ("csv", "xlsx"):
        response = client.get(reverse("organizations:index"), {"export": export_format})
        content = b"".join(response.streaming_content) if response.streaming else response.content
        report = import_organizations(content=content, filename=f"export.{export_format}", actor=None, dry_run=False)
        assert report.committed, [r.errors for r in report.rows]
        assert {r.status for r in report.rows} == {"skip"}, export_format
    assert OrganizationChange.objects.count() == 0


def test_gbk_csv_from_excel_is_read(tree):
    report = import_organizations(
        content=as_csv([good_row("戊协会")], encoding="gb18030"), filename="a.csv", actor=None, dry_run=True
    )
    assert report.rows[0].name == "戊协会"
    assert not report.has_errors


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "a.csv", "文件是空的"),
        ("名称,地址\n甲,乙\n".encode(), "a.csv", "表头缺少必需的列"),
        (b"not a zip at all", "a.xlsx", "内容不是XLSX表格"),
        (b"PK\x03\x04garbage", "a.xlsx", "不是有效的XLSX表格"),
    ],
)
def test_unreadable_files_are_refused_whole(tree, content, filename, message):
    with pytest.raises(ImportFileError, match=message):
        import_organizations(content=content, filename=filename, actor=None, dry_run=True)


def test_an_import_is_in_the_audit_log_row_by_row_and_a_dry_run_is_not(tree, make_officer):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    code = make_uscc()
    content = as_csv([good_row("辛协会", 统一社会信用代码=code)])
    import_organizations(content=content, filename="a.csv", actor=officer, dry_run=True)
    assert not AuditEntry.objects.filter(action__startswith="organization.").exists()

    import_organizations(content=content, filename="a.csv", actor=officer, dry_run=False)
    changed = as_csv([good_row("辛协会", 统一社会信用代码=code, 住所="青岛市市南区新地址9号")])
    import_organizations(content=changed, filename="a.csv", actor=officer, dry_run=False)

    organization = Organization.objects.get(uscc=code)
    created, change = AuditEntry.objects.filter(organization_id=organization.pk).order_by("pk")
    assert (created.action, created.actor_id, created.reason) == ("organization.create", officer.pk, "表格导入")
    assert created.after["name"] == "辛协会"
    assert change.action == "organization.change"
    assert change.before == {"address": "青岛市市南区湛山路1号"}
    assert change.after == {"address": "青岛市市南区新地址9号"}


def test_a_zip_bomb_is_refused_by_the_import_itself(tree):
    """The command line has no upload form: the service checks the file before any parser opens it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(ImportFileError):
        import_organizations(content=buffer.getvalue(), filename="a.xlsx", actor=None, dry_run=True)


def test_street_officer_cannot_import_into_another_street(tree, make_officer):
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    rows = [
        good_row(
            "八大关社区舞蹈队",
            统一社会信用代码="",
            类型="社区社会组织",
            类别="",
            备案编号=make_filing_number(),
            街道="八大关街道",
            社区="太平角社区",
        )
    ]
    report = import_organizations(content=as_csv(rows), filename="a.csv", actor=officer, dry_run=False)
    assert not report.committed
    assert "无权" in errors_of(report, 2)
    assert not Organization.objects.filter(name="八大关社区舞蹈队").exists()


def test_management_command_dry_run_and_import(tree, tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_bytes(as_csv([good_row("己协会"), good_row("庚协会", 街道="无名街道")]))
    with pytest.raises(CommandError, match="未写入任何数据"):
        call_command("import_organizations", str(path), "--dry-run", stdout=io.StringIO())
    path.write_bytes(as_csv([good_row("己协会")]))
    out = io.StringIO()
    call_command("import_organizations", str(path), stdout=out)
    assert "新增 1 行" in out.getvalue()
    assert Organization.objects.filter(name="己协会").exists()


def test_admin_import_previews_then_confirms(client, tree, make_officer):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    url = reverse("registry_import_organizations")
    upload = io.BytesIO(as_xlsx([good_row("辛协会")]))
    upload.name = "orgs.xlsx"
    preview = client.post(url, {"file": upload})
    assert preview.status_code == 200
    assert "辛协会" in preview.content.decode()
    assert not Organization.objects.filter(name="辛协会").exists()
    token = preview.context["token"]
    assert token
    confirmed = client.post(url, {"token": token})
    assert confirmed.status_code == 302
    assert Organization.objects.filter(name="辛协会").exists()
    # A token cannot be replayed.
    client.post(url, {"token": token})
    assert Organization.objects.filter(name="辛协会").count() == 1


def test_admin_import_shows_errors_and_offers_no_confirm(client, tree, make_officer):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    upload = io.BytesIO(as_csv([good_row("壬协会", 成立日期="昨天")]))
    upload.name = "orgs.csv"
    response = client.post(reverse("registry_import_organizations"), {"file": upload})
    assert response.status_code == 200
    assert "日期“昨天”无法识别" in response.content.decode()
    assert response.context["token"] is None


def test_community_supervisor_may_not_import(client, tree, make_officer):
    client.force_login(make_officer(Role.COMMUNITY_SUPERVISOR, tree.yancheng))
    response = client.get(reverse("registry_import_organizations"))
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtailadmin_home")


def test_queries_do_not_grow_with_the_rows(tree):
    """Rows are checked in Python against what a few queries read, and written in bulk: a file of
    24 rows (new ones and updates) takes no more queries than a file of 4."""
    stored = [create_org(street=tree.zhanshan, name=f"已有协会{n}") for n in range(20)]

    def rows(count: int, updated: list[Organization]) -> list[list[str]]:
        updates = [good_row(o.name, 统一社会信用代码=o.uscc) for o in updated]
        return updates + [good_row(f"新协会{count}-{n}") for n in range(count - len(updated))]

    counts = []
    for count, updated in ((4, stored[:2]), (24, stored[2:14])):
        with CaptureQueriesContext(connection) as queries:
            content = as_csv(rows(count, updated))
            report = import_organizations(content=content, filename="a.csv", actor=None, dry_run=False)
        assert report.committed and report.count("new") == report.count("update") == count // 2
        counts.append(len(queries))
    assert counts[1] == counts[0]


def test_new_organizations_get_their_search_document_and_sort_key(tree):
    code = make_uscc()
    import_organizations(
        content=as_csv([good_row("湛山养老服务协会", 统一社会信用代码=code)]),
        filename="a.csv",
        actor=None,
        dry_run=False,
    )
    created = Organization.objects.get(uscc=code)
    assert created.name_pinyin == name_sort_key("湛山养老服务协会")
    for token in ("养老", "yanglao", code.lower(), "湛山街道", "盐城路社区"):
        assert token in created.search_document.split()


def test_an_update_of_the_fields_of_activity_replaces_them_and_is_recorded(tree):
    stored = create_org(street=tree.zhanshan, name="癸协会", activity_codes=["culture"])
    before = stored.updated_at
    report = import_organizations(
        content=as_csv([good_row("癸协会", 统一社会信用代码=stored.uscc, 活动领域="科技")]),
        filename="a.csv",
        actor=None,
        dry_run=False,
    )
    assert report.count("update") == 1
    stored.refresh_from_db()
    assert [f.code for f in stored.activity_fields.all()] == ["science"]
    assert stored.updated_at > before
    change = OrganizationChange.objects.get(organization=stored, field="activity_fields")
    assert (change.old_value, change.new_value, change.source) == ("文化", "科技", "表格导入")
    # A moved organization is found under its new place.
    assert "盐城路社区" in stored.search_document.split()


def test_street_officer_cannot_take_over_an_organization_of_another_street(tree, make_officer):
    elsewhere = create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP, name="八大关合唱团")
    officer = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    group = {"统一社会信用代码": "", "类型": "社区社会组织", "类别": ""}
    rows = [
        good_row("八大关合唱团", 备案编号=elsewhere.filing_number, **group),  # moved into the officer's street
        good_row("湛山合唱团", 备案编号=make_filing_number(), **group),
    ]
    report = import_organizations(content=as_csv(rows), filename="a.csv", actor=officer, dry_run=True)
    assert "无权" in errors_of(report, 2)
    assert errors_of(report, 3) == ""
    assert not report.committed
    elsewhere.refresh_from_db()
    assert elsewhere.street == tree.badaguan
    assert not Organization.objects.filter(name="湛山合唱团").exists()


def test_units_are_found_with_or_without_their_suffix_in_the_rows_street(tree):
    rows = [good_row("庚子协会", 街道="湛山", 社区="仰口路"), good_row("辛丑协会", 街道="八大关街道", 社区="太平角")]
    report = import_organizations(content=as_csv(rows), filename="a.csv", actor=None, dry_run=False)
    assert report.committed, [r.errors for r in report.rows]
    first, second = (Organization.objects.get(name=name) for name in ("庚子协会", "辛丑协会"))
    assert (first.street, first.community) == (tree.zhanshan, tree.yangkou)
    assert (second.street, second.community) == (tree.badaguan, tree.taipingjiao)


def test_a_blank_street_is_the_rows_error(tree):
    report = import_organizations(
        content=as_csv([good_row("无街道协会", 街道="", 社区="")]), filename="a.csv", actor=None, dry_run=True
    )
    assert errors_of(report, 2).startswith("街道：")


def test_a_committed_import_drops_the_cached_pages(tree, django_capture_on_commit_callbacks):
    before = page_cache.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        import_organizations(content=as_csv([good_row("壬寅协会")]), filename="a.csv", actor=None, dry_run=False)
    assert page_cache.current_version() > before


def test_a_write_refused_by_the_database_is_reported_and_nothing_is_written(tree, monkeypatch):
    def refuse(**kwargs):
        Organization.objects.bulk_create([organization for organization, _ in kwargs["new"]])
        raise IntegrityError("UNIQUE constraint failed: registry_organization.uscc")

    monkeypatch.setattr(importing, "save_organizations_in_bulk", refuse)
    report = import_organizations(content=as_csv([good_row("癸卯协会")]), filename="a.csv", actor=None, dry_run=False)
    assert not report.committed
    assert report.rows[0].number == 0 and "无法写入" in report.rows[0].errors[0]
    assert not Organization.objects.filter(name="癸卯协会").exists()
