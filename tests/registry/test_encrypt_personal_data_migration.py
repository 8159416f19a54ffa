"""registry 0017: rows written before it (personal data in clear) are encrypted, and reversing it
writes them back in clear."""

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from stdnum.cn import ric

from registry.enums import ApplicationKind
from registry.models import Application, Organization
from registry.services.applications import start_application
from tests.factories import UserFactory, create_org

migration = importlib.import_module("registry.migrations.0017_encrypt_personal_data")

BODY = "37020219520817461"
ID_NUMBER = BODY + ric.calc_check_digit(BODY + "0")
PHONE = "13611112222"


@pytest.fixture
def plain_apps(db):
    """The models as the data steps of 0017 see them: its first step applied, the fields still plain."""
    loader = MigrationLoader(connection)
    state = loader.project_state(("registry", "0016_search_index"))
    loader.get_migration("registry", "0017_encrypt_personal_data").operations[0].state_forwards("registry", state)
    return state.apps


def stored_organization(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT legal_representative_id_number, legal_representative_phone FROM registry_organization "
            "WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()


def test_existing_rows_are_encrypted_and_decrypted_again_on_the_way_back(tree, plain_apps):
    organization = create_org(street=tree.zhanshan, name="湛山老年大学")
    bare = create_org(street=tree.zhanshan, name="湛山读书会")
    application = start_application(
        applicant=UserFactory(), kind=ApplicationKind.FILING, street=tree.zhanshan, proposed={"name": "书画社"}
    )
    # As the rows were before 0017: written in clear.
    PlainOrganization = plain_apps.get_model("registry", "Organization")
    PlainApplication = plain_apps.get_model("registry", "Application")
    PlainOrganization.objects.filter(pk=organization.pk).update(
        legal_representative_id_number=ID_NUMBER, legal_representative_phone=PHONE
    )
    clear_facts = {"name": "书画社", "legal_representative_id_number": ID_NUMBER, "legal_representative_phone": ""}
    PlainApplication.objects.filter(pk=application.pk).update(proposed=clear_facts)

    migration.encrypt_organizations(plain_apps, None)
    migration.encrypt_applications(plain_apps, None)

    stored_id, stored_phone = stored_organization(organization.pk)
    assert ID_NUMBER not in stored_id and PHONE not in stored_phone
    assert stored_organization(bare.pk) == ("", "")
    encrypted = Organization.objects.get(pk=organization.pk)
    assert (encrypted.legal_representative_id_number, encrypted.legal_representative_phone) == (ID_NUMBER, PHONE)
    assert ID_NUMBER not in str(PlainApplication.objects.get(pk=application.pk).proposed)
    assert Application.objects.get(pk=application.pk).proposed == clear_facts

    migration.decrypt_organizations(plain_apps, None)
    migration.decrypt_applications(plain_apps, None)

    assert stored_organization(organization.pk) == (ID_NUMBER, PHONE)
    assert PlainApplication.objects.get(pk=application.pk).proposed == clear_facts
