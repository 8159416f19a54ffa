"""Certificate verification on the public site and in the API (issue 6 item 4): the /verify/
pages, the search, the published public key, /api/v1/certificates/<code> and the organization's
`certificates`."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation import signing
from evaluation.enums import Grade
from evaluation.models import Certificate
from evaluation.services.certificates import canonical_json, issue_certificate, revoke_certificates
from evaluation.services.grades import downgrade_grade
from registry.enums import OrganizationStatus
from registry.services.organizations import update_organization
from tests.factories import create_org

pytest_plugins = ["tests.evaluation.certificate_fixtures"]
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("signing_key")]

DAY = datetime.timedelta(days=1)
# Private facts of the organization that must never show on a certificate's pages.
PRIVATE = {
    "legal_representative": "王建国",
    "legal_representative_id_number": "11010519491231002X",
    "legal_representative_phone": "13912345678",
}


@pytest.fixture
def certificate(evaluation, graded):
    update_organization(organization=evaluation.organization, actor=None, data=PRIVATE, source="测试")
    return issue_certificate(grade_record=graded)


def verdict(html: str) -> str:
    """The state the page announces (data-state of its verdict)."""
    marker = 'id="verdict" data-state="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def assert_no_personal_data(text: str):
    for value in PRIVATE.values():
        assert value not in text


# --- /verify/<code>/ ---------------------------------------------------------------------------------


def test_the_qr_address_shows_a_valid_certificate_with_its_facts(client, certificate):
    response = client.get(f"/verify/{certificate.code}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert verdict(html) == "valid"
    for fact in (
        certificate.number,
        "市南区老年书画研究会",
        certificate.identifier,
        "4A",
        certificate.valid_until.isoformat(),
        "市南区社会组织评估委员会",
        "青岛市市南区民政局",
        "核对无误",
        certificate.key_id,
    ):
        assert fact in html
    assert_no_personal_data(html)


def test_codes_are_read_whatever_their_case_or_dashes(client, certificate):
    code = certificate.code.lower()
    response = client.get(f"/verify/{code[:8]}-{code[8:]}/")
    assert verdict(response.content.decode()) == "valid"


def test_a_revoked_certificate_shows_date_reason_and_its_replacement(client, evaluation, certificate, today):
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A3, reason="年度检查不合格", actor=evaluation.officer, on=today
    )
    certificate.refresh_from_db()
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verdict(html) == "revoked"
    assert f"该证书已于{today.isoformat()}撤销" in html
    assert "评估等级由4A降为3A：年度检查不合格" in html
    assert f'href="/verify/{certificate.replaced_by.code}/"' in html
    assert verdict(client.get(f"/verify/{certificate.replaced_by.code}/").content.decode()) == "valid"


def test_a_deregistered_organizations_certificate_shows_revoked(client, evaluation, certificate):
    update_organization(
        organization=evaluation.organization,
        actor=None,
        data={"status": OrganizationStatus.DEREGISTERED},
        source="注销登记",
    )
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verdict(html) == "revoked" and "该组织已注销登记。" in html


def test_an_expired_certificate(client, grant, evaluation, today):
    """Issued while its grade was in force; the grade's validity ended yesterday."""
    grade = grant(evaluation.organization, Grade.A5, valid=(today - 5 * 365 * DAY, today - DAY))
    certificate = issue_certificate(grade_record=grade, on=today - 100 * DAY)
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verdict(html) == "expired"
    assert f"有效期已于{(today - DAY).isoformat()}届满" in html


@pytest.mark.parametrize(
    "field, value",
    [
        ("grade", Grade.A5),
        ("organization_name", "冒名协会"),
        ("valid_until", 3650 * DAY),  # from today
        ("number", "伪造号"),
        ("key_id", "no/such key"),
        ("key_id", ""),
    ],
)
def test_a_record_changed_in_the_database_shows_invalid(client, certificate, today, field, value):
    if isinstance(value, datetime.timedelta):
        value = today + value
    Certificate.objects.filter(pk=certificate.pk).update(**{field: value})
    response = client.get(f"/verify/{certificate.code}/")
    html = response.content.decode()
    assert verdict(html) == "invalid"
    assert "无效" in html and "不相符" in html
    assert 'data-state="valid"' not in html


def test_an_unknown_code_is_a_404_page_that_says_so(client, certificate):
    response = client.get("/verify/ABCDEFGHJKMNPQRS/")
    html = response.content.decode()
    assert response.status_code == 404
    assert verdict(html) == "not_found"
    assert "没有查验码为“ABCDEFGHJKMNPQRS”的证书" in html
    assert client.get("/verify/ABCDEFGHJKMNPQRS/certificate.json").status_code == 404


