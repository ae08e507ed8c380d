"""Live push latency: from a partner's figure submission to the last connected client's `kpi:update`.

Set-up (all in a temp dir, nothing touches ./var):
  - `portal demo-data --partners 1000` into a fresh SQLite file (or a copy of --cache);
  - the network-wide comparison group ("Alle Partner", kind `all`) is the measured group;
  - personal access tokens for the managing directors gf1001.. of its partners, made
    in-process against the database file before the server starts;
  - `portal serve` as a subprocess on a free port of 127.0.0.1 (one worker, SMS outbox).

Clients: python-socketio AsyncClients, websocket transport, `auth={"token": ...}`, spread
over --client-procs separate processes so that the clients do not share the measuring
process. A token socket joins the rooms of its user at connect, group rooms included, so
no join event is needed. Stages of 100, 500 and 1,000 connected clients.

What one sample is: every submission releases its groups (app.benchmark.live), so each
round times one partner's submission: from sending its `PUT
/api/v1/partners/{no}/figures/{YYYY-MM}` (the partner's own token, revenue_new changed by
a little) to the moment the last client's `kpi:update` handler for the measured group
runs. Times are CLOCK_MONOTONIC, shared by all processes of the machine. Each client
count changes its own month (last month, the one before, ...), so that every stage starts
from a first release of its month, untimed, and not from the releases of earlier stages.
A client connected when the PUT was sent that has no event within --timeout seconds
counts as lost; clients reconnect by themselves, as browsers do, and disconnects are counted.

Printed per stage: p50/p95/p99 of the per-submission "last client" latency (with 20
rounds the p99 is about the maximum), of every single receipt, of the PUT's answer (the
server emits before it answers), and of first-to-last receipt (the fan-out alone), plus
delivered and lost counts and the PUT time of the non-releasing submissions.

Run: .venv/bin/python bench/live_latency.py [--partners 1000] [--clients 100,500,1000]
     [--rounds 20] [--client-procs 2] [--timeout 30] [--cache /tmp/portal-demo-1000.sqlite3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import socketio
from clients import ClientPool, ClientProcess
from portal_setup import Workspace, build_demo, create_tokens, raise_open_files_limit, serving, workspace
from sqlalchemy import func, select

from app.db import Database
from app.models import ComparisonGroup, MonthReport, Partner
from kpi.months import add_months, format_month, month_of

PREP_SUBMISSIONS = 0  # untimed submissions before the timed one (every submission releases)


# --- the network ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Network:
    group_id: int
    members: list[int]  # partner numbers of the group, whose managing directors gf<no> are the clients
    periods: list[date]  # one month per client count, so that each stage starts without earlier releases
    reporters: list[int]  # partner numbers with figures for every one of `periods`, i.e. those that can be changed


def network_facts(ws: Workspace, stages: int) -> Network:
    """The network-wide group (made if the demo has none), the months to change, and who reported them."""

    async def read() -> Network:
        db = Database(ws.database_url)
        periods = [add_months(month_of(date.today()), -1 - i) for i in range(stages)]
        try:
            async with db.transaction() as session:
                group = await session.scalar(select(ComparisonGroup).where(ComparisonGroup.kind == "all"))
                if group is None:
                    group = ComparisonGroup(name="Alle Partner (Bench)", kind="all", description="bench")
                    session.add(group)
                    await session.flush()
                members = await session.scalars(select(Partner.number).where(Partner.active).order_by(Partner.number))
                reporters = await session.scalars(
                    select(Partner.number)
                    .join(MonthReport, MonthReport.partner_id == Partner.id)
                    .where(MonthReport.month.in_(periods), Partner.active)
                    .group_by(Partner.number)
                    .having(func.count() == len(periods))
                    .order_by(Partner.number)
                )
                return Network(group.id, list(members), periods, list(reporters))
        finally:
            await db.dispose()

    return asyncio.run(read())


# --- client processes -------------------------------------------------------------------------------------------


class UpdateListeners(ClientProcess):
    """Clients that note their first `kpi:update` of the measured group since the last `reset`."""

    def __init__(self, url: str, group_id: int) -> None:
        super().__init__(url)
        self.group_id = group_id
        self.receipts: dict[int, float] = {}  # client index -> first receipt since reset
        self.expected = 0  # clients connected at the last reset
        self.everyone = asyncio.Event()

    def listen(self, client: socketio.AsyncClient, index: int) -> None:
        async def on_update(data: dict[str, Any]) -> None:
            now = time.monotonic()
            if data.get("group") == self.group_id and index not in self.receipts:
                self.receipts[index] = now
                if len(self.receipts) >= self.expected:
                    self.everyone.set()

        client.on("kpi:update", on_update)

    def reset(self, _: None) -> tuple[int, int]:
        """Forget the receipts; answers (clients connected now, disconnects so far)."""
        self.receipts.clear()
        self.everyone.clear()
        self.expected = self.connected()
        return self.expected, self.drops

    async def wait(self, deadline: float) -> list[float]:
        """Receipt times since the last reset, once every connected client has one or at the deadline (monotonic)."""
        if self.expected:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.everyone.wait(), max(0.0, deadline - time.monotonic()))
        return list(self.receipts.values())


class ListenerPool(ClientPool):
    def __init__(self, url: str, group_id: int, processes: int) -> None:
        super().__init__(UpdateListeners, (url, group_id), processes)

    def reset(self) -> tuple[int, int]:
        """Forget the receipts; answers (clients connected now, disconnects so far)."""
        answers = self.ask("reset")
        return sum(a[0] for a in answers), sum(a[1] for a in answers)

    def wait(self, deadline: float) -> list[float]:
        return [t for times in self.ask("wait", [deadline] * len(self.pipes)) for t in times]


# --- submissions ------------------------------------------------------------------------------------------------


class Submitter:
    """Changes revenue_new of a new partner each time (a partner changed twice would not count twice)."""

    def __init__(self, http: httpx.Client, reporters: list[int], tokens: dict[str, str]) -> None:
        self.http = http
        self.partners: Iterator[int] = iter(reversed(reporters))
        self.tokens = tokens
        self.count = 0

    def prepare(self, period: date) -> tuple[str, dict[str, str], dict[str, float]]:
        """URL, headers and body of the next submission (reading the current value is not timed)."""
        number = next(self.partners)
        url = f"/api/v1/partners/{number}/figures/{format_month(period)}"
        headers = {"Authorization": f"Bearer {self.tokens[f'gf{number}']}"}
        current = self.http.get(url, headers=headers).raise_for_status().json()["values"]["revenue_new"]
        self.count += 1
        return url, headers, {"revenue_new": round(current * (1 + 0.001 * (1 + self.count % 7)), 2)}

    def send(self, prepared: tuple[str, dict[str, str], dict[str, float]]) -> float:
        """PUT it; answers the seconds until the answer arrived."""
        url, headers, body = prepared
        start = time.monotonic()
        self.http.put(url, headers=headers, json=body).raise_for_status()
        return time.monotonic() - start


# --- one release ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    put_s: float  # the releasing PUT's answer time
    latencies: list[float]  # per receiving client: sending the PUT -> its kpi:update
    connected: int  # clients connected when the releasing PUT was sent
    prep_put_s: list[float]  # the untimed submissions' answer times
    early: int  # receipts after the untimed submissions (expected: 0)
    drops: int  # disconnects seen by the clients so far (cumulative)

    @property
    def lost(self) -> int:
        return self.connected - len(self.latencies)


def release_round(submitter: Submitter, pool: ListenerPool, period: date, timeout: float) -> Sample:
    """Two untimed submissions, then the timed one that releases the group's figures."""
    pool.reset()
    prep_put_s = [submitter.send(submitter.prepare(period)) for _ in range(PREP_SUBMISSIONS)]
    early = len(pool.wait(time.monotonic() + 0.2))
    prepared = submitter.prepare(period)
    connected, drops = pool.reset()
    start = time.monotonic()
    put_s = submitter.send(prepared)
    receipts = pool.wait(start + timeout)
    return Sample(put_s, sorted(t - start for t in receipts), connected, prep_put_s, early, drops)


