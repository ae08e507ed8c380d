"""Server CPU of one release of "Alle Partner" and of one whole submission, on the 1,000-partner demo network.

In-process, on the portal's own code and a real SQLite file: a release is
app.benchmark.release.released (figures read through the process's figure cache, KPIs
derived, statistics perturbed by kpi.cellkey) with the process's memo of releases
emptied first; a submission is what `PUT /api/v1/partners/{no}/figures/{month}` does
after parsing: store the month (one transaction), the partner's own KPIs and `kpi:own`,
then the release of every group of the partner, each announced (`kpi:update` to a real
Socket.IO server with nobody connected, the chat note). CPU is time.process_time.
A bench, not a test: compare runs on the same machine.

Run: .venv/bin/python bench/release_cost.py [--partners 1000] [--count 40]
     [--cache /tmp/portal-demo-1000.sqlite3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import date
from pathlib import Path

import socketio
from litestar.datastructures import State
from portal_setup import build_demo, workspace
from sqlalchemy import select

from app.benchmark import release as release_module
from app.benchmark.live import engine_of, publish_submission
from app.db import Database
from app.figures.service import store_month
from app.models import Partner
from app.network.groups import groups_with_members
from app.server import events_for
from app.settings import Settings
from kpi.months import add_months, month_of
from kpi.periods import Span
from realtime.publish import Publisher


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--count", type=int, default=40, help="timed releases and submissions each")
    parser.add_argument("--cache", type=Path, help="demo database to copy (built there if missing)")
    return parser.parse_args()


def milliseconds(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    mean, p50 = statistics.fmean(samples) * 1000, statistics.median(samples) * 1000
    return f"mean {mean:6.1f}   p50 {p50:6.1f}   p95 {p95 * 1000:6.1f} ms"


async def measure(database_url: str, count: int) -> None:
    state = State({"settings": Settings(database_url=database_url, secret_key="bench-" + "x" * 40)})
    state.db = Database(database_url)
    state.publisher = Publisher(socketio.AsyncServer(async_mode="asgi"))
    state.events = events_for(state)
    month = add_months(month_of(date.today()), -1)
    try:
        engine = await engine_of(state)
        async with state.db.read() as session:
            everyone, members = next((g, m) for g, m in await groups_with_members(session) if g.kind == "all")
            partners = list(await session.scalars(select(Partner).order_by(Partner.number)))
        release_cpu = []
        for n in range(count + 3):
            release_module._kept.clear()
            async with state.db.read() as session:
                start = time.process_time()
                await release_module.released(session, engine, everyone, members, month, Span.MONTH)
                if n >= 3:  # the first ones fill the figure cache
                    release_cpu.append(time.process_time() - start)
        print(f'one release of "{everyone.name}" ({len(members)} partners, month)   {milliseconds(release_cpu)}')

        submission_cpu = []
        for n in range(count + 3):
            partner = partners[(n * 37) % len(partners)]
            start = time.process_time()
            async with state.db.transaction() as session:
                await store_month(
                    session,
                    partner,
                    month,
                    {"revenue_new": 100_000.0 + n},
                    by_user_id=None,
                    source="api",
                    today=date.today(),
                )
            await publish_submission(state, partner.id, month)
            if n >= 3:
                submission_cpu.append(time.process_time() - start)
        print(f"one submission (store, own KPIs, its groups' releases)   {milliseconds(submission_cpu)}")
    finally:
        await state.db.dispose()


def main() -> None:
    args = arguments()
    with workspace() as ws:
        build_demo(ws, args.partners, args.months, args.cache)
        asyncio.run(measure(ws.database_url, args.count))


if __name__ == "__main__":
    main()