# --- /verify/ ----------------------------------------------------------------------------------------


def test_the_index_publishes_the_public_key_and_explains_the_offline_check(client, certificate):
    html = client.get("/verify/").content.decode()
    assert signing.public_key_pem().strip() in html
    assert signing.key_id() in html
    assert 'href="/verify/public-key.pem"' in html
    assert "离线查验" in html and "Ed25519" in html


def test_the_public_key_downloads_as_pem(client, certificate):
    response = client.get("/verify/public-key.pem")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-pem-file"
    assert "attachment" in response["Content-Disposition"]
    pem = response.content.decode()
    assert pem == signing.public_key_pem()
    assert signing.key_id_of(pem) == certificate.key_id


def test_search_by_number_or_name_lists_certificates_with_their_status(
    client, evaluation, certificate, grant, in_force, today
):
    other = create_org(street=evaluation.organization.street, name="湛山书画协会")
    second = issue_certificate(grade_record=grant(other, Grade.A3, valid=in_force))
    update_organization(organization=other, actor=None, data={"status": OrganizationStatus.DEREGISTERED}, source="注销")

    by_number = client.get("/verify/", {"q": certificate.number}).content.decode()
    assert f'href="/verify/{certificate.code}/"' in by_number and second.number not in by_number
    typed = certificate.number.replace("〔", "[").replace("〕", "]")
    assert f'href="/verify/{certificate.code}/"' in client.get("/verify/", {"q": typed}).content.decode()

    by_name = client.get("/verify/", {"q": "书画"}).content.decode()
    assert certificate.number in by_name and second.number in by_name
    assert "有效" in by_name and f"已撤销（{today.isoformat()}）" in by_name
    assert_no_personal_data(by_name)


def test_search_without_match_or_too_long_says_why(client, certificate):
    assert "没有找到与“不存在的协会”相符的证书" in client.get("/verify/", {"q": "不存在的协会"}).content.decode()
    response = client.get("/verify/", {"q": "书" * 101})
    assert response.status_code == 200
    assert "查询内容不能超过100个字符" in response.content.decode()


def test_search_results_take_the_same_queries_for_one_or_three(client, evaluation, certificate, grant, in_force):
    client.get("/verify/", {"q": "书画"})  # warm the per-process caches
    with CaptureQueriesContext(connection) as one:
        client.get("/verify/", {"q": "书画"})
    for n in range(2):
        other = create_org(street=evaluation.organization.street, name=f"湛山书画协会{n}")
        issue_certificate(grade_record=grant(other, Grade.A3, valid=in_force))
    with CaptureQueriesContext(connection) as three:
        html = client.get("/verify/", {"q": "书画"}).content.decode()
    # One link per certificate found, to its own page (the navigation links to /verify/ itself).
    assert len(re.findall(r'href="/verify/[^"/]+/"', html)) == 3
    assert len(three) == len(one)


# --- The signed data for an offline check -----------------------------------------------------------


def test_the_certificate_json_carries_data_signature_and_key(client, certificate):
    response = client.get(f"/verify/{certificate.code}/certificate.json")
    assert "attachment" in response["Content-Disposition"]
    document = response.json()
    assert document["data"]["number"] == certificate.number
    assert document["data"]["format"] == "shinan-evaluation-certificate/1"
    assert document["public_key"] == signing.public_key_pem()
    assert signing.verify(canonical_json(document["data"]), document["signature"], document["public_key"])
    assert_no_personal_data(response.content.decode())


# --- The API ---------------------------------------------------------------------------------------------


def test_api_certificate_gives_status_signature_and_printed_facts(client, certificate, today):
    data = client.get(f"/api/v1/certificates/{certificate.code}").json()
    assert data == {
        "status": "valid",
        "signature_ok": True,
        "number": certificate.number,
        "code": certificate.code,
        "organization_name": "市南区老年书画研究会",
        "identifier": certificate.identifier,
        "grade": "4A",
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "committee_name": "市南区社会组织评估委员会",
        "bureau_name": "青岛市市南区民政局",
        "issued_on": today.isoformat(),
        "key_id": signing.key_id(),
        "revoked_on": None,
        "revocation_reason": None,
        "replaced_by": None,
        "verify_url": f"https://shinan.example/verify/{certificate.code}/",
    }