# --- report -----------------------------------------------------------------------------------------------------


def percentiles(values: list[float], qs: tuple[int, ...] = (50, 95, 99)) -> str:
    if not values:
        return "no values"
    ms = np.percentile(np.array(values) * 1000, qs)
    return "  ".join(f"p{q} {v:8.1f} ms" for q, v in zip(qs, ms, strict=True))


def report(clients: int, connect_s: float, errors: list[str], warm_s: float, samples: list[Sample]) -> None:
    delivered = sum(len(s.latencies) for s in samples)
    expected = sum(s.connected for s in samples)
    lasts = [s.latencies[-1] for s in samples if s.latencies]
    spreads = [s.latencies[-1] - s.latencies[0] for s in samples if s.latencies]
    print(f"\n{clients} clients: connected in {connect_s:.1f} s", end="")
    print(f", {len(errors)} failed to connect (first: {errors[0]})" if errors else "")
    print(f"  first release of the month (untimed): {warm_s:.2f} s; {len(samples)} releasing submissions:")
    print(f"  submission -> last client   {percentiles(lasts)}")
    print(f"  submission -> each client   {percentiles([t for s in samples for t in s.latencies])}")
    print(f"  PUT answered (server work)  {percentiles([s.put_s for s in samples])}")
    print(f"  first -> last client        {percentiles(spreads)}")
    print(
        f"  delivered {delivered} of {expected} expected (clients connected at each PUT), "
        f"lost {expected - delivered}; rounds with losses {sum(1 for s in samples if s.lost)}; "
        f"connected at the last PUT {samples[-1].connected}; disconnects so far {samples[-1].drops}"
    )
    print(f"  non-releasing PUTs          {percentiles([t for s in samples for t in s.prep_put_s], (50, 95))}")
    if any(s.early for s in samples):
        print(f"  NOTE: {sum(s.early for s in samples)} kpi:update receipts after a non-releasing submission")


