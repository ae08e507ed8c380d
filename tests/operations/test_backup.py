"""`portal backup` while serving and `portal restore`: a marker comes back, later changes go, versions recorded."""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import sqlite3
import tarfile
from datetime import date
from pathlib import Path

import httpx
import pytest

from app.migrate import head_revisions
from kpi.months import format_month, month_of
from tests.conftest import analyzed_tables, fill_demo
from tests.support.processes import portal_env, run_cli, serving_process
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))
MARKER = f"/api/v1/partners/1001/figures/{MONTH}"


async def _round_trip(database_url: str, var_dir: Path, *, writes_during_backup: bool) -> None:
    env = portal_env(var_dir, database_url)
    token = await token_for(database_url, "admin")
    archive = var_dir / "sicherung.tar.gz"
    async with (
        serving_process(env) as portal,
        httpx.AsyncClient(base_url=portal.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as api,
    ):
        assert (await api.put(MARKER, json={"units_new": 4242})).status_code == 200

        backup_done = asyncio.Event()

        async def keep_writing() -> int:
            """Other partners submit all through the backup."""
            count = 0
            while not backup_done.is_set():
                number = 1002 + count % 39
                answer = await api.put(f"/api/v1/partners/{number}/figures/{MONTH}", json={"units_new": count})
                assert answer.status_code == 200, answer.text
                count += 1
            return count

        writer = asyncio.create_task(keep_writing()) if writes_during_backup else None
        output = await run_cli(env, "backup", "--output", str(archive))
        backup_done.set()
        if writer is not None:
            assert await writer > 5
        assert "Sicherung geschrieben" in output

        # Changed after the backup: the restore takes it back.
        assert (await api.put(MARKER, json={"units_new": 1})).status_code == 200

    refused = await run_cli(env, "restore", str(archive), expect_failure=True)
    assert "enthält bereits Daten" in refused
    assert "--replace" in await run_cli(env, "restore", "--help")
    await run_cli(env, "restore", str(archive), "--replace")

    async with (
        serving_process(env) as portal,
        httpx.AsyncClient(base_url=portal.url, headers={"Authorization": f"Bearer {token}"}) as api,
    ):
        assert (await api.get(MARKER)).json()["values"]["units_new"] == 4242

    with tarfile.open(archive) as contents:
        manifest = json.loads(contents.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["schema_revision"] == ",".join(sorted(head_revisions()))
    assert manifest["portal_version"] and manifest["database_version"] and len(manifest["sha256"]) == 64


async def test_sqlite_backup_while_serving_and_restore(demo_sqlite: str, tmp_path: Path) -> None:
    await _round_trip(demo_sqlite, tmp_path / "var", writes_during_backup=True)
    database = Path(demo_sqlite.removeprefix("sqlite+aiosqlite:///"))
    with sqlite3.connect(database) as restored:
        assert restored.execute("pragma integrity_check").fetchone() == ("ok",)


@pytest.mark.postgres
async def test_postgres_backup_and_restore(postgres_url: str, tmp_path: Path) -> None:
    await fill_demo(postgres_url)
    await _round_trip(postgres_url, tmp_path / "var", writes_during_backup=True)
    # pg_dump carries no planner statistics: the restore gathers them, or queries crawl until someone does.
    assert await analyzed_tables(postgres_url) >= {"figures", "month_reports", "partners"}


def _damaged_copy(archive: Path, damaged: Path) -> None:
    """The same archive with the end of its database file overwritten."""
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name.endswith(".sqlite3"):
                data = data[:-100] + b"x" * 100
            member.size = len(data)
            target.addfile(member, io.BytesIO(data))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_a_damaged_or_foreign_backup_changes_nothing(demo_sqlite: str, tmp_path: Path) -> None:
    env = portal_env(tmp_path / "var", demo_sqlite)
    archive = tmp_path / "sicherung.tar.gz"
    await run_cli(env, "backup", "--output", str(archive))
    database = Path(demo_sqlite.removeprefix("sqlite+aiosqlite:///"))
    before = _digest(database)

    damaged = tmp_path / "beschädigt.tar.gz"
    _damaged_copy(archive, damaged)
    assert "beschädigt" in await run_cli(env, "restore", str(damaged), "--replace", expect_failure=True)

    not_a_backup = tmp_path / "notizen.txt"
    not_a_backup.write_text("keine Sicherung")
    assert "keine Sicherung des Portals" in await run_cli(env, "restore", str(not_a_backup), expect_failure=True)

    elsewhere = portal_env(tmp_path / "var", "postgresql+asyncpg://postgres@127.0.0.1:1/gibtsnicht")
    assert "nur in dieselbe Art Datenbank" in await run_cli(elsewhere, "restore", str(archive), expect_failure=True)
    assert _digest(database) == before
