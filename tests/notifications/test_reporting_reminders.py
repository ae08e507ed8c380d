"""Reminders of the reporting deadline by real SMTP: exactly the partners missing the month, once each,
with two workers on PostgreSQL + Redis and across a restart."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import date
from email.header import decode_header, make_header
from email.message import Message
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from kpi.months import add_months, format_month, month_of
from tests.support.processes import serving_process
from tests.support.smtp import smtp_server
from tests.support.waiting import until

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _sql(postgres_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    dsn = make_url(postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


def subject(message: Message) -> str:
    return str(make_header(decode_header(str(message["Subject"]))))


async def test_the_deadline_reminds_exactly_the_missing_partners_once(
    scale_out_env: dict[str, str], postgres_url: str, tmp_path: Path
) -> None:
    today = date.today()
    period = format_month(add_months(month_of(today), -1))
    # The Zentrale sets today as the deadline: the reminders of the deadline itself are due now.
    await _sql(
        postgres_url,
        "insert into portal_settings (key, value, changed_at) values ($1, $2, now())",
        "reporting_deadline_day",
        json.dumps(today.day),
    )
    late = {
        r["number"]
        for r in await _sql(
            postgres_url,
            "select p.number from partners p where p.active and p.id not in "
            "(select partner_id from month_reports where month = $1)",
            add_months(month_of(today), -1),
        )
    }
    assert len(late) == 3, "the demo network's three partners late with last month"
    expected = {f"gf{n}@demo.invalid" for n in late}
    with smtp_server() as (url, inbox):
        env = {**scale_out_env, "PORTAL_SMTP_URL": url, "PORTAL_REMINDER_INTERVAL": "1", "PORTAL_DROP_DIR": ""}
        async with serving_process(env, workers=2):
            await until(lambda: expected <= set(inbox.to()))
            await asyncio.sleep(4)  # both workers have run the job several times more
        first = Counter(inbox.to())
        async with serving_process(env, workers=2):
            await asyncio.sleep(5)
        after_restart = Counter(inbox.to())
    assert after_restart == first, "nothing again after the restart (nor anything else twice)"
    reminded = Counter(str(m["To"]) for m in inbox.messages if subject(m).startswith("Monatszahlen"))
    assert reminded == dict.fromkeys(expected, 1), reminded
    assert all(period in subject(m) for m in inbox.messages if subject(m).startswith("Monatszahlen"))
    lists = [m for m in inbox.messages if "noch nicht gemeldet" in subject(m)]
    assert all(not str(m["To"]).startswith("gf") for m in lists)  # the lists go to the territory managers
