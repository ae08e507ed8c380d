"""`portal backup` and `portal restore`: one archive with the data and a manifest of versions.

SQLite is copied with SQLite's online backup API, which is safe while the portal
serves and writes (readers and the writer go on; the copy is one consistent state).
PostgreSQL is dumped with `pg_dump` (one snapshot, custom format) and restored with
`pg_restore` in a single transaction. The manifest records the schema revision, the
portal's and the database's versions and a checksum; a restore checks them first.
"""

from __future__ import annotations

import hashlib
import io
import json
import platform
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from app.migrate import alembic_config, head_revisions, upgrade

FORMAT = 1
MANIFEST = "manifest.json"
DATA = {"sqlite": "portal.sqlite3", "postgresql": "portal.pgdump"}


class BackupError(Exception):
    """Something the operator must fix; the message says what. Nothing was changed."""


@dataclass(frozen=True)
class Manifest:
    format: int
    created_at: str
    database: str  # sqlite | postgresql
    schema_revision: str
    portal_version: str
    python_version: str
    database_version: str
    sha256: str


def _kind(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in DATA:
        raise BackupError(f"Sicherung für die Datenbank „{backend}“ wird nicht unterstützt.")
    return backend


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("Eine Datenbank im Arbeitsspeicher lässt sich nicht sichern.")
    return Path(database)


def _libpq_url(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _run(*command: str) -> str:
    if shutil.which(command[0]) is None:
        raise BackupError(f"„{command[0]}“ ist nicht installiert (PostgreSQL-Client-Programme werden gebraucht).")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} ist fehlgeschlagen: {done.stderr.strip()[:500]}")
    return done.stdout


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while chunk := data.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _dump(database_url: str, kind: str, target: Path) -> tuple[str, str]:
    """Write the data to `target`; return (schema revision, database version)."""
    if kind == "sqlite":
        source_path = _sqlite_path(database_url)
        if not source_path.exists():
            raise BackupError(f"Die Datenbankdatei {source_path} gibt es nicht.")
        with sqlite3.connect(source_path, timeout=30) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        with sqlite3.connect(target) as copy:
            revision = _sqlite_revision(copy)
        return revision, sqlite3.sqlite_version
    libpq = _libpq_url(database_url)
    _run("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", libpq)
    revision = _run("psql", "-At", "-c", "select version_num from alembic_version", libpq).strip()
    server = _run("psql", "-At", "-c", "show server_version", libpq).strip()
    return revision, f"PostgreSQL {server}"


def _sqlite_revision(connection: sqlite3.Connection) -> str:
    try:
        rows = connection.execute("select version_num from alembic_version").fetchall()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"Die Datenbank hat kein Schema des Portals ({exc}).") from exc
    return ",".join(sorted(row[0] for row in rows))


def create_backup(database_url: str, target: Path) -> Manifest:
    """Write one archive to `target` (created whole, or not at all)."""
    kind = _kind(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as work:
        data = Path(work) / DATA[kind]
        revision, database_version = _dump(database_url, kind, data)
        manifest = Manifest(
            format=FORMAT,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            database=kind,
            schema_revision=revision,
            portal_version=version("partner-portal"),
            python_version=platform.python_version(),
            database_version=database_version,
            sha256=_sha256(data),
        )
        partial = Path(work) / "archive.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            body = json.dumps(asdict(manifest), indent=2).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(body)
            archive.addfile(info, io.BytesIO(body))
            archive.add(data, arcname=DATA[kind])
        partial.replace(target)
    return manifest


def read_manifest(archive_path: Path) -> Manifest:
    try:
        with tarfile.open(archive_path, "r:*") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return Manifest(**json.loads(member.read()))
    except FileNotFoundError as exc:
        raise BackupError(f"Die Sicherung {archive_path} gibt es nicht.") from exc
    except (tarfile.TarError, KeyError, TypeError, ValueError) as exc:
        raise BackupError(f"{archive_path} ist keine Sicherung des Portals ({exc}).") from exc


def _known_revisions() -> set[str]:
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return {script.revision for script in scripts.walk_revisions()}


def _check(manifest: Manifest, kind: str) -> None:
    if manifest.format != FORMAT:
        raise BackupError(f"Unbekanntes Sicherungsformat {manifest.format}.")
    if manifest.database != kind:
        raise BackupError(
            f"Die Sicherung ist aus {manifest.database}, das Ziel ist {kind}; "
            "eine Sicherung lässt sich nur in dieselbe Art Datenbank zurückspielen."
        )
    if not set(manifest.schema_revision.split(",")) <= _known_revisions():
        raise BackupError(
            f"Die Sicherung hat den Datenbankstand {manifest.schema_revision} einer neueren Portal-Version "
            f"({manifest.portal_version}); bitte zuerst das Portal aktualisieren."
        )


def _has_data(database_url: str, kind: str) -> bool:
    if kind == "sqlite":
        path = _sqlite_path(database_url)
        if not path.exists():
            return False
        with sqlite3.connect(path, timeout=30) as target:
            tables = {row[0] for row in target.execute("select name from sqlite_master where type = 'table'")}
            return "partners" in tables and target.execute("select count(*) from partners").fetchone()[0] > 0
    found = _run("psql", "-At", "-c", "select to_regclass('public.partners') is not null", _libpq_url(database_url))
    if found.strip() != "t":
        return False
    return _run("psql", "-At", "-c", "select count(*) > 0 from partners", _libpq_url(database_url)).strip() == "t"


def restore_backup(database_url: str, archive_path: Path, *, replace: bool) -> Manifest:
    """Put the archive's data in place of the database's; then bring the schema up to date."""
    kind = _kind(database_url)
    manifest = read_manifest(archive_path)
    _check(manifest, kind)
    if not replace and _has_data(database_url, kind):
        raise BackupError(
            "Die Zieldatenbank enthält bereits Daten. Mit --replace wird sie durch die Sicherung ersetzt."
        )
    with tempfile.TemporaryDirectory() as work:
        with tarfile.open(archive_path, "r:*") as archive:
            archive.extract(DATA[kind], work, filter="data")
        data = Path(work) / DATA[kind]
        if _sha256(data) != manifest.sha256:
            raise BackupError("Die Prüfsumme der Sicherung stimmt nicht: die Datei ist beschädigt. Nichts geändert.")
        if kind == "sqlite":
            target = _sqlite_path(database_url)
            target.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(data) as source, sqlite3.connect(target, timeout=30) as destination:
                source.backup(destination)
        else:
            _run(
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                f"--dbname={_libpq_url(database_url)}",
                str(data),
            )
    if set(manifest.schema_revision.split(",")) != head_revisions():
        upgrade(database_url)
    return manifest
