"""The public API against its own OpenAPI description (schemathesis): requests generated from
/api/v1/openapi.json, valid and invalid, never get a 5xx, and every answer (status code, content
type, body) is one the description declares. Run in process through Django's WSGI handler."""

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from registry.enums import OrganizationKind, OrganizationStatus
from tests.factories import create_org

pytestmark = pytest.mark.django_db
pytest_plugins = ["tests.evaluation.certificate_fixtures"]

SCHEMA_URL = "/api/v1/openapi.json"
# A few requests per operation (plus schemathesis's boundary cases): a smoke net, not a soak.
FUZZ = settings(
    max_examples=15,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def connection_kept():
    """Keep the test's database connection (and so its transaction) across requests: Django's
    WSGI handler closes the connection at each request's start and end, which the test client
    also turns off this way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def organizations(tree):
    """Organizations of every kind and public status, so lists, filters and pages have content."""
    return [
        create_org(
            street=tree.zhanshan, community=tree.yancheng, name="湛山养老服务中心", activity_codes=["elderly_care"]
        ),
        create_org(street=tree.zhanshan, kind=OrganizationKind.SERVICE_INSTITUTION, founded_on="2012-05-06"),
        create_org(street=tree.badaguan, kind=OrganizationKind.FOUNDATION, registered_capital="2000000"),
        create_org(street=tree.badaguan, kind=OrganizationKind.COMMUNITY_GROUP, community=tree.taipingjiao),
        create_org(street=tree.badaguan, status=OrganizationStatus.ABNORMAL),
    ]


# The description as the application serves it, read once at collection (it needs no database);
# the cases then run in process through the same handler. (schemathesis.pytest.from_fixture, the
# lazy loader, fails on pytest 9: it sets `Function._nodeid`, which pytest no longer has.)
schema = schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())


@schema.parametrize()
@FUZZ
def test_every_operation_answers_as_described_and_never_with_a_server_error(case, organizations, connection_kept):
    case.call_and_validate()


def test_real_records_conform_to_the_description(organizations, certificate, connection_kept):
    """Generated identifiers seldom hit a record: check real ones, with a grade and a certificate."""
    graded = certificate.grade_record.organization
    listing, detail = schema["/api/v1/organizations"]["GET"], schema["/api/v1/organizations/{identifier}"]["GET"]
    cases = [listing.Case(query={"q": "养老"}), listing.Case(query={"page_size": 2, "page": 2})]
    cases += [detail.Case(path_parameters={"identifier": o.identifier}) for o in [*organizations, graded]]
    cases += [
        schema["/api/v1/certificates/{code}"]["GET"].Case(path_parameters={"code": certificate.code}),
        schema["/api/v1/statistics"]["GET"].Case(),
    ]
    for case in cases:
        response = case.call_and_validate()
        assert response.status_code == 200, (case.formatted_path, response.text[:300])
    body = detail.Case(path_parameters={"identifier": graded.identifier}).call().json()
    assert body["grade"]["grade"] == certificate.grade
    assert [c["code"] for c in body["certificates"]] == [certificate.code]
    assert [item["name"] for item in cases[0].call().json()["results"]] == ["湛山养老服务中心"]


def test_a_nul_in_any_parameter_is_refused_as_described(organizations, connection_kept):
    """PostgreSQL refuses a NUL in a query (each of these was a 500 there): the request is refused
    with the declared 400 before the operation runs (portal.security.null_bytes)."""
    listing, detail = schema["/api/v1/organizations"]["GET"], schema["/api/v1/organizations/{identifier}"]["GET"]
    certificates = schema["/api/v1/certificates/{code}"]["GET"]
    cases = [
        listing.Case(query={"q": "\x00备字〔2026〕第0001号"}),
        listing.Case(query={"q": "养老\x00"}),
        listing.Case(query={"street": ["370202010\x00"], "community": ["\x00"], "federation": ["\x00"]}),
        detail.Case(path_parameters={"identifier": organizations[0].identifier + "\x00"}),
        certificates.Case(path_parameters={"code": "ABCD\x00"}),
    ]
    statuses = [case.call_and_validate().status_code for case in cases]
    assert statuses == [400, 400, 400, 400, 400]
    assert cases[1].call().json() == {"detail": "请求中含有不允许的空字符（NUL）。"}
