"""The audit log cannot be changed or emptied: not through the ORM, not through raw SQL."""

import pytest
from django.db import DatabaseError, connection, transaction

from audit.erasing import erasing_allowed
from audit.models import AuditEntry, AuditEntryRefused
from audit.services import record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    officer = UserFactory(username="officer", first_name="王科长")
    return record(actor=officer, action="personal_data.view", target=officer, reason="核对", after={"x": 1})


def _raw(sql: str, params=()):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_the_database_refuses_update(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["改过", entry.pk])
    entry.refresh_from_db()
    assert entry.reason == "核对"


def test_the_database_refuses_delete(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_refuses_update_even_while_erasing_is_allowed(entry):
    with erasing_allowed(connection), pytest.raises(DatabaseError, match="append-only"):
        _raw("UPDATE audit_auditentry SET reason = %s WHERE id = %s", ["改过", entry.pk])


def test_only_the_flush_flag_lets_delete_through(entry):
    with erasing_allowed(connection):
        _raw("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert not AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE triggers exist on PostgreSQL only")
def test_postgresql_refuses_truncate(entry):
    with pytest.raises(DatabaseError, match="append-only"):
        _raw("TRUNCATE audit_auditentry")
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_model_refuses_save_and_delete_of_a_stored_entry(entry):
    entry.reason = "改过"
    with pytest.raises(AuditEntryRefused):
        entry.save()
    with pytest.raises(AuditEntryRefused):
        entry.delete()
    with pytest.raises(AuditEntryRefused):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="改过")
    with pytest.raises(AuditEntryRefused):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.reason == "核对"


def test_deleting_the_actor_leaves_the_entry_as_written(entry):
    UserFactory._meta.model.objects.filter(username="officer").delete()
    entry.refresh_from_db()
    assert (entry.actor_name, entry.target_repr) == ("王科长", "officer")


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_still_empties_the_table():
    """Transactional tests end with `flush`, which must get past the DELETE trigger (SQLite)
    or the TRUNCATE trigger (PostgreSQL)."""
    officer = UserFactory(username="flushed")
    record(actor=officer, action="personal_data.view", target=officer)
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