# --- main -------------------------------------------------------------------------------------------------------


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--clients", default="100,500,1000", help="client counts, comma-separated, ascending")
    parser.add_argument("--rounds", type=int, default=20, help="releasing submissions per client count")
    parser.add_argument("--client-procs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds after which a client counts as lost")
    parser.add_argument("--cache", type=Path, help="copy the demo database from here (built there if missing)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (database, server.log)")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    stages = [int(c) for c in args.clients.split(",")]
    print(f"open files limit: {raise_open_files_limit()}")
    started = time.monotonic()
    with workspace(args.keep) as ws:
        build_s = build_demo(ws, args.partners, args.months, args.cache)
        print(f"demo data ({args.partners} partners, {args.months} months): {build_s:.1f} s")
        network = network_facts(ws, len(stages))
        needed = len(stages) * (1 + args.rounds * (PREP_SUBMISSIONS + 1))
        if len(network.reporters) < needed or len(network.members) < max(stages):
            raise SystemExit(f"{len(network.members)} partners, {len(network.reporters)} reported: too few")
        tokens = create_tokens(ws, [f"gf{n}" for n in network.members])
        print(
            f"group {network.group_id} has {len(network.members)} partners; {len(tokens)} tokens; "
            f"clients in {args.client_procs} processes; lost = no kpi:update within {args.timeout:.0f} s"
        )
        with serving(ws) as url, httpx.Client(base_url=url, timeout=max(120, args.timeout)) as http:
            measure(url, http, network, tokens, stages, args)
    print(f"\ntotal run time {time.monotonic() - started:.0f} s")


def measure(
    url: str, http: httpx.Client, network: Network, tokens: dict[str, str], stages: list[int], args: argparse.Namespace
) -> None:
    """Per client count: connect up to it, release a new month once (untimed), then the timed rounds."""
    submitter = Submitter(http, network.reporters, tokens)
    client_tokens = [tokens[f"gf{n}"] for n in network.members]
    pool = ListenerPool(url, network.group_id, args.client_procs)
    try:
        connected = 0
        for clients, period in zip(stages, network.periods, strict=True):
            start = time.monotonic()
            errors = [error for _, error in pool.connect(client_tokens[connected:clients])]
            connected, connect_s = clients, time.monotonic() - start
            print(f"\n[{clients} clients, submissions for {format_month(period)}]", flush=True)
            # The month's first submission makes its first release; then every third changed partner re-releases.
            prepared = submitter.prepare(period)
            pool.reset()
            warm_s = submitter.send(prepared)
            pool.wait(time.monotonic() + args.timeout)  # its kpi:update must not spill into the first round
            samples = []
            for _ in range(args.rounds):
                samples.append(release_round(submitter, pool, period, args.timeout))
                print(
                    f"  round {len(samples)}: PUT {samples[-1].put_s:.2f} s, "
                    f"{len(samples[-1].latencies)}/{samples[-1].connected} received",
                    flush=True,
                )
            report(clients, connect_s, errors, warm_s, samples)
    finally:
        pool.close()


if __name__ == "__main__":
    main()