def test_api_certificate_revoked_tampered_and_not_found(client, evaluation, certificate, today):
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A3, reason="复查", actor=evaluation.officer, on=today
    )
    certificate.refresh_from_db()
    data = client.get(f"/api/v1/certificates/{certificate.code}").json()
    assert (data["status"], data["revoked_on"], data["replaced_by"]) == (
        "revoked",
        today.isoformat(),
        certificate.replaced_by.number,
    )
    assert data["revocation_reason"] == "评估等级由4A降为3A：复查"

    Certificate.objects.filter(pk=certificate.replaced_by.pk).update(grade=Grade.A5)
    data = client.get(f"/api/v1/certificates/{certificate.replaced_by.code}").json()
    assert data["signature_ok"] is False and data["status"] == "invalid"

    response = client.get("/api/v1/certificates/NOPE")
    assert response.status_code == 404
    assert response.json() == {"detail": "未找到该证书。"}


def test_api_organization_lists_its_certificates(client, evaluation, certificate, today):
    downgrade_grade(
        grade=certificate.grade_record, to_grade=Grade.A3, reason="复查", actor=evaluation.officer, on=today
    )
    certificate.refresh_from_db()
    new = certificate.replaced_by
    data = client.get(f"/api/v1/organizations/{evaluation.organization.uscc}").json()
    assert data["certificates"] == [
        {
            "number": new.number,
            "code": new.code,
            "grade": "3A",
            "valid_from": new.valid_from.isoformat(),
            "valid_until": new.valid_until.isoformat(),
            "status": "valid",
            "signature_ok": True,
            "verify_url": f"https://shinan.example/verify/{new.code}/",
        },
        {
            "number": certificate.number,
            "code": certificate.code,
            "grade": "4A",
            "valid_from": certificate.valid_from.isoformat(),
            "valid_until": certificate.valid_until.isoformat(),
            "status": "revoked",
            "signature_ok": True,
            "verify_url": f"https://shinan.example/verify/{certificate.code}/",
        },
    ]
    assert_no_personal_data(str(data["certificates"]))
    other = create_org(street=evaluation.organization.street)
    assert client.get(f"/api/v1/organizations/{other.uscc}").json()["certificates"] == []


def test_openapi_describes_the_certificate_endpoint_and_field(client):
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/certificates/{code}"]["get"]
    assert set(operation["responses"]) == {"200", "400", "404", "429"}
    components = schema["components"]["schemas"]
    assert set(components["CertificateDetailOut"]["required"]) >= {"status", "signature_ok", "number", "verify_url"}
    listed = components["CertificateOut"]["properties"]
    assert set(listed) == {
        "number",
        "code",
        "grade",
        "valid_from",
        "valid_until",
        "status",
        "signature_ok",
        "verify_url",
    }
    states = ["valid", "not_yet_valid", "expired", "revoked", "invalid"]
    assert listed["status"]["enum"] == states
    assert components["CertificateDetailOut"]["properties"]["status"]["enum"] == states
    for schema in ("CertificateOut", "CertificateDetailOut"):
        description = components[schema]["properties"]["status"]["description"]
        assert all(f"`{state}`" in description for state in states)
    assert "signature_ok" in components["CertificateOut"]["required"]
    assert "certificates" in components["OrganizationDetailOut"]["required"]


# --- Not yet in force ----------------------------------------------------------------------------------


def test_a_certificate_of_a_grade_from_next_year_shows_not_yet_valid(client, evaluation, grant, today):
    """The calendar-years rule: awarded this year, in force from 1 January next year."""
    start = datetime.date(today.year + 1, 1, 1)
    grade = grant(
        evaluation.organization, Grade.A4, valid=(start, datetime.date(start.year + 4, 12, 31)), awarded_on=today
    )
    certificate = issue_certificate(grade_record=grade)

    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verdict(html) == "not_yet_valid"
    assert "尚未生效" in html and f"有效期为{start.isoformat()}至" in html
    assert "尚未生效" in client.get("/verify/", {"q": certificate.number}).content.decode()
    assert client.get(f"/api/v1/certificates/{certificate.code}").json()["status"] == "not_yet_valid"
    listed = client.get(f"/api/v1/organizations/{evaluation.organization.uscc}").json()["certificates"]
    assert [(item["number"], item["status"]) for item in listed] == [(certificate.number, "not_yet_valid")]


# --- Tampering: one verdict for the page, the API and the organization's list --------------------------


