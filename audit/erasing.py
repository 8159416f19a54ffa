"""The one way to empty the audit table: for the test suite's and `manage.py flush`'s wipes.

The database refuses UPDATE and DELETE on `audit_auditentry` (migration 0002). Django's flush, which
the test suite runs after every transactional test, empties every table: with DELETE on SQLite and
TRUNCATE on PostgreSQL (which this app's triggers refuse too). Rather than drop and re-create the
triggers around a flush (a window where anything goes, and triggers lost if it fails half-way), the
DELETE and TRUNCATE triggers ask a flag that lives on the database connection and that only
`erasing_allowed()` sets: a session setting (`audit.erasing_allowed`) on PostgreSQL, a function
registered on each connection (`audit_erasing_allowed()`) on SQLite. A connection opened outside
Django (the sqlite3 shell) has no such function, so its DELETE fails: the guard fails closed.
UPDATE is refused unconditionally.

This guards against the application, not against the database's owner, who could drop the
triggers anyway. `manage.py restore` needs no flag: it replaces the SQLite file page by page and
drops and re-creates tables on PostgreSQL, neither of which fires these triggers.
"""

from contextlib import contextmanager

SQLITE_FUNCTION = "audit_erasing_allowed"
POSTGRES_SETTING = "audit.erasing_allowed"
_SQLITE_FLAG = "_audit_erasing_allowed"


def register_sqlite_guard(sender, connection, **kwargs):
    """connection_created receiver: give each SQLite connection the function the trigger asks."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        SQLITE_FUNCTION, 0, lambda: int(getattr(connection, _SQLITE_FLAG, False)), deterministic=False
    )


@contextmanager
def erasing_allowed(connection):
    """Let DELETE and TRUNCATE through the audit table's triggers on `connection`, for the block."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, 'on', false)", [POSTGRES_SETTING])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', false)", [POSTGRES_SETTING])
    else:
        setattr(connection, _SQLITE_FLAG, True)
        try:
            yield
        finally:
            setattr(connection, _SQLITE_FLAG, False)
