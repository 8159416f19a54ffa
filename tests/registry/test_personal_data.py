"""Personal data (issue 9): legal representatives' ID numbers and phones encrypted at rest, shown
masked to everyone but the organization and its registration officers, an officer's view audited,
and never in history, exports, the API, notifications or logs."""

import csv
import io
import json
import logging
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core import mail
from django.core.exceptions import FieldError, ImproperlyConfigured, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from stdnum.cn import ric

from audit.models import AuditEntry
from evaluation.enums import AgencyRole
from evaluation.models import Agency, AgencyMember
from federation.services import add_federation_staff, found_federation
from registry.encryption import DecryptionError, decrypt, encrypt
from registry.enums import ApplicationAction as A
from registry.enums import ApplicationKind, OrganizationKind, Role
from registry.models import Application, Notification, Organization, OrganizationChange
from registry.personal_data import personal_data_for
from registry.services.applications import act_on_application, start_application
from registry.services.organizations import update_organization
from registry.services.roles import link_organization_account
from tests.factories import UserFactory, create_org, file_required_materials, make_uscc

BODY = "37020219670329583"
ID_NUMBER = BODY + ric.calc_check_digit(BODY + "0")
HIDDEN = ID_NUMBER[6:14]  # the birth date: what the mask hides
MASKED_ID = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]
PHONE = "13987654321"
MASKED_PHONE = "139****4321"
FEDERATION = "湛山街道社区社会组织联合会"


def assert_absent(text: str) -> None:
    assert ID_NUMBER not in text and HIDDEN not in text and PHONE not in text


@pytest.fixture
def society(tree):
    """A social group registered by the district, located in 湛山街道 / 盐城路社区."""
    return create_org(
        street=tree.zhanshan,
        community=tree.yancheng,
        name="湛山书画研究会",
        uscc=make_uscc(),
        legal_representative="王建国",
        legal_representative_id_number=ID_NUMBER,
        legal_representative_phone=PHONE,
    )


@pytest.fixture
def choir(tree):
    """A community group filed by 湛山街道."""
    return create_org(
        street=tree.zhanshan,
        community=tree.yancheng,
        kind=OrganizationKind.COMMUNITY_GROUP,
        name="盐城路社区合唱团",
        legal_representative_id_number=ID_NUMBER,
        legal_representative_phone=PHONE,
    )


def views_of_personal_data(user) -> int:
    return AuditEntry.objects.filter(action="personal_data.view", actor_id=user.pk).count()


def as_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


# --- encryption at rest ----------------------------------------------------------------------------


def test_the_database_holds_tokens_and_the_model_the_clear_values(society):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_representative_id_number, legal_representative_phone FROM registry_organization "
            "WHERE id = %s",
            [society.pk],
        )
        stored_id, stored_phone = cursor.fetchone()
    assert stored_id != ID_NUMBER and HIDDEN not in stored_id and stored_id.startswith("gAAAA")  # a Fernet token
    assert stored_phone != PHONE and PHONE not in stored_phone
    organization = Organization.objects.get(pk=society.pk)
    assert (organization.legal_representative_id_number, organization.legal_representative_phone) == (ID_NUMBER, PHONE)


