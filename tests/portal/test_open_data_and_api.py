"""Open data files and the JSON API on the demo data: every public organization, every public
field, never a private one; filters as in the directory; bad parameters get a 4xx."""

import csv
import io
import json

import pytest
from openpyxl import load_workbook

from registry.enums import OrganizationKind
from registry.models import Organization
from registry.selectors.public import PUBLIC_FIELDS

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def private_values() -> set[str]:
    values = set()
    for id_number, phone in Organization.objects.values_list(
        "legal_representative_id_number", "legal_representative_phone"
    ):
        values |= {id_number, phone}
    values.discard("")
    assert len(values) > 500  # the demo fills them in, so this test has something to look for
    return values


def assert_no_private_value(text: str, private: set[str]) -> None:
    leaked = [value for value in private if value in text]
    assert not leaked, leaked[:3]


def test_csv_lists_every_public_organization_without_private_fields(client, demo):
    response = client.get("/open-data/organizations.csv")
    assert response.status_code == 200
    assert response.streaming
    text = body(response).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [str(label) for _key, label in PUBLIC_FIELDS]
    assert len(rows) - 1 == Organization.objects.count() == 576
    assert_no_private_value(text, private_values())


def test_json_is_a_streamed_array_of_public_records(client, demo):
    response = client.get("/open-data/organizations.json")
    assert response.streaming
    records = json.loads(body(response))
    assert len(records) == 576
    assert {r["kind"] for r in records} == {"social_group", "service_institution", "community_group"}
    assert not {"legal_representative_id_number", "legal_representative_phone"} & set(records[0])
    assert_no_private_value(json.dumps(records, ensure_ascii=False), private_values())


def test_xlsx_holds_the_same_rows(client, demo):
    response = client.get("/open-data/organizations.xlsx")
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 577
    assert rows[0][0] == "名称"


def test_open_data_page_documents_each_field(client, demo):
    html = client.get("/open-data/").content.decode()
    for key, label in PUBLIC_FIELDS:
        assert f"<code>{key}</code>" in html
        assert str(label) in html


def api(client, path, **params):
    return client.get(f"/api/v1/{path}", params)


def test_api_lists_with_the_directorys_search_and_filters(client, demo):
    response = api(client, "organizations", q="养老", kind="service_institution", page_size=5)
    assert response.status_code == 200
    data = response.json()
    expected = Organization.objects.filter(name__contains="养老", kind=OrganizationKind.SERVICE_INSTITUTION).count()
    assert data["count"] == expected
    assert len(data["results"]) == min(5, expected)
    for item in data["results"]:
        assert {"name", "uscc", "filing_number", "kind", "street"} <= set(item)
        assert "养老" in item["name"] and item["kind"] == "service_institution"


def test_api_detail_by_credit_code_or_filing_number(client, demo):
    group = Organization.objects.filter(kind=OrganizationKind.COMMUNITY_GROUP).first()
    data = api(client, f"organizations/{group.filing_number}").json()
    assert data["filing_number"] == group.filing_number
    assert data["street"] == group.street.name
    assert "legal_representative_id_number" not in data
    assert api(client, "organizations/nope").status_code == 404


def test_api_statistics(client, demo):
    data = api(client, "statistics").json()
    counts = {row["code"]: row["count"] for row in data["by_kind"]}
    assert counts["social_group"] == 56
    assert counts["service_institution"] == 155
    assert counts["community_group"] == 365
    assert data["federations"] == 10
    assert sum(row["count"] for row in data["by_street"]) == 576


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 0},
        {"page_size": 101},
        {"page": 0},
        {"page": 999},
        {"kind": "bogus"},
        {"page": "x"},
        {"sort": "evil"},
        {"q": "养" * 101},
    ],
)
def test_api_bad_parameters_get_a_4xx_with_a_message(client, demo, params):
    response = api(client, "organizations", **params)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_openapi_description_lists_the_endpoints(client, demo):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert {"/api/v1/organizations", "/api/v1/organizations/{identifier}", "/api/v1/statistics"} <= set(schema["paths"])
    properties = schema["components"]["schemas"]["OrganizationOut"]["properties"]
    assert "legal_representative_id_number" not in properties
