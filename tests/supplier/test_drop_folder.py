"""The drop folder on two workers (PostgreSQL + Redis): a file is imported once, and after a restart only if new."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.supplier.files import purchases_csv
from tests.support.processes import serving_process
from tests.support.waiting import until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
MONTH = f"{date.today().year}-{date.today().month:02d}"


@pytest.fixture
def drop_env(scale_out_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    return {**scale_out_env, "PORTAL_DROP_DIR": str(tmp_path / "drop"), "PORTAL_DROP_INTERVAL": "1"}


async def _query(postgres_url: str, sql: str) -> list[asyncpg.Record]:
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


async def test_a_dropped_file_is_imported_once_by_one_of_two_workers_and_after_a_restart_only_if_new(
    drop_env: dict[str, str], postgres_url: str, tmp_path: Path
) -> None:
    inbox = tmp_path / "drop" / "purchases"
    inbox.mkdir(parents=True)
    first = purchases_csv([(1001, MONTH, "Drop-Test", 1000.0), (1002, MONTH, "Drop-Test", 250.5)])
    async with serving_process(drop_env, workers=2) as portal:
        assert len(portal.worker_pids()) == 2
        (inbox / "einkauf-1.csv").write_bytes(first)
        await until(lambda: (inbox / "erledigt" / "einkauf-1.csv").exists())
        await asyncio.sleep(3)  # both workers have looked at the folder at least twice more
    runs = await _query(postgres_url, "select origin, changes from supplier_import_runs")
    assert [(r["origin"], r["changes"]) for r in runs] == [("drop", 2)]
    stored = await _query(postgres_url, "select sum(amount) as total from purchases where product_group = 'Drop-Test'")
    assert stored[0]["total"] == 1250.5  # not twice

    (inbox / "einkauf-1.csv").write_bytes(first)  # the same file again
    (inbox / "einkauf-2.csv").write_bytes(purchases_csv([(1003, MONTH, "Drop-Test", 70.0)]))
    async with serving_process(drop_env, workers=2):
        await until(lambda: (inbox / "erledigt" / "einkauf-2.csv").exists())
        await until(lambda: not (inbox / "einkauf-1.csv").exists())  # set aside as imported before
    runs = await _query(postgres_url, "select origin, changes from supplier_import_runs order by id")
    assert [(r["origin"], r["changes"]) for r in runs] == [("drop", 2), ("drop", 1)]
    assert "Schon am" in (inbox / "erledigt" / "einkauf-1.csv.txt").read_text()