def test_an_applications_personal_data_is_encrypted_inside_its_json_and_the_rest_stays_queryable(tree):
    application = start_application(
        applicant=UserFactory(),
        kind=ApplicationKind.FILING,
        street=tree.zhanshan,
        proposed={
            "name": "盐城路社区书画社",
            "legal_representative_id_number": ID_NUMBER,
            "legal_representative_phone": "",
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT proposed FROM registry_application WHERE id = %s", [application.pk])
        stored = cursor.fetchone()[0]
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored["name"] == "盐城路社区书画社"
    assert stored["legal_representative_id_number"].startswith("gAAAA") and HIDDEN not in json.dumps(stored)
    assert Application.objects.get(pk=application.pk).proposed["legal_representative_id_number"] == ID_NUMBER
    assert Application.objects.get(proposed__name="盐城路社区书画社") == application


def test_lookups_that_would_compare_ciphertext_are_refused_and_blank_still_filters(society):
    with pytest.raises(FieldError):
        list(Organization.objects.filter(legal_representative_id_number=ID_NUMBER))
    with pytest.raises(FieldError):
        list(Organization.objects.filter(legal_representative_phone__contains="8765"))
    assert list(Organization.objects.exclude(legal_representative_id_number="")) == [society]


def test_the_validator_runs_on_the_clear_value(society):
    society.legal_representative_id_number = ID_NUMBER[:-1] + ("1" if ID_NUMBER[-1] != "1" else "2")
    with pytest.raises(ValidationError) as refused:
        society.full_clean()
    assert "legal_representative_id_number" in refused.value.error_dict


def test_a_value_no_configured_key_opens_is_an_error_not_a_token_shown(society, settings):
    settings.PERSONAL_DATA_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(DecryptionError):
        Organization.objects.get(pk=society.pk)


def test_keys_rotate_by_putting_a_new_one_first_and_writing_everything_again(society, tree, settings):
    application = start_application(
        applicant=UserFactory(),
        kind=ApplicationKind.FILING,
        street=tree.zhanshan,
        proposed={"name": "盐城路社区书画社", "legal_representative_phone": PHONE},
    )
    old_keys = Path(settings.PERSONAL_DATA_KEY_FILE).read_text().split()
    new_key = Fernet.generate_key().decode()
    settings.PERSONAL_DATA_KEYS = [new_key, *old_keys]
    out = io.StringIO()
    call_command("rotate_personal_data_keys", stdout=out)
    assert "社会组织 1 个，申请 1 件" in out.getvalue()
    settings.PERSONAL_DATA_KEYS = [new_key]  # the old key is gone
    assert Organization.objects.get(pk=society.pk).legal_representative_id_number == ID_NUMBER
    assert Application.objects.get(pk=application.pk).proposed["legal_representative_phone"] == PHONE


def test_a_missing_key_is_generated_outside_git_only_where_allowed(tmp_path, settings):
    settings.PERSONAL_DATA_KEYS = []
    settings.PERSONAL_DATA_KEY_FILE = tmp_path / "keys" / "personal-data-keys"
    settings.PERSONAL_DATA_KEY_GENERATE = False  # as in production
    with pytest.raises(ImproperlyConfigured):
        encrypt("x")
    settings.PERSONAL_DATA_KEY_GENERATE = True
    assert decrypt(encrypt(ID_NUMBER)) == ID_NUMBER
    assert oct(settings.PERSONAL_DATA_KEY_FILE.stat().st_mode & 0o777) == "0o600"
    settings.PERSONAL_DATA_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured):
        encrypt("x")


# --- who reads it in clear -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "unit", "organization", "in_clear"),
    [
        (Role.DISTRICT_OFFICER, "district", "society", True),  # registers it
        (Role.STREET_OFFICER, "zhanshan", "choir", True),  # files it
        (Role.STREET_OFFICER, "zhanshan", "society", False),  # another tier registers it
        (Role.COMMUNITY_SUPERVISOR, "yancheng", "society", False),
        (Role.COMMUNITY_SUPERVISOR, "yancheng", "choir", False),
        (Role.CITY_OFFICER, "city", "society", False),  # sees the city, registers none of the district's
    ],
)
def test_the_back_office_shows_personal_data_in_clear_to_registration_officers_only(
    client, tree, make_officer, society, choir, role, unit, organization, in_clear
):
    officer = make_officer(role, getattr(tree, unit))
    target = {"society": society, "choir": choir}[organization]
    client.force_login(officer)
    page = client.get(reverse("organizations:inspect", args=[target.pk])).content.decode()
    if in_clear:
        assert ID_NUMBER in page and PHONE in page
        entry = AuditEntry.objects.get(action="personal_data.view", actor_id=officer.pk)
        assert (entry.target_type, entry.target_id, entry.organization_id) == (
            "registry.organization",
            str(target.pk),
            target.pk,
        )
        assert_absent(json.dumps([entry.reason, entry.before, entry.after, entry.target_repr], ensure_ascii=False))
    else:
        assert MASKED_ID in page and MASKED_PHONE in page
        assert_absent(page)
        assert views_of_personal_data(officer) == 0


