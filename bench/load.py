"""Load: 1,000 dashboards and 200 chat members connected while partners submit 20 figures a second for 60 s.

Set-up (nothing touches ./var): the demo network (`portal demo-data --partners 1000`) on
  - sqlite: a SQLite file in a temp dir, `portal serve` with one worker;
  - postgres: a fresh PostgreSQL database (created and dropped, --postgres), Redis (--redis),
    `portal serve --workers 2`; the Socket.IO emits then travel through Redis between workers.
Tokens (`gfNNNN`, the partners' managing directors) are made in-process before the server starts.

Sockets (websocket transport, token auth) in client processes (bench/clients.py), by default
lean ones (bench/lean_client.py: the Socket.IO protocol with a fifth of python-socketio's client
CPU, which on this 2-core machine would otherwise take 0.4-0.6 cores from the server);
`--clients socketio` uses python-socketio's AsyncClient:
--dashboards partners' dashboards (one socket per partner; it joins the partner's own and group
rooms), --chat-members second sockets of partners listening to the chat room of "Alle Partner",
and --chat-senders sockets in this process that send --chat-rate messages a second to it.

Submissions: `PUT /api/v1/partners/{no}/figures/{last month}` with the partner's own token,
raising revenue_new a little, partners taking turns in a shuffled order, --rate a second for
--duration seconds on an open-loop schedule (bench/load_traffic.py). First an untimed warm-up:
one submission per group, one after another, so that every group's month has its first release.

Printed (bench/load_report.py): submissions sent, acknowledged (200) and errors; what the
database holds afterwards (new revisions against acknowledged, each partner's last value);
own and group updates delivered (expected against received) with p50/p95/p99 from sending the
PUT to the receipt; chat; the server log's errors; and whether the target was met: nothing
lost, p99 below 250 ms. A bench, not a test: nothing asserts on time.

Run: .venv/bin/python bench/load.py [--backend sqlite|postgres] [--duration 60] [--rate 20]
     [--dashboards 1000] [--chat-members 200] [--cache /tmp/portal-demo-1000.sqlite3]
     .venv/bin/python bench/load.py --quick      (200 partners, 100 dashboards, 20 members, 10 s at 10/s)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import load_report as report
from clients import ClientPool, quiet_engineio, wait_until_quiet
from load_backend import prepared
from load_clients import ChatMembers, Dashboards
from load_facts import KEY, Network, ReleaseHistory, Snapshot, read_network, release_histories, snapshot, stored_values
from load_traffic import ChatMessage, ChatSenders, Submission, Submitter, open_loop
from portal_setup import Workspace, cpu_seconds, create_tokens, raise_open_files_limit, serving_process

from kpi.months import add_months, format_month, month_of

QUICK = {"partners": 200, "dashboards": 100, "chat_members": 20, "duration": 10.0, "rate": 10.0}


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of submissions")
    parser.add_argument("--rate", type=float, default=20.0, help="submissions a second")
    parser.add_argument("--dashboards", type=int, default=1000)
    parser.add_argument("--chat-members", type=int, default=200)
    parser.add_argument("--chat-rate", type=float, default=1.0, help="chat messages a second")
    parser.add_argument("--chat-senders", type=int, default=10)
    parser.add_argument("--partners", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--workers", type=int, help="server workers (default: 1 on sqlite, 2 on postgres)")
    parser.add_argument("--client-procs", type=int, default=2, help="processes of the dashboards")
    parser.add_argument("--clients", choices=["lean", "socketio"], default="lean", help="kind of the listening sockets")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432", help="server URL")
    # Not database 0: the rate limiters count per address in Redis, and portals of tests sharing
    # database 0 on this machine would be throttled by this bench's requests from 127.0.0.1.
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    # Long: a request the client gave up on may still be stored and released after the sockets were read.
    parser.add_argument("--http-timeout", type=float, default=600.0)
    parser.add_argument("--chat-timeout", type=float, default=60.0, help="seconds to wait for a chat ack")
    parser.add_argument("--settle", type=float, default=30.0, help="most seconds to wait for late updates")
    parser.add_argument("--seed", type=int, default=7, help="of the partners' order")
    parser.add_argument(
        "--cache",
        type=Path,
        help="SQLite: copy the demo database from this file (built there if missing); "
        "PostgreSQL: from a kept database named after the file (built on first use)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (server.log)")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: " + ", ".join(f"{k} {v:g}" for k, v in QUICK.items())
    )
    args = parser.parse_args()
    if args.quick:  # explicit options still win
        parser.set_defaults(**QUICK)
        args = parser.parse_args()
    args.workers = args.workers or (1 if args.backend == "sqlite" else 2)
    return args


def cpu_now(server_pid: int, pools: list[ClientPool]) -> tuple[float, float, float, float]:
    """(monotonic time, CPU seconds of the server, of the client processes, of this process) so far."""
    clients = sum(cpu_seconds(p.pid) for pool in pools for p in pool.processes if p.pid)
    return time.monotonic(), cpu_seconds(server_pid), clients, time.process_time()


def cpu_report(before: tuple[float, ...], after: tuple[float, ...], loads: tuple[float, float]) -> str:
    wall, server, clients, bench = (b - a for a, b in zip(before, after, strict=True))
    return (
        f"CPU over the {wall:.0f} s of the run: server {server:.0f} s ({server / wall:.2f} cores), "
        f"socket clients {clients:.0f} s ({clients / wall:.2f}), this process {bench:.0f} s ({bench / wall:.2f}) "
        f"of {os.cpu_count()} cores; load average {loads[0]:.1f} before, {loads[1]:.1f} after"
    )


@dataclass
class Run:
    """What was sent and what the sockets received (from the end of the warm-up)."""

    subs: list[Submission]
    messages: list[ChatMessage]
    before: Snapshot  # the database after the warm-up
    dashboards: Counter[int]  # partner no -> its dashboards connected at the start
    own: list[tuple[int, float | None, float]]  # kpi:own receipts: (partner no, value, time)
    arrivals: dict[tuple[int, int], list[float]]  # (partner no, group id) -> its dashboard's kpi:update times
    drops: int
    chat: dict[int, list[float]]  # message id -> the chat members' receipt times
    chat_members: int  # connected at the start
    cpu: str


async def drive(
    url: str,
    server_pid: int,
    network: Network,
    tokens: dict[int, str],
    order: list[int],
    args: argparse.Namespace,
    ws: Workspace,
) -> Run:
    """Connect, warm up, then submit and chat on schedule; answers what was sent and received."""
    period = format_month(network.period)
    dashboards = (order + sorted(set(network.partner_ids) - set(order)))[: args.dashboards]
    lean = args.clients == "lean"
    dash_pool = ClientPool(Dashboards, (url, period, KEY), args.client_procs, lean=lean)
    chat_pool = ClientPool(ChatMembers, (url, network.chat_room), 1, lean=lean)
    senders = ChatSenders(url, network.chat_room, args.chat_timeout)
    loop = asyncio.get_running_loop()
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=200)
    try:
        start = time.monotonic()
        failed = await dash_pool.connect_async([tokens[n] for n in dashboards])
        chat_failed = await chat_pool.connect_async([tokens[n] for n in dashboards[: args.chat_members]])
        await senders.connect([tokens[n] for n in dashboards[: args.chat_senders]])
        print(
            f"connected {len(dashboards)} {args.clients} dashboards ({len(failed)} failed), "
            f"{args.chat_members} chat members "
            f"({len(chat_failed)} failed), {args.chat_senders} senders in {time.monotonic() - start:.1f} s"
            + (f"; first error: {(failed or chat_failed)[0][1]}" if failed or chat_failed else ""),
            flush=True,
        )
        async with httpx.AsyncClient(base_url=url, timeout=args.http_timeout, limits=limits) as http:
            submitter = Submitter(http, period, tokens, network.base, order)
            warm = warm_up(network, order)
            for partner in warm:
                await submitter.send(submitter.make_for(partner, time.monotonic()))
            waited = await wait_until_quiet([dash_pool, chat_pool], args.settle)
            print(f"warm-up: {len(warm)} submissions, one per group; sockets {waited}", flush=True)
            before = await loop.run_in_executor(None, snapshot, ws.database_url, network)
            await dash_pool.ask_async("reset")
            await chat_pool.ask_async("reset")
            print(f"submitting {args.rate:g}/s for {args.duration:g} s ...", flush=True)
            cpu_before, load_before = cpu_now(server_pid, [dash_pool, chat_pool]), os.getloadavg()[0]
            subs, messages = await asyncio.gather(
                open_loop(args.rate, args.duration, submitter.make, submitter.send),
                open_loop(args.chat_rate, args.duration, senders.make, senders.send),
            )
        waited = await wait_until_quiet([dash_pool, chat_pool], args.settle)
        print(f"after the last answer: sockets {waited}", flush=True)
        cpu = cpu_report(cpu_before, cpu_now(server_pid, [dash_pool, chat_pool]), (load_before, os.getloadavg()[0]))
        dash_results = await dash_pool.ask_async("results")
        chat_results = (await chat_pool.ask_async("results"))[0]
    finally:
        await senders.close()
        await loop.run_in_executor(None, dash_pool.close)
        await loop.run_in_executor(None, chat_pool.close)
    lost = {position for position, _ in failed}
    shares = dash_pool.shares([str(n) for n in dashboards])  # process i's client j is partner shares[i][j]
    return Run(
        subs,
        messages,
        before,
        Counter(n for i, n in enumerate(dashboards) if i not in lost),
        [o for r in dash_results for o in r["own"]],
        {
            (int(shares[i][index]), group): times
            for i, r in enumerate(dash_results)
            for (index, group), times in r["updates"].items()
        },
        sum(r["drops"] for r in dash_results) + chat_results["drops"],
        chat_results["messages"],
        args.chat_members - len(chat_failed),
        cpu,
    )


def warm_up(network: Network, order: list[int]) -> list[int]:
    """One partner for each group that has a member who submits, from the end of the order."""
    chosen: list[int] = []
    for _, members in network.groups.values():
        if not any(p in members for p in chosen):
            chosen += [p for p in reversed(order) if p in members][:1]
    return chosen


def server_errors(ws: Workspace) -> Counter[str]:
    """The exceptions in the server's log by type (a traceback's last line), and its other ERROR lines."""
    log = ws.root / "server.log"
    text = log.read_text(errors="replace") if log.exists() else ""
    found = Counter(m.group(1) for m in re.finditer(r"^([\w.]+(?:Error|Exception)): ", text, re.MULTILINE))
    found["ERROR lines"] = sum(1 for line in text.splitlines() if line.startswith("ERROR"))
    return +found


def print_report(
    network: Network,
    run: Run,
    after: Snapshot,
    values: dict[int, float],
    histories: dict[int, ReleaseHistory],
    errors: Counter[str],
) -> None:
    verdict = report.Verdict()
    report.submissions(run.subs, verdict)
    report.stored(run.subs, run.before, after, values, verdict)
    report.own_updates(run.subs, run.own, run.dashboards, verdict)
    groups = []
    for group_id, (name, members) in sorted(network.groups.items()):
        arrivals = [run.arrivals.get((n, group_id), []) for n in run.dashboards.elements() if n in members]
        if arrivals:
            start = run.before.releases.get(group_id, 0)
            groups.append(report.group_result(name, run.subs, members, arrivals, histories.get(group_id), start))
    report.group_updates(groups, verdict)
    report.chat(run.messages, run.chat, run.chat_members, verdict)
    print(f"sockets: {run.drops} disconnects during the run")
    print(f"server log: {dict(errors.most_common()) or 'no errors'}")
    print(run.cpu)
    verdict.require(not run.drops, f"{run.drops} sockets dropped")
    verdict.require(not errors, "errors in the server log")
    met = "MET" if not verdict.misses else "NOT MET (" + "; ".join(verdict.misses) + ")"
    print(f"\ntarget (nothing lost, p99 below {report.TARGET_P99 * 1000:.0f} ms): {met}")


def main() -> None:
    args = arguments()
    quiet_engineio()
    print(f"open files limit: {raise_open_files_limit()}")
    period = add_months(month_of(date.today()), -1)
    started = time.monotonic()
    with prepared(
        args.backend, args.partners, args.months, args.cache, args.postgres, args.redis, args.keep, args.workers
    ) as (
        ws,
        build_s,
    ):
        network = read_network(ws.database_url, period)
        order = sorted(network.base)
        random.Random(args.seed).shuffle(order)
        tokens = create_tokens(ws, [f"gf{n}" for n in network.partner_ids])
        by_number = {n: tokens[f"gf{n}"] for n in network.partner_ids if f"gf{n}" in tokens}
        where = "PostgreSQL" if args.backend == "postgres" else "SQLite"
        where += f" + Redis ({args.redis})" if args.workers > 1 else ""
        print(
            f"{where}, {args.workers} worker(s); demo network of {len(network.partner_ids)} partners "
            f"in {build_s:.1f} s; {len(order)} reported {format_month(period)} and submit in turns"
        )
        with serving_process(ws, workers=args.workers) as (url, pid):
            run = asyncio.run(drive(url, pid, network, by_number, order, args, ws))
        after = snapshot(ws.database_url, network)
        values = stored_values(ws.database_url, network)
        histories = release_histories(ws.database_url, network)
        errors = server_errors(ws)
    print()
    print_report(network, run, after, values, histories, errors)
    print(f"total run time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
