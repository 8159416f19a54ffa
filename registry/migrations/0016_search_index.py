"""The trigram index of the organizations' search documents (registry/search.py): an FTS5 table
kept by triggers on SQLite, a GIN index over a stored column of the document's trigrams on PostgreSQL. The index
holds each document with two spaces after it, so that every character, the last ones too, starts
a trigram: a one- or two-character term is found as the beginning of one."""

from django.db import migrations

SQLITE_CREATE = [
    # Contentless: the documents stay in registry_organization; detail=none keeps no positions,
    # since the substring match decides anyway.
    "CREATE VIRTUAL TABLE registry_organization_search USING fts5("
    "document, content='', tokenize='trigram', detail='none')",
    "CREATE VIRTUAL TABLE registry_organization_search_vocab USING fts5vocab(registry_organization_search, 'row')",
    "INSERT INTO registry_organization_search(rowid, document) "
    "SELECT id, search_document || '  ' FROM registry_organization",
    """CREATE TRIGGER registry_organization_search_insert AFTER INSERT ON registry_organization BEGIN
        INSERT INTO registry_organization_search(rowid, document) VALUES (new.id, new.search_document || '  ');
    END""",
    """CREATE TRIGGER registry_organization_search_delete AFTER DELETE ON registry_organization BEGIN
        INSERT INTO registry_organization_search(registry_organization_search, rowid, document)
        VALUES ('delete', old.id, old.search_document || '  ');
    END""",
    """CREATE TRIGGER registry_organization_search_update AFTER UPDATE OF id, search_document
    ON registry_organization BEGIN
        INSERT INTO registry_organization_search(registry_organization_search, rowid, document)
        VALUES ('delete', old.id, old.search_document || '  ');
        INSERT INTO registry_organization_search(rowid, document) VALUES (new.id, new.search_document || '  ');
    END""",
]
SQLITE_DROP = [
    "DROP TRIGGER registry_organization_search_update",
    "DROP TRIGGER registry_organization_search_delete",
    "DROP TRIGGER registry_organization_search_insert",
    "DROP TABLE registry_organization_search_vocab",
    "DROP TABLE registry_organization_search",
]

POSTGRESQL_CREATE = [
    # Every three characters of the document (with the space after it), as the lexemes of a
    # tsvector: a GIN index over it finds a trigram, or by prefix (`'养老':*`) a shorter term.
    """CREATE FUNCTION registry_search_trigrams(document text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
        SELECT array_to_tsvector(array_agg(DISTINCT substr(document || '  ', i, 3)))
        FROM generate_series(1, length(document)) AS i
    $$""",
    # Stored, not an index over the function: a prefix match is rechecked row by row, and
    # computing the trigrams of each candidate row took seconds for a common word at a million
    # organizations. PostgreSQL keeps the column up to date; Django does not know it.
    "ALTER TABLE registry_organization ADD COLUMN search_trigrams tsvector "
    "GENERATED ALWAYS AS (registry_search_trigrams(search_document)) STORED",
    # A GIN index builds far faster when its pending lists fit in memory (this transaction only).
    "SET LOCAL maintenance_work_mem = '256MB'",
    "CREATE INDEX registry_org_search_trigrams ON registry_organization USING gin (search_trigrams)",
]
POSTGRESQL_DROP = [
    "DROP INDEX registry_org_search_trigrams",
    "ALTER TABLE registry_organization DROP COLUMN search_trigrams",
    "DROP FUNCTION registry_search_trigrams(text)",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("registry", "0015_annual_reports_on_paper")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE}),
            _run({"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP}),
        )
    ]
