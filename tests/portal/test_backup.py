"""`manage.py backup` and `manage.py restore` as an operator runs them: each command in its own
process with its own DATABASE_URL, MEDIA_ROOT and PRIVATE_MEDIA_ROOT. A database with
organizations and a private file is backed up, restored into an empty database, and compared
table by table (row counts) and row by row (a checksum of the organizations), read back with the
database's own driver rather than with the code under test."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import urllib.parse
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

PRIVATE_BYTES = b"%PDF-1.4\n% the articles of association, private\n%%EOF\n"
PUBLIC_BYTES = b"GIF89a a public image"
# Run in the commands' process: a small tree, organizations of each kind, a private and a public file.
POPULATE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from registry.enums import OrganizationKind, UnitLevel
from registry.services.units import add_unit
from registry.uploads import private_storage
from tests.factories import create_org

city = add_unit(parent=None, code="370200", name="青岛市", level=UnitLevel.CITY)
district = add_unit(parent=city, code="370202", name="市南区", level=UnitLevel.DISTRICT)
street = add_unit(parent=district, code="370202010", name="湛山街道", level=UnitLevel.STREET)
street.refresh_from_db()
community = add_unit(parent=street, code="370202010001", name="盐城路社区", level=UnitLevel.COMMUNITY)
street.refresh_from_db()
create_org(street=street, community=community, name="湛山养老服务中心", activity_codes=["elderly_care"])
create_org(street=street, kind=OrganizationKind.SERVICE_INSTITUTION, founded_on="2012-05-06")
create_org(street=street, kind=OrganizationKind.FOUNDATION, registered_capital="2000000.50")
create_org(street=street, kind=OrganizationKind.COMMUNITY_GROUP, name="盐城路社区合唱团")
private_storage().save("materials/2026/charter.pdf", ContentFile(PRIVATE_BYTES))
default_storage.save("images/logo.gif", ContentFile(PUBLIC_BYTES))
"""


# --- Running the commands ------------------------------------------------------------------------


def environment(database_url: str, files: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.dev",  # pytest-django set the test settings
        "DATABASE_URL": database_url,
        "MEDIA_ROOT": str(files / "media"),
        "PRIVATE_MEDIA_ROOT": str(files / "private"),
        "REGISTRY_IMPORT_DIR": str(files / "imports"),
        "CERTIFICATE_SIGNING_KEY_FILE": str(files / "keys" / "key.pem"),
    }


def manage(database_url: str, files: Path, *arguments: str, check=True) -> subprocess.CompletedProcess:
    completed = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=environment(database_url, files),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check:
        assert completed.returncode == 0, completed.stderr[-3000:]
    return completed


def populate(database_url: str, files: Path) -> None:
    script = f"PRIVATE_BYTES = {PRIVATE_BYTES!r}\nPUBLIC_BYTES = {PUBLIC_BYTES!r}\n{POPULATE}"
    manage(database_url, files, "shell", "-c", script)


def back_up(database_url: str, files: Path, out: Path) -> Path:
    output = manage(database_url, files, "backup", "--out", str(out)).stdout
    (archive,) = out.glob("portal-backup-*.tar.gz")
    assert str(archive) in output and "校验和：" in output
    return archive


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        return json.load(tar.extractfile("manifest.json"))


# --- Reading a database back with its own driver -----------------------------------------------------


def fingerprint(rows) -> str:
    return hashlib.sha256(repr([tuple(row) for row in rows]).encode()).hexdigest()


def sqlite_state(path: Path) -> tuple[dict[str, int], str]:
    """(rows per table, checksum of the organization rows) of a SQLite file."""
    with closing(sqlite3.connect(path)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables if t != "sqlite_sequence"}
        organizations = db.execute("SELECT * FROM registry_organization ORDER BY id").fetchall()
    return counts, fingerprint(organizations)


