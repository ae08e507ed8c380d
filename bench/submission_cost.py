"""Server CPU of one figure submission, releases included, without sockets: what bench/load.py's rate is bound by.

Set-up as bench/load.py (bench/load_backend.py): the demo network on SQLite (one worker) or
PostgreSQL + Redis (--backend postgres, two workers), tokens of the partners' managing
directors, `portal serve`. Then --count submissions one after another (`PUT
/api/v1/partners/{no}/figures/{last month}`, revenue_new raised a little, partners in a shuffled
order), after --warm untimed ones. One at a time, a submission's group releases run in its
own request whenever its group's period is over (app.benchmark.pacing), the rest later;
the count of releases made is read from the database afterwards.

Printed: server CPU per submission (user + system of the server and its workers over the
timed submissions, divided by their count), PUT answer time p50/p95/p99, releases made.
A bench, not a test: run it before and after a change on the same machine, a few times.

Run: .venv/bin/python bench/submission_cost.py [--backend sqlite|postgres] [--count 300]
     [--cache /tmp/portal-demo-1000.sqlite3] [--partners 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import date
from pathlib import Path

import httpx
import numpy as np
from load_backend import prepared
from load_facts import Network, read_network, snapshot
from load_traffic import Submitter
from portal_setup import cpu_seconds, create_tokens, serving_process

from kpi.months import add_months, format_month, month_of


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=300, help="timed submissions")
    parser.add_argument("--warm", type=int, default=30, help="untimed submissions first")
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--workers", type=int, help="server workers (default: 1 on sqlite, 2 on postgres)")
    parser.add_argument("--cache", type=Path, help="demo database to copy (built there if missing)")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    args.workers = args.workers or (1 if args.backend == "sqlite" else 2)
    return args


async def submit(url: str, pid: int, network: Network, tokens: dict[int, str], args: argparse.Namespace) -> None:
    order = sorted(network.base)
    random.Random(args.seed).shuffle(order)
    async with httpx.AsyncClient(base_url=url, timeout=120) as http:
        submitter = Submitter(http, format_month(network.period), tokens, network.base, order)
        for n in range(args.warm):
            await submitter.send(submitter.make(n, time.monotonic()))
        await asyncio.sleep(2)  # the warm-up's background releases
        cpu_before, wall_before = cpu_seconds(pid), time.monotonic()
        subs = []
        for n in range(args.warm, args.warm + args.count):
            subs.append(submitter.make(n, time.monotonic()))
            await submitter.send(subs[-1])
        await asyncio.sleep(2)  # releases still waiting for their turn
        cpu = cpu_seconds(pid) - cpu_before  # the idle 2 s at the end cost next to nothing
        wall = time.monotonic() - wall_before - 2
    errors = [s.error for s in subs if s.error]
    answered = np.array([s.answered - s.sent for s in subs if s.acked]) * 1000
    print(f"{len(subs)} submissions one after another in {wall:.1f} s, errors {len(errors)} {errors[:3]}")
    print(f"  server CPU per submission   {cpu / len(subs) * 1000:6.1f} ms")
    print(
        "  PUT answered                "
        f"p50 {np.percentile(answered, 50):6.1f}   p95 {np.percentile(answered, 95):6.1f}   "
        f"p99 {np.percentile(answered, 99):6.1f} ms"
    )


def main() -> None:
    args = arguments()
    period = add_months(month_of(date.today()), -1)
    with prepared(
        args.backend, args.partners, args.months, args.cache, args.postgres, args.redis, False, args.workers
    ) as (
        ws,
        _build_s,
    ):
        network = read_network(ws.database_url, period)
        tokens = create_tokens(ws, [f"gf{n}" for n in network.partner_ids])
        by_number = {n: tokens[f"gf{n}"] for n in network.partner_ids if f"gf{n}" in tokens}
        before = snapshot(ws.database_url, network)
        with serving_process(ws, workers=args.workers) as (url, pid):
            asyncio.run(submit(url, pid, network, by_number, args))
        after = snapshot(ws.database_url, network)
    made = sum(after.releases.values()) - sum(before.releases.values())
    print(f"  releases made               {made} (warm-up included)")


if __name__ == "__main__":
    main()
