"""Backups of a whole installation: the database and the uploaded files (MEDIA_ROOT and
PRIVATE_MEDIA_ROOT) in one .tar.gz archive, and their restore (`manage.py backup`, `manage.py restore`).

The archive holds `manifest.json`, the database (`database.pgdump`, from pg_dump's custom format,
or `database.sqlite3`, a copy made with SQLite's backup API) and the files under `media/` and
`private/`. The manifest records the row count of every table, taken in the same snapshot as the
dump, the SHA-256 of every member and one checksum over them all. A restore checks every member
against the manifest before it touches anything, and the row counts after loading.

The certificate signing key (CERTIFICATE_SIGNING_KEY_FILE) and the personal data keys
(PERSONAL_DATA_KEY_FILE, without which the archived ID numbers cannot be read) are secrets and are
not in the archive: keep them apart, as docs/deployment.md says.
"""

import datetime
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

FORMAT = "shinan-portal-backup/1"
MANIFEST = "manifest.json"
DATABASE_FILES = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}
# Archive folder → the setting naming the folder on this machine.
FILE_ROOTS = {"media": "MEDIA_ROOT", "private": "PRIVATE_MEDIA_ROOT"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why, for an operator."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict

    @property
    def rows(self) -> int:
        return sum(self.manifest["database"]["tables"].values())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def overall_checksum(files: dict[str, str]) -> str:
    """One checksum over every member's name and SHA-256, in name order."""
    return hashlib.sha256("".join(f"{name}\0{files[name]}\n" for name in sorted(files)).encode()).hexdigest()


def _vendor() -> str:
    if connection.vendor not in DATABASE_FILES:
        raise BackupError(_("不支持备份 %(vendor)s 数据库。") % {"vendor": connection.vendor})
    return connection.vendor


# --- Row counts ------------------------------------------------------------------------------------


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = cursor.fetchone()[0]
    return counts


def _sqlite_tables(db: sqlite3.Connection) -> list[str]:
    rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [name for (name,) in rows]


def table_counts() -> dict[str, int]:
    """The row count of every table of the configured database, by table name."""
    with connection.cursor() as cursor:
        return _counts(cursor, connection.introspection.table_names(cursor))


# --- PostgreSQL ------------------------------------------------------------------------------------


def _pg_arguments() -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump and pg_restore, and their environment (the password there,
    never on the command line)."""
    database = connection.settings_dict
    arguments = ["--dbname", database["NAME"]]
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            arguments += [option, str(database[key])]
    environment = dict(os.environ)
    if database.get("PASSWORD"):
        environment["PGPASSWORD"] = database["PASSWORD"]
    for option, variable in (("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT"), ("passfile", "PGPASSFILE")):
        if database.get("OPTIONS", {}).get(option):
            environment[variable] = str(database["OPTIONS"][option])
    return arguments, environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=environment, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(_("找不到 %(program)s，请安装 PostgreSQL 客户端。") % {"program": command[0]}) from None
    except subprocess.CalledProcessError as error:
        raise BackupError(
            _("%(program)s 失败：%(error)s") % {"program": command[0], "error": error.stderr.strip()}
        ) from None


def _dump_postgresql(target: Path) -> dict[str, int]:
    """pg_dump in the snapshot the row counts are taken in, so that the two always agree."""
    arguments, environment = _pg_arguments()
    options = ["--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
    if connection.in_atomic_block:  # a snapshot must be the transaction's first statement
        counts = table_counts()
        _run(["pg_dump", *options, *arguments], environment)
        return counts
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = _counts(cursor, connection.introspection.table_names(cursor))
        _run(["pg_dump", *options, f"--snapshot={snapshot}", *arguments], environment)
    return counts


def _restore_postgresql(source: Path, *, replace: bool) -> None:
    arguments, environment = _pg_arguments()
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if replace:
        options += ["--clean", "--if-exists"]
    connection.close()
    _run(["pg_restore", *options, *arguments, str(source)], environment)


# --- SQLite ----------------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> dict[str, int]:
    """A consistent copy through SQLite's backup API, counted from the copy itself."""
    connection.ensure_connection()
    with closing(sqlite3.connect(target)) as copy:
        connection.connection.backup(copy)
        return _counts(copy.cursor(), _sqlite_tables(copy))


def _restore_sqlite(source: Path) -> None:
    """Replace the whole configured database, page by page, with the archived copy."""
    connection.ensure_connection()
    with closing(sqlite3.connect(source)) as archived:
        archived.backup(connection.connection)


# --- Backup ----------------------------------------------------------------------------------------


def _files_to_archive() -> list[tuple[str, Path]]:
    """(name in the archive, path on disk) of every uploaded file, in name order."""
    members = []
    for folder, setting in FILE_ROOTS.items():
        root = Path(getattr(settings, setting))
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                members.append((f"{folder}/{path.relative_to(root).as_posix()}", path))
    return members


def _migrations() -> dict[str, str]:
    """The latest applied migration of each app, so that an operator can see what code a backup
    needs."""
    from django.db.migrations.recorder import MigrationRecorder

    latest = {}
    for app, name in MigrationRecorder(connection).migration_qs.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def create_backup(*, out_dir: Path) -> BackupResult:
    """Write a new archive of the database and the uploaded files into `out_dir`."""
    vendor = _vendor()
    out_dir.mkdir(parents=True, exist_ok=True)
    created = timezone.now()
    path = out_dir / f"portal-backup-{timezone.localtime(created):%Y%m%d-%H%M%S}.tar.gz"
    with tempfile.TemporaryDirectory(prefix="portal-backup-") as work:
        database_file = Path(work) / DATABASE_FILES[vendor]
        counts = _dump_postgresql(database_file) if vendor == "postgresql" else _dump_sqlite(database_file)
        members = [(DATABASE_FILES[vendor], database_file), *_files_to_archive()]
        files = {name: _sha256(source) for name, source in members}
        manifest = {
            "format": FORMAT,
            "created_at": created.isoformat(),
            "database": {"vendor": vendor, "file": DATABASE_FILES[vendor], "tables": counts},
            "migrations": _migrations(),
            "files": files,
            "checksum": overall_checksum(files),
        }
        partial = path.with_suffix(".partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                content = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size, info.mtime = len(content), int(created.timestamp())
                archive.addfile(info, io.BytesIO(content))
                for name, source in members:
                    archive.add(source, arcname=name, recursive=False)
            partial.replace(path)  # a complete archive or none under the final name
        finally:
            partial.unlink(missing_ok=True)
    return BackupResult(path=path, manifest=manifest)


# --- Restore ---------------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def _unpack(archive_path: Path, into: Path) -> dict:
    """Extract the archive's regular files into `into`, refusing any other kind of member or a
    path outside it; return the manifest after checking every member against it."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            for member in archive:
                if member.isdir():
                    continue
                if not member.isfile() or not _safe_name(member.name):
                    raise BackupError(_("归档文件中有不允许的成员：%(name)s") % {"name": member.name})
                target = into / member.name
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, target.open("wb") as output:
                    shutil.copyfileobj(source, output, CHUNK)
    except (OSError, tarfile.TarError, EOFError) as error:
        raise BackupError(_("无法读取归档文件：%(error)s") % {"error": error}) from None
    try:
        manifest = json.loads((into / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(_("这不是门户的备份文件（缺少 manifest.json）。")) from None
    if manifest.get("format") != FORMAT:
        raise BackupError(_("这不是门户的备份文件（缺少 manifest.json）。"))
    files = manifest["files"]
    present = {path.relative_to(into).as_posix() for path in into.rglob("*") if path.is_file()} - {MANIFEST}
    if present != set(files) or overall_checksum(files) != manifest["checksum"]:
        raise BackupError(_("归档文件与其清单不符，可能已损坏或被改动。"))
    for name, expected in files.items():
        if _sha256(into / name) != expected:
            raise BackupError(_("归档文件与其清单不符，可能已损坏或被改动。"))
    return manifest


def _first_non_empty_table() -> tuple[str, int] | None:
    for table, count in table_counts().items():
        if count:
            return table, count
    return None


def restore_backup(*, archive: Path, force: bool = False) -> dict:
    """Restore the database and the uploaded files from `archive`; return its manifest.

    Refuses a database that holds any row (a migrated one too) unless `force`, which replaces
    what the archive holds: every table of a SQLite database; on PostgreSQL the archived tables
    (others are left). Archived files are written over files of the same name; others are kept.
    """
    vendor = _vendor()
    with tempfile.TemporaryDirectory(prefix="portal-restore-") as work:
        unpacked = Path(work)
        manifest = _unpack(archive, unpacked)
        archived_vendor = manifest["database"]["vendor"]
        if archived_vendor != vendor:
            raise BackupError(
                _("备份来自 %(archived)s 数据库，当前数据库是 %(current)s，无法恢复。")
                % {"archived": archived_vendor, "current": vendor}
            )
        occupied = _first_non_empty_table()
        if occupied and not force:
            raise BackupError(
                _("数据库不是空的（%(table)s 表有 %(count)d 行）。恢复会替换其中的数据；确认请加 --force。")
                % {"table": occupied[0], "count": occupied[1]}
            )
        database_file = unpacked / manifest["database"]["file"]
        if vendor == "postgresql":
            _restore_postgresql(database_file, replace=bool(occupied))
        else:
            _restore_sqlite(database_file)
        counts = table_counts()
        expected = manifest["database"]["tables"]
        wrong = sorted(table for table, count in expected.items() if counts.get(table) != count)
        if wrong:
            raise BackupError(_("恢复后这些表的行数与备份清单不符：%(tables)s") % {"tables": "、".join(wrong)})
        for folder, setting in FILE_ROOTS.items():
            if (unpacked / folder).is_dir():
                shutil.copytree(unpacked / folder, Path(getattr(settings, setting)), dirs_exist_ok=True)
    return manifest


def default_backup_dir() -> Path:
    return Path(settings.BASE_DIR) / "var" / "backups"


def created_at_local(manifest: dict) -> str:
    """When the archive was made, in local time (for the command's report)."""
    created = datetime.datetime.fromisoformat(manifest["created_at"])
    return f"{timezone.localtime(created):%Y-%m-%d %H:%M:%S}"