def postgresql_state(url: str) -> tuple[dict[str, int], str]:
    import psycopg

    with psycopg.connect(url) as db:
        tables = [name for (name,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        counts = {t: db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        organizations = db.execute("SELECT * FROM registry_organization ORDER BY id").fetchall()
    return counts, fingerprint(organizations)


def assert_restored(source_state, restored_state, archive: Path, files: Path) -> None:
    counts, _organizations = source_state
    assert counts["registry_organization"] == 4 and counts["registry_administrativeunit"] == 4
    assert restored_state == source_state
    assert manifest_of(archive)["database"]["tables"] == counts
    assert (files / "private" / "materials" / "2026" / "charter.pdf").read_bytes() == PRIVATE_BYTES
    assert (files / "media" / "images" / "logo.gif").read_bytes() == PUBLIC_BYTES


# --- SQLite ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def migrated_sqlite_file(tmp_path_factory, django_db_setup, django_db_blocker) -> Path:
    """A migrated SQLite file, made once: a copy of the (empty) test database when that is SQLite
    (the same migrations, without waiting for them again), else `migrate` run afresh."""
    path = tmp_path_factory.mktemp("migrated") / "migrated.sqlite3"
    if connection.vendor == "sqlite":
        with django_db_blocker.unblock():
            connection.ensure_connection()
            with closing(sqlite3.connect(path)) as copy:
                connection.connection.backup(copy)
    else:
        manage(f"sqlite:///{path}", path.parent / "files", "migrate", "--noinput")
    return path


@pytest.fixture(scope="module")
def sqlite_backup(tmp_path_factory, migrated_sqlite_file) -> tuple[Path, Path]:
    """(the source SQLite file, its archive): a populated copy of the migrated file, backed up."""
    work = tmp_path_factory.mktemp("sqlite-backup")
    source = work / "source.sqlite3"
    shutil.copyfile(migrated_sqlite_file, source)
    populate(f"sqlite:///{source}", work / "source-files")
    return source, back_up(f"sqlite:///{source}", work / "source-files", work / "backups")


@pytest.mark.django_db  # the test database is copied as the migrated source
def test_sqlite_backup_restores_into_an_empty_database_with_every_row_and_file(tmp_path, sqlite_backup):
    source, archive = sqlite_backup
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    output = manage(target, tmp_path / "restored-files", "restore", str(archive)).stdout
    assert "已恢复" in output
    source_state = sqlite_state(source)
    assert_restored(source_state, sqlite_state(tmp_path / "restored.sqlite3"), archive, tmp_path / "restored-files")

    # A second restore meets a database with data: refused, and nothing changes, unless --force.
    refused = manage(target, tmp_path / "restored-files", "restore", str(archive), check=False)
    assert refused.returncode == 1 and "数据库不是空的" in refused.stderr and "--force" in refused.stderr
    manage(target, tmp_path / "restored-files", "restore", "--force", str(archive))
    assert sqlite_state(tmp_path / "restored.sqlite3") == source_state


@pytest.mark.django_db
def test_a_tampered_archive_is_refused_before_anything_is_written(tmp_path, sqlite_backup):
    _source, archive = sqlite_backup
    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as original, tarfile.open(tampered, "w:gz") as copy:
        for member in original:
            content = original.extractfile(member).read()
            if member.name.startswith("private/"):
                content = content.replace(b"private", b"altered")
            copy.addfile(member, io.BytesIO(content))

    target = tmp_path / "restored.sqlite3"
    refused = manage(f"sqlite:///{target}", tmp_path / "restored-files", "restore", str(tampered), check=False)
    assert refused.returncode == 1 and "与其清单不符" in refused.stderr
    assert not (tmp_path / "restored-files" / "private").exists()
    if target.exists():  # opened at most: no table was written
        with closing(sqlite3.connect(target)) as db:
            assert db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] == 0


# --- PostgreSQL --------------------------------------------------------------------------------------


def _postgresql_url(name: str) -> str:
    database = connection.settings_dict
    credentials = urllib.parse.quote(database["USER"] or "", safe="")
    if database.get("PASSWORD"):
        credentials += ":" + urllib.parse.quote(database["PASSWORD"], safe="")
    host = f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
    return f"postgresql://{credentials}@{host}/{name}"


@pytest.fixture
def postgresql_databases(transactional_db, django_db_blocker):
    """(source URL, target URL): two private databases named after the test database. The source
    is a copy of the migrated test database (outside any transaction, so nothing uncommitted), the
    target is empty; both are dropped afterwards."""
    import psycopg
    from psycopg import sql

    test_database = connection.settings_dict["NAME"]
    source, target = f"{test_database}_backup_source", f"{test_database}_backup_target"
    admin_url = _postgresql_url("postgres")

    def execute(statement, *names):
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL(statement).format(*map(sql.Identifier, names)))

    with django_db_blocker.unblock():
        connection.close()  # a template database must have no other session
        for name in (source, target):
            execute("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)  # left by a killed run
        try:
            execute("CREATE DATABASE {} TEMPLATE {}", source, test_database)
            migrate = False
        except psycopg.errors.ObjectInUse:  # another session on the test database: migrate instead
            execute("CREATE DATABASE {}", source)
            migrate = True
        execute("CREATE DATABASE {}", target)
        try:
            if migrate:
                manage(_postgresql_url(source), Path(tempfile.mkdtemp()), "migrate", "--noinput")
            yield _postgresql_url(source), _postgresql_url(target)
        finally:
            for name in (source, target):
                execute("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: set DATABASE_URL to a PostgreSQL database (the backup uses pg_dump and pg_restore)",
)
def test_postgresql_backup_restores_into_an_empty_database_with_every_row_and_file(tmp_path, postgresql_databases):
    source, target = postgresql_databases
    populate(source, tmp_path / "source-files")
    archive = back_up(source, tmp_path / "source-files", tmp_path / "backups")
    assert manifest_of(archive)["database"]["file"] == "database.pgdump"

    manage(target, tmp_path / "restored-files", "restore", str(archive))
    source_state = postgresql_state(source)
    assert_restored(source_state, postgresql_state(target), archive, tmp_path / "restored-files")

    refused = manage(target, tmp_path / "restored-files", "restore", str(archive), check=False)
    assert refused.returncode == 1 and "数据库不是空的" in refused.stderr
    manage(target, tmp_path / "restored-files", "restore", "--force", str(archive))
    assert postgresql_state(target) == source_state
