"""The `portal` command as an operator uses it (shared/CONTRACT.md, Command line)."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from app.auth.tokens import user_id_for_token
from app.db import Database
from tests.conftest import analyzed_tables, sqlite_url
from tests.support.processes import portal_env, run_cli

PORTAL = Path(sys.executable).parent / "portal"


def portal(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTAL_DATABASE_URL": sqlite_url(tmp_path / "var" / "portal.sqlite3")}
    return subprocess.run([str(PORTAL), *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


async def _token_user(tmp_path: Path, token: str) -> int | None:
    db = Database(sqlite_url(tmp_path / "var" / "portal.sqlite3"))
    try:
        async with db.transaction() as session:
            return await user_id_for_token(session, token)
    finally:
        await db.dispose()


@pytest.fixture
def small_demo(tmp_path: Path) -> Path:
    done = portal(tmp_path, "demo-data", "--partners", "10", "--months", "6", "--seed", "1")
    assert done.returncode == 0, done.stderr
    assert "10 Partner, 6 Monate" in done.stdout and "Demo-Portal-2026!" in done.stdout
    return tmp_path


@pytest.mark.postgres
async def test_demo_data_on_postgres_leaves_statistics_for_the_query_planner(postgres_url: str, tmp_path: Path) -> None:
    output = await run_cli(portal_env(tmp_path / "var", postgres_url), "demo-data", "--partners", "10", "--months", "3")
    assert "10 Partner, 3 Monate" in output
    assert await analyzed_tables(postgres_url) >= {"figures", "month_reports", "partners"}


def test_demo_data_fills_only_an_empty_database(small_demo: Path) -> None:
    again = portal(small_demo, "demo-data")
    assert again.returncode == 2 and "enthält schon ein Partnernetz" in again.stderr
    if_empty = portal(small_demo, "demo-data", "--if-empty")
    assert if_empty.returncode == 0 and "bereits vorhanden" in if_empty.stdout


def test_token_create_prints_a_working_token_on_the_last_line_and_revoke_ends_it(small_demo: Path) -> None:
    created = portal(small_demo, "token", "create", "gf1001")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert asyncio.run(_token_user(small_demo, token)) is not None
    for common in ("ppt_", token[:9]):  # every token begins so: only --all revokes them all
        refused = portal(small_demo, "token", "revoke", "gf1001", "--prefix", common)
        assert refused.returncode == 2 and "ersten 10 Zeichen" in refused.stderr
    assert asyncio.run(_token_user(small_demo, token)) is not None
    revoked = portal(small_demo, "token", "revoke", "gf1001", "--prefix", token[:10])
    assert revoked.returncode == 0 and "1 Token widerrufen" in revoked.stdout
    assert asyncio.run(_token_user(small_demo, token)) is None


def test_token_for_an_unknown_user_is_a_clear_error(small_demo: Path) -> None:
    done = portal(small_demo, "token", "create", "niemand")
    assert done.returncode == 2 and "gibt es nicht" in done.stderr


def test_create_admin_prints_a_one_time_password_and_checks_its_input(tmp_path: Path) -> None:
    made = portal(tmp_path, "create-admin", "chefin", "--phone", "+4917012345678")
    assert made.returncode == 0, made.stderr
    assert len(made.stdout.strip().splitlines()[-1]) == 16
    twice = portal(tmp_path, "create-admin", "chefin", "--phone", "+4917012345678")
    assert twice.returncode == 2 and "gibt es schon" in twice.stderr
    bad_phone = portal(tmp_path, "create-admin", "zweite", "--phone", "0170 123")
    assert bad_phone.returncode == 2 and "internationalen Format" in bad_phone.stderr


def test_db_upgrade_is_repeatable(tmp_path: Path) -> None:
    for _ in range(2):
        done = portal(tmp_path, "db", "upgrade")
        assert done.returncode == 0 and "neuesten Stand" in done.stdout


def _revision_and_tables(tmp_path: Path) -> tuple[list[str], int, int]:
    """The database's revision, its number of tables and of partners."""
    with closing(sqlite3.connect(tmp_path / "var" / "portal.sqlite3")) as connection:
        revision = [r for (r,) in connection.execute("select version_num from alembic_version")]
        tables = connection.execute("select count(*) from sqlite_master where type = 'table'").fetchone()[0]
        partners = connection.execute("select count(*) from partners").fetchone()[0] if tables > 1 else 0
    return revision, tables, partners


def test_db_downgrade_needs_a_target_and_goes_down_and_up_a_database_with_data(small_demo: Path) -> None:
    head = _revision_and_tables(small_demo)
    done = portal(small_demo, "db", "downgrade")
    assert done.returncode != 0 and "Ziel angeben" in done.stderr
    assert _revision_and_tables(small_demo) == head, "no target: nothing removed"

    done = portal(small_demo, "db", "downgrade", "base")  # copies and drops tables others refer to
    assert done.returncode == 0, done.stderr
    assert _revision_and_tables(small_demo) == ([], 1, 0)
    assert portal(small_demo, "db", "upgrade").returncode == 0
    assert _revision_and_tables(small_demo)[:2] == head[:2]


def test_a_migration_that_fails_leaves_the_database_as_it_was(small_demo: Path) -> None:
    with closing(sqlite3.connect(small_demo / "var" / "portal.sqlite3")) as connection:  # references unchecked
        connection.execute("update month_reports set partner_id = 99999 where id = (select min(id) from month_reports)")
        connection.commit()
    before = _revision_and_tables(small_demo)
    done = portal(small_demo, "db", "downgrade", "0004")
    assert done.returncode != 0
    assert "unverändert" in done.stderr and "month_reports -> partners" in done.stderr
    assert _revision_and_tables(small_demo) == before
