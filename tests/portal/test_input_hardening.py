"""Input that used to get through: NUL characters (a 500 on PostgreSQL), spreadsheet formulas in
exports, full-width digits in filing numbers, and the API's undeclared 429."""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from portal.application_steps import MOBILE
from registry.enums import OrganizationKind, Role
from registry.spreadsheet_cells import safe_cell, unguard
from registry.validators import FILING_NUMBER_RE, validate_filing_number
from tests.factories import create_org

pytestmark = pytest.mark.django_db

NUL_MESSAGE = "请求中含有不允许的空字符（NUL）。"
FORMULA = '=HYPERLINK("http://x")'


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- NUL characters --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/verify/?q=%00",
        "/verify/?q=ABC%00DEF",
        "/directory/?q=%00",
        "/directory/?street=%00&q=养老",
        "/directory/?%00=1",
        "/verify/%00/",
        "/directory/%E5%B8%82%00/",
    ],
)
def test_a_nul_in_the_address_or_query_is_refused_with_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.content.decode() == NUL_MESSAGE


def test_a_nul_in_an_api_parameter_is_a_json_400(client):
    response = client.get("/api/v1/organizations", {"q": "养老\x00"})
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}


def test_a_nul_in_a_form_field_is_refused_with_400(client):
    response = client.post(reverse("account_login"), {"username": "a\x00", "password": "b"})
    assert response.status_code == 400
    assert response.content.decode() == NUL_MESSAGE


def test_requests_without_a_nul_are_untouched(client):
    response = client.get("/verify/", {"q": "ABCD-2345"})
    assert response.status_code == 200
    assert client.get("/api/v1/organizations", {"q": "养老"}).status_code == 200


# --- Formula injection in exports ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FORMULA, "'" + FORMULA),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("+8613800000000", "'+8613800000000"),  # text that Excel would compute: kept as text
        ("-", "-"),  # a lone placeholder cannot be a formula
        ("0532-88886666", "0532-88886666"),
        ("湛山养老服务中心", "湛山养老服务中心"),
        (-5, -5),  # numbers stay numbers
        (None, None),
    ],
)
def test_cells_that_would_run_as_formulas_are_kept_as_text(value, expected):
    assert safe_cell(value) == expected
    if isinstance(value, str):
        assert unguard(safe_cell(value)) == value


@pytest.fixture
def hostile(tree):
    return create_org(street=tree.zhanshan, name=FORMULA, address="-2+3")


def test_open_data_csv_and_xlsx_export_a_formula_as_text(client, hostile):
    rows = list(csv.reader(io.StringIO(body(client.get("/open-data/organizations.csv")).decode("utf-8-sig"))))
    assert rows[1][0] == "'" + FORMULA
    sheet = load_workbook(io.BytesIO(body(client.get("/open-data/organizations.xlsx")))).active
    cell = sheet["A2"]
    assert (cell.value, cell.data_type) == ("'" + FORMULA, "s")


def test_back_office_exports_keep_a_formula_as_text(client, tree, make_officer, hostile):
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    url = reverse("organizations:index")
    rows = list(csv.DictReader(io.StringIO(body(client.get(url, {"export": "csv"})).decode("utf-8-sig"))))
    assert (rows[0]["名称"], rows[0]["住所"]) == ("'" + FORMULA, "'-2+3")
    sheet = load_workbook(io.BytesIO(body(client.get(url, {"export": "xlsx"})))).active
    headers = [cell.value for cell in sheet[1]]
    name = sheet.cell(row=2, column=headers.index("名称") + 1)
    assert (name.value, name.data_type) == ("'" + FORMULA, "s")


# --- ASCII digits only -----------------------------------------------------------------------------


def test_full_width_digits_are_not_a_filing_number():
    assert FILING_NUMBER_RE.fullmatch("市南备字〔2026〕第0001号")
    assert FILING_NUMBER_RE.fullmatch("市南备字〔２０２６〕第０００１号") is None
    with pytest.raises(ValidationError, match="备案编号格式"):
        validate_filing_number("市南备字〔２０２６〕第０００１号")


def test_a_community_group_with_a_full_width_filing_number_is_refused(tree):
    with pytest.raises(ValidationError):
        create_org(
            street=tree.zhanshan,
            community=tree.yancheng,
            kind=OrganizationKind.COMMUNITY_GROUP,
            filing_number="市南备字〔２０２６〕第０００１号",
        )


@pytest.mark.parametrize("number", ["１３８００１３８０００", "13800138000\n", "1٣800138000"])
def test_a_mobile_number_takes_ascii_digits_only(number):
    MOBILE("13800138000")
    with pytest.raises(ValidationError):
        MOBILE(number)


# --- The API's rate limit in its description -------------------------------------------------------


def test_every_api_operation_declares_its_429_and_400(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    operations = [operation for path in paths.values() for operation in path.values()]
    assert len(operations) == 4
    for operation in operations:
        too_many = operation["responses"]["429"]["content"]["application/json"]["schema"]
        assert too_many == {"$ref": "#/components/schemas/TooManyRequestsOut"}
        assert "400" in operation["responses"]