def test_each_officers_view_is_recorded_and_so_is_opening_the_edit_form(client, tree, make_officer, society):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    client.force_login(officer)
    client.get(reverse("organizations:inspect", args=[society.pk]))
    client.get(reverse("organizations:inspect", args=[society.pk]))
    assert views_of_personal_data(officer) == 2
    form = client.get(reverse("organizations:edit", args=[society.pk])).content.decode()
    assert ID_NUMBER in form
    assert views_of_personal_data(officer) == 3


def test_an_organization_without_personal_data_leaves_no_record(client, tree, make_officer):
    bare = create_org(street=tree.zhanshan, name="湛山读书会")
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    client.force_login(officer)
    assert client.get(reverse("organizations:inspect", args=[bare.pk])).status_code == 200
    assert views_of_personal_data(officer) == 0


def test_the_organizations_own_account_reads_it_in_clear_without_an_audit_entry(society):
    account = UserFactory()
    link_organization_account(user=account, organization=society)
    shown = personal_data_for(as_request(account), society)
    assert shown == {"legal_representative_id_number": ID_NUMBER, "legal_representative_phone": PHONE}
    assert views_of_personal_data(account) == 0


def test_federation_staff_and_assessors_read_it_masked(tree, society, choir):
    staff = UserFactory()
    add_federation_staff(
        user=staff, federation=found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    )
    assessor = UserFactory()
    agency = Agency.objects.create(name="青岛评估中心", uscc=make_uscc())
    AgencyMember.objects.create(user=assessor, agency=agency, role=AgencyRole.ASSESSOR)
    for user in (staff, assessor):
        for organization in (society, choir):
            shown = personal_data_for(as_request(user), organization)
            assert shown == {"legal_representative_id_number": MASKED_ID, "legal_representative_phone": MASKED_PHONE}
        assert views_of_personal_data(user) == 0


# --- applications ----------------------------------------------------------------------------------


@pytest.fixture
def submitted_filing(tree):
    applicant = UserFactory(email="applicant@example.com")
    application = start_application(
        applicant=applicant,
        kind=ApplicationKind.FILING,
        street=tree.zhanshan,
        proposed={
            "name": "盐城路社区书画社",
            "community": tree.yancheng.pk,
            "address": "湛山路8号",
            "legal_representative": "张敏",
            "legal_representative_id_number": ID_NUMBER,
            "legal_representative_phone": PHONE,
        },
    )
    file_required_materials(application)
    return act_on_application(application=application, action=A.SUBMIT, actor=applicant, reason="", extra={})


def test_the_applicant_reads_their_application_in_clear_without_an_audit_entry(client, submitted_filing):
    client.force_login(submitted_filing.applicant)
    page = client.get(reverse("account_application", args=[submitted_filing.pk])).content.decode()
    assert ID_NUMBER in page and PHONE in page
    assert not AuditEntry.objects.filter(action="personal_data.view").exists()


def test_the_deciding_street_reads_a_filing_in_clear_and_the_federation_masked(
    client, tree, make_officer, submitted_filing
):
    staff = UserFactory()
    add_federation_staff(
        user=staff, federation=found_federation(street=tree.zhanshan, name="湛山街道社区社会组织联合会")
    )
    client.force_login(staff)
    page = client.get(reverse("applications:inspect", args=[submitted_filing.pk])).content.decode()
    assert MASKED_ID in page and MASKED_PHONE in page
    assert_absent(page)
    assert views_of_personal_data(staff) == 0
    street = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    client.force_login(street)
    page = client.get(reverse("applications:inspect", args=[submitted_filing.pk])).content.decode()
    assert ID_NUMBER in page and PHONE in page
    entry = AuditEntry.objects.get(action="personal_data.view", actor_id=street.pk)
    assert (entry.target_type, entry.target_id) == ("registry.application", str(submitted_filing.pk))


