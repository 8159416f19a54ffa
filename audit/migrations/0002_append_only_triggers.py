"""The database refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of audit entries.

One migration for both databases: the SQL is chosen by the connection's vendor at run time.
DELETE and TRUNCATE pass only while audit.erasing.erasing_allowed() has set its connection flag,
which only `manage.py flush` (and so the test suite's flushes) does; see audit/erasing.py.

On SQLite a later migration that alters this table rebuilds it and drops these triggers: such a
migration must create them again (tests/audit/test_append_only.py fails otherwise).
"""

from django.db import migrations

TABLE = "audit_auditentry"

SQLITE_CREATE = [
    f"""CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT audit_erasing_allowed()
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
]

POSTGRES_CREATE = [
    """CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'UPDATE' AND current_setting('audit.erasing_allowed', true) = 'on' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$""",
    f"""CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    f"""CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    f"""CREATE TRIGGER audit_auditentry_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS audit_auditentry_no_truncate ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_auditentry_no_delete ON {TABLE}",
    f"DROP TRIGGER IF EXISTS audit_auditentry_no_update ON {TABLE}",
    "DROP FUNCTION IF EXISTS audit_refuse_change()",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise NotImplementedError(f"no append-only triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRES_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRES_DROP}),
        )
    ]