def test_a_tampered_certificate_is_invalid_in_the_organizations_list(client, evaluation, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(grade=Grade.A5)
    (listed,) = client.get(f"/api/v1/organizations/{evaluation.organization.uscc}").json()["certificates"]
    assert (listed["grade"], listed["status"], listed["signature_ok"]) == ("5A", "invalid", False)


def test_the_organizations_certificates_are_those_of_its_grades(client, evaluation, grant, in_force):
    """Listed by the grade they certify, whatever identifier is printed on them (a credit code may
    change: tests/evaluation/test_certificate_fixes.py). The link to the grade is not signed: a
    certificate moved onto a grade in the database is listed there, and its verification page
    shows the organization printed on it."""
    other = create_org(street=evaluation.organization.street, name="湛山书画协会")
    foreign = issue_certificate(grade_record=grant(other, Grade.A5, valid=in_force))
    own_grade = grant(evaluation.organization, Grade.A2, valid=in_force)  # no certificate of its own
    Certificate.objects.filter(pk=foreign.pk).update(grade_record=own_grade)

    (listed,) = client.get(f"/api/v1/organizations/{evaluation.organization.uscc}").json()["certificates"]
    assert listed["number"] == foreign.number
    assert "湛山书画协会" in client.get(listed["verify_url"].removeprefix("https://shinan.example")).content.decode()


def test_a_revocation_cleared_in_the_database_shows_invalid_not_valid(client, evaluation, certificate, today):
    revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=today)
    Certificate.objects.filter(pk=certificate.pk).update(revoked_on=None, revocation_reason="")

    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verdict(html) == "invalid"
    assert "撤销记录与发证机关签名的撤销声明不符" in html
    assert "无效（撤销记录不符）" in client.get("/verify/", {"q": certificate.number}).content.decode()
    data = client.get(f"/api/v1/certificates/{certificate.code}").json()
    assert (data["status"], data["signature_ok"]) == ("invalid", True)
    (listed,) = client.get(f"/api/v1/organizations/{evaluation.organization.uscc}").json()["certificates"]
    assert listed["status"] == "invalid"


def test_the_offline_document_of_a_revoked_certificate_carries_the_signed_statement(client, certificate, today):
    revoke_certificates(grade_record=certificate.grade_record, reason="误发", on=today)
    document = client.get(f"/verify/{certificate.code}/certificate.json").json()
    statement = document["revocation"]
    assert statement["data"]["code"] == certificate.code and statement["data"]["reason"] == "误发"
    assert signing.verify(canonical_json(statement["data"]), statement["signature"], signing.public_key_pem())


# --- Key rotation: every key published, each certificate checked by its own ---------------------------


@pytest.fixture
def rotated(settings, tmp_path, certificate):
    """The key that signed `certificate` retired (kept as a PEM file) and a new current key;
    returns the retired key's (id, PEM)."""
    old = (signing.key_id(), signing.public_key_pem())
    retired = tmp_path / "retired"
    retired.mkdir()
    (retired / "old.pem").write_text(old[1])
    settings.CERTIFICATE_SIGNING_KEY_FILE = tmp_path / "new" / "key.pem"
    settings.CERTIFICATE_RETIRED_PUBLIC_KEYS = [str(retired)]
    return old


def test_after_a_rotation_earlier_certificates_still_show_valid(client, certificate, rotated):
    assert signing.key_id() != certificate.key_id
    html = client.get(f"/verify/{certificate.code}/").content.decode()
    assert verdict(html) == "valid" and "核对无误" in html
    assert f'href="/verify/keys/{certificate.key_id}.pem"' in html
    assert client.get(f"/api/v1/certificates/{certificate.code}").json()["status"] == "valid"


def test_the_index_publishes_the_current_and_the_retired_keys(client, certificate, rotated):
    old_id, old_pem = rotated
    html = client.get("/verify/").content.decode()
    for key_id, pem in ((signing.key_id(), signing.public_key_pem()), (old_id, old_pem)):
        assert key_id in html and pem.strip() in html
        assert f'href="/verify/keys/{key_id}.pem"' in html
    current_at, retired_at = html.index(f'id="key-{signing.key_id()}"'), html.index(f'id="key-{old_id}"')
    assert current_at < retired_at  # the current key first
    assert "当前公钥" in html[current_at:retired_at] and "已停用的公钥" in html[retired_at:]


def test_each_key_downloads_by_its_id(client, certificate, rotated):
    old_id, old_pem = rotated
    assert client.get("/verify/public-key.pem").content.decode() == signing.public_key_pem()
    for key_id, pem in ((signing.key_id(), signing.public_key_pem()), (old_id, old_pem)):
        response = client.get(f"/verify/keys/{key_id}.pem")
        assert response.status_code == 200 and response["Content-Type"] == "application/x-pem-file"
        assert response.content.decode() == pem
        assert signing.key_id_of(response.content.decode()) == key_id
    assert client.get("/verify/keys/0123456789abcdef.pem").status_code == 404