# --- never in history, exports, the API, notifications or logs ---------------------------------------


def test_history_entries_hold_the_personal_data_masked_only(tree, make_officer, society):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    other = "370202198505050013"
    other = other[:-1] + ric.calc_check_digit(other[:-1] + "0")
    update_organization(
        organization=society,
        actor=officer,
        data={"legal_representative_id_number": other, "legal_representative_phone": "13700000000"},
        source="后台编辑",
    )
    changes = OrganizationChange.objects.filter(organization=society)
    recorded = json.dumps(list(changes.values_list("old_value", "new_value")), ensure_ascii=False)
    assert_absent(recorded)
    assert other not in recorded and "13700000000" not in recorded and MASKED_ID in recorded
    audited = json.dumps(list(AuditEntry.objects.values_list("before", "after", "reason")), ensure_ascii=False)
    assert_absent(audited)
    assert other not in audited


def test_open_data_and_the_public_api_leave_it_out(client, society):
    for path in ("/open-data/organizations.csv", "/open-data/organizations.json"):
        response = client.get(path)
        text = b"".join(response.streaming_content).decode("utf-8-sig") if response.streaming else response.text
        assert "湛山书画研究会" in text
        assert_absent(text)
    response = client.get("/open-data/organizations.xlsx")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    cells = [str(cell) for row in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True) for cell in row]
    assert "湛山书画研究会" in cells
    assert_absent(" ".join(cells))
    for path in ("/api/v1/organizations", f"/api/v1/organizations/{society.uscc}"):
        response = client.get(path)
        assert response.status_code == 200 and "湛山书画研究会" in json.dumps(response.json(), ensure_ascii=False)
        assert_absent(response.text)


def test_the_officers_spreadsheet_export_leaves_it_out(client, tree, make_officer, society):
    # The export is the import format (registry/spreadsheets.py), which has no personal column.
    client.force_login(make_officer(Role.DISTRICT_OFFICER, tree.district))
    response = client.get(reverse("organizations:index"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "湛山书画研究会" in [row[0] for row in csv.reader(io.StringIO(text))]
    assert_absent(text)


def test_notifications_and_their_emails_leave_it_out(
    tree, make_officer, submitted_filing, django_capture_on_commit_callbacks
):
    street = make_officer(Role.STREET_OFFICER, tree.zhanshan)
    with django_capture_on_commit_callbacks(execute=True):
        act_on_application(application=submitted_filing, action=A.ACCEPT, actor=street, reason="", extra={})
        act_on_application(application=submitted_filing, action=A.APPROVE, actor=street, reason="材料齐全", extra={})
    assert mail.outbox
    for message in mail.outbox:
        assert_absent(message.subject + message.body)
    messages = " ".join(Notification.objects.filter(application=submitted_filing).values_list("message", flat=True))
    assert messages
    assert_absent(messages)


def test_no_log_record_or_sql_statement_carries_it(client, tree, make_officer, society, caplog):
    officer = make_officer(Role.DISTRICT_OFFICER, tree.district)
    client.force_login(officer)
    with caplog.at_level(logging.DEBUG), CaptureQueriesContext(connection) as queries:
        update_organization(
            organization=society, actor=officer, data={"legal_representative_phone": "13712345678"}, source="后台编辑"
        )
        client.get(reverse("organizations:inspect", args=[society.pk]))
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert HIDDEN not in statements and "13712345678" not in statements
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert HIDDEN not in logged and "13712345678" not in logged
