"""Load: 1,000 dashboards, 200 chat members and 20 submissions a second, and whether anything is lost.

Set-up (`bench/portal_setup.py`): the 1,000-partner demo network (a copy of --cache), tokens for
the managing directors gf1001.., `portal serve` (SQLite, one worker; `--backend postgres`: a
fresh database copied from a cached template, Redis and two workers).

Sockets (`bench/clients.py`, lean clients in --client-procs processes): a dashboard per partner
(its managing director's token: its groups, its own figures, the chat room of "Alle Partner")
and --chat-members second sockets. Noted per receipt (CLOCK_MONOTONIC): `kpi:update` by group
and `released_at`, `kpi:own` by partner, `chat:message` by id. A staff socket in this process
merges every group's updates, to compare with `GET /api/v1/benchmark` at the end.

Load, open loop (each request sent when due, answered or not), after one untimed second: for
--duration s, --rate PUTs a second of a partner's last month (revenue_new raised a little,
partners shuffled, their own token); --chat-rate messages a second from --chat-senders members.

Printed: submissions sent, acknowledged, failed and their answer times; own updates (one per
acknowledged submission); group updates: one shows every submission stored before its
`released_at` (the PUT's `stored_at`), timed at each dashboard from sending the newest of them;
every member socket must get every update or a newer one of the group (superseded: a worker does
not deliver a release read before one it delivered), and the merged cells must equal the group's
figures at the end (n, median, hidden of every KPI); chat send -> ack and -> every member; drops,
server CPU, and the target: nothing lost, every p99 at most 250 ms.

Run: .venv/bin/python bench/load.py [--backend sqlite|postgres] [--cache /tmp/portal-demo-1000.sqlite3]
     [--duration 60] [--rate 20] [--chat-members 200] [--chat-rate 1] [--client-procs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import re
import time
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import socketio
from clients import ClientPool, ClientProcess, p99_ms, percentiles, wait_until_quiet
from lean_client import LeanClient
from portal_setup import (
    Workspace,
    build_demo,
    cpu_seconds,
    create_tokens,
    postgres_workspace,
    raise_open_files_limit,
    serving_process,
    workspace,
)
from sqlalchemy import select

from app.db import Database
from app.models import ChatRoom, Figure, Metric, Partner
from app.network.groups import groups_with_members
from kpi.months import add_months, format_month, month_of

TARGET_MS = 250
STAFF = "vertrieb"  # sees every group: the observer of the merged updates
METRIC = "revenue_new"
UPDATE = re.compile(rb'"group":(\d+),"period":"([0-9-]+)","released_at":"([^"]+)"')
OWN = re.compile(rb'"partner":(\d+)')


class Sockets(ClientProcess):
    """Dashboards and chat members: when each update, own update and chat message arrived."""

    lean = True

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.updates: dict[tuple[int, str], list[float]] = defaultdict(list)  # (group, released_at) -> receipts
        self.own: dict[int, list[float]] = defaultdict(list)  # partner number -> receipts
        self.chat: dict[int, list[float]] = defaultdict(list)  # message id -> receipts
        self.releases: dict[int, dict[int, set[str]]] = {}  # socket -> group -> released_at received
        self.count = 0

    def listen(self, client: socketio.AsyncClient | LeanClient, index: int) -> None:
        def on_update(raw: bytes) -> None:
            self.count += 1
            found = UPDATE.search(raw, 0, 200)
            if found:
                group, released_at = int(found[1]), found[3].decode()
                self.updates[(group, released_at)].append(time.monotonic())
                self.releases.setdefault(index, {}).setdefault(group, set()).add(released_at)

        def on_own(raw: bytes) -> None:
            self.count += 1
            found = OWN.search(raw, 0, 100)
            if found:
                self.own[int(found[1])].append(time.monotonic())

        def on_chat(message: dict[str, Any]) -> None:
            self.count += 1
            self.chat[int(message["id"])].append(time.monotonic())

        assert isinstance(client, LeanClient)
        client.on("kpi:update", on_update, raw=True)
        client.on("kpi:own", on_own, raw=True)
        client.on("chat:message", on_chat)

    def received(self, _: Any = None) -> int:
        return self.count

    def results(self, _: Any = None) -> tuple[Any, ...]:  # updates, own, chat receipts; releases by socket
        return dict(self.updates), dict(self.own), dict(self.chat), list(self.releases.values())

    def dropped(self, _: Any = None) -> int:
        return self.drops


class Observer:
    """One python-socketio client merging every group's updates, as a dashboard's page would."""

    def __init__(self, month: str) -> None:
        self.client = socketio.AsyncClient(reconnection=False)
        self.cells: dict[int, dict[str, Any]] = defaultdict(dict)
        self.month = month
        self.client.on("kpi:update", self.merge)

    def merge(self, update: dict[str, Any]) -> None:
        if update["period"] == self.month:
            self.cells[update["group"]].update(update["kpis"])


def shown(cell: dict[str, Any]) -> tuple[Any, ...]:
    """What every update carries of a cell, sensitive or not."""
    return tuple(cell.get(k) for k in ("n", "median", "hidden"))


class Network:
    """What the load needs to know of the demo network, read once before the server starts."""

    def __init__(self, ws: Workspace, month: date) -> None:
        self.month = month
        asyncio.run(self._read(ws))

    async def _read(self, ws: Workspace) -> None:
        db = Database(ws.database_url)
        try:
            async with db.read() as session:
                groups = await groups_with_members(session)
                self.members = {g.id: {p.number for p in members} for g, members in groups}
                self.groups_of: dict[int, list[int]] = defaultdict(list)
                for group_id, numbers in self.members.items():
                    for number in numbers:
                        self.groups_of[number].append(group_id)
                self.partners = sorted(await session.scalars(select(Partner.number).where(Partner.active)))
                rows = await session.execute(
                    select(Partner.number, Figure.value)
                    .join(Figure, Figure.partner_id == Partner.id)
                    .join(Metric, Metric.id == Figure.metric_id)
                    .where(Metric.key == METRIC, Figure.month == self.month, Partner.active)
                )
                self.values = {number: value for number, value in rows}
                room = await session.scalar(select(ChatRoom.id).where(ChatRoom.name == "Alle Partner"))
                if room is None:
                    raise SystemExit('the demo network has no chat room "Alle Partner"')
                self.room: int = room
        finally:
            await db.dispose()


async def submit(
    api: httpx.AsyncClient, tokens: dict[str, str], network: Network, number: int, log: list[dict[str, Any]]
) -> None:
    value = round(network.values[number] * (1.001 + 0.007 * random.random()), 2)
    entry: dict[str, Any] = {"partner": number, "sent": time.monotonic()}
    log.append(entry)
    try:
        answer = await api.put(
            f"/api/v1/partners/{number}/figures/{format_month(network.month)}",
            json={METRIC: value},
            headers={"Authorization": f"Bearer {tokens[f'gf{number}']}"},
        )
        entry["answered"] = time.monotonic()
        if answer.status_code == 200:
            entry["stored_at"] = answer.json()["stored_at"]
        else:
            entry["error"] = f"{answer.status_code} {answer.text[:120]}"
    except httpx.HTTPError as exc:
        entry["error"] = repr(exc)


async def chat(sender: socketio.AsyncClient, room: int, n: int, log: list[dict[str, Any]]) -> None:
    entry: dict[str, Any] = {"sent": time.monotonic()}
    log.append(entry)
    try:
        answer = await sender.call("chat:send", {"room": room, "body": f"Last {n}"}, timeout=30)
    except Exception as exc:
        entry["error"] = repr(exc)
        return
    entry["acked"] = time.monotonic()
    if answer.get("ok"):
        entry["id"] = answer["id"]
    else:
        entry["error"] = answer.get("error")


async def paced(duration: float, rate: float, start: Any) -> None:
    """Call `start(n)` (not awaited: open loop) at `rate` per second for `duration` seconds."""
    began, tasks = time.monotonic(), []
    for n in range(int(duration * rate)):
        await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
        tasks.append(asyncio.create_task(start(n)))
    await asyncio.gather(*tasks)


async def run(url: str, pid: int, tokens: dict[str, str], network: Network, args: argparse.Namespace) -> bool:
    month = format_month(network.month)
    dashboards = [tokens[f"gf{n}"] for n in network.partners]
    chatters = [tokens[f"gf{n}"] for n in network.partners[: args.chat_members]]
    pool = ClientPool(Sockets, (url,), args.client_procs, lean=True)
    started = time.monotonic()
    failed = await pool.connect_async(dashboards) + await pool.connect_async(chatters)
    observer = Observer(month)  # staff: in the room of every group
    await observer.client.connect(url, auth={"token": tokens[STAFF]}, transports=["websocket"], wait_timeout=30)
    senders = []
    for token in chatters[: args.chat_senders]:
        sender = socketio.AsyncClient(reconnection=False)
        await sender.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
        senders.append(sender)
    print(
        f"{len(dashboards)} dashboards + {len(chatters)} chat members connected in "
        f"{time.monotonic() - started:.1f} s ({len(failed)} failed){': ' + failed[0][1] if failed else ''}"
    )
    order = [n for n in network.partners if n in network.values]
    random.Random(1).shuffle(order)
    queue = iter(order * (1 + int(args.duration * args.rate) // len(order)))
    submissions: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=url, timeout=args.http_timeout, limits=limits) as api:
        warm: list[dict[str, Any]] = []
        await paced(1.0, args.rate, lambda n: submit(api, tokens, network, next(queue), warm))
        await asyncio.sleep(2)
        cpu0, wall0 = cpu_seconds(pid), time.monotonic()
        await asyncio.gather(
            paced(args.duration, args.rate, lambda n: submit(api, tokens, network, next(queue), submissions)),
            paced(args.duration, args.chat_rate, lambda n: chat(senders[n % len(senders)], network.room, n, messages)),
        )
        answered_within = time.monotonic() - wall0
        cpu = (cpu_seconds(pid) - cpu0) / answered_within
        quiet = await wait_until_quiet([pool], 60, quiet=3)
        submitted = {g for s in submissions if "stored_at" in s for g in network.groups_of[s["partner"]]}
        staff = {"Authorization": f"Bearer {tokens[STAFF]}"}
        figures = {
            g: (await api.get("/api/v1/benchmark", params={"group": g, "period": month}, headers=staff)).json()
            for g in sorted(submitted)
        }
    answers = await pool.ask_async("results")
    drops = sum(await pool.ask_async("dropped"))
    for sender in senders:
        await sender.disconnect()
    await observer.client.disconnect()
    await asyncio.get_running_loop().run_in_executor(None, pool.close)

    updates, own, chat_receipts = (merged(answer[i] for answer in answers) for i in range(3))
    releases = [received for answer in answers for received in answer[3]]
    print(f"sockets dropped {drops}; server CPU {cpu:.2f} cores over the {answered_within:.1f} s of sending; {quiet}")
    return report(network, submissions, messages, updates, releases, own, chat_receipts, figures, observer, args)


def merged(parts: Any) -> dict[Any, list[float]]:
    """The receipts of every client process, by what was received."""
    receipts: dict[Any, list[float]] = defaultdict(list)
    for part in parts:
        for key, times in part.items():
            receipts[key] += times
    return receipts


def report(
    network: Network,
    submissions: list[dict[str, Any]],
    messages: list[dict[str, Any]],
    updates: dict[tuple[int, str], list[float]],
    releases: list[dict[int, set[str]]],
    own: dict[int, list[float]],
    chat_receipts: dict[int, list[float]],
    figures: dict[int, dict[str, Any]],
    observer: Observer,
    args: argparse.Namespace,
) -> bool:
    acked = [s for s in submissions if "stored_at" in s]
    errors = [s["error"] for s in submissions if "error" in s]
    print(
        f"submissions: {len(submissions)} sent, {len(acked)} acknowledged, {len(errors)} failed"
        f"{' (' + errors[0] + ')' if errors else ''}"
    )
    print(f"  PUT answered                {percentiles([s['answered'] - s['sent'] for s in acked])}")

    # Own updates: the partner's dashboard gets one per acknowledged submission, in order.
    own_latency, own_missing = [], 0
    left = {number: sorted(times) for number, times in own.items()}
    for s in sorted(acked, key=lambda s: s["sent"]):
        later = [r for r in left.get(s["partner"], []) if r >= s["sent"]]
        if later:
            own_latency.append(later[0] - s["sent"])
            left[s["partner"]].remove(later[0])
        else:
            own_missing += 1
    print(f"  own update (kpi:own)        {percentiles(own_latency)}; missing {own_missing} of {len(acked)}")

    # Group updates: each shows the submissions stored before its released_at; timed from the newest of them.
    stored = [(datetime.fromisoformat(s["stored_at"]), s["sent"], s["partner"]) for s in acked]
    chatting = set(network.partners[: args.chat_members])
    latency, lost, superseded, repeated, timed = [], 0, 0, 0, 0
    newest = [{g: max(map(datetime.fromisoformat, rs)) for g, rs in socket.items()} for socket in releases]
    for (group, released_at), receipts in updates.items():
        members = network.members[group]
        due = len(members) + len(members & chatting)  # dashboards and second sockets
        # Not lost where the socket got a newer release of the group instead: a worker does not
        # deliver a release read before one it delivered (realtime/sent_figures.py).
        at = datetime.fromisoformat(released_at)
        got = zip(releases, newest, strict=True)
        instead = sum(group in seen and released_at not in seen[group] and latest[group] > at for seen, latest in got)
        superseded += instead
        lost, repeated = lost + max(0, due - len(receipts) - instead), repeated + max(0, len(receipts) - due)
        shows = [sent for stored_at, sent, number in stored if stored_at <= at and number in members]
        if shows:  # else it shows only submissions of the untimed first second
            timed += 1
            latency += [r - max(shows) for r in receipts]
    deliveries = sum(len(r) for r in updates.values())
    print(
        f"  group updates: {len(updates)} sent ({timed} timed), {deliveries} deliveries, "
        f"lost {lost} (superseded: {superseded}), repeated {repeated}"
    )
    print(f"  newest submission shown -> each dashboard   {percentiles(latency)}")
    stale = [
        g
        for g, answer in figures.items()
        if {k: shown(c) for k, c in answer["kpis"].items()} != {k: shown(c) for k, c in observer.cells[g].items()}
    ]
    print(
        f"  merged updates equal the group's figures at the end: {len(figures) - len(stale)} of {len(figures)} groups"
    )

    sent_ok = [m for m in messages if "id" in m]
    members = len(network.partners) + args.chat_members
    chat_latency = [r - m["sent"] for m in sent_ok for r in chat_receipts.get(m["id"], [])]
    chat_lost = sum(members - len(chat_receipts.get(m["id"], [])) for m in sent_ok)
    print(f"chat: {len(messages)} sent, {len(sent_ok)} acknowledged")
    print(f"  send -> ack                 {percentiles([m['acked'] - m['sent'] for m in sent_ok])}")
    print(f"  send -> each member         {percentiles(chat_latency)}; lost {chat_lost}")
    nothing_lost = not errors and not own_missing and not lost and not repeated and not stale and not chat_lost
    worst = max(p99_ms(own_latency), p99_ms(latency), p99_ms(chat_latency))
    met = nothing_lost and worst <= TARGET_MS
    print(
        f"target (nothing lost, every p99 <= {TARGET_MS} ms): {'met' if met else 'not met'} "
        f"(nothing lost: {nothing_lost}; worst p99 {worst:.0f} ms)"
    )
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3")
    parser.add_argument("--workers", type=int, help="server processes (default: 1 on SQLite, 2 on PostgreSQL)")
    parser.add_argument("--cache", type=Path, help="demo database to copy (SQLite; built there if missing)")
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--chat-members", type=int, default=200)
    parser.add_argument("--chat-senders", type=int, default=10)
    parser.add_argument("--chat-rate", type=float, default=1)
    parser.add_argument("--client-procs", type=int, default=3)
    parser.add_argument("--http-timeout", type=float, default=120)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    print(f"open files: {raise_open_files_limit()}")
    postgres = args.backend == "postgres"
    workers = args.workers or (2 if postgres else 1)
    with workspace(args.keep) as base, contextlib.ExitStack() as stack:
        if postgres:
            ws = stack.enter_context(postgres_workspace(base, args.postgres, args.redis))
        else:
            ws = Workspace(base.root, redis_url=args.redis if workers > 1 else None)
            print(f"demo network: {build_demo(ws, 1000, 36, args.cache):.1f} s")
        network = Network(ws, add_months(month_of(date.today()), -1))
        tokens = create_tokens(ws, [f"gf{n}" for n in network.partners] + [STAFF])
        url, pid = stack.enter_context(serving_process(ws, workers=workers))
        print(f"{args.backend}, {workers} worker(s): {url}; {args.rate:g} submissions/s for {args.duration:g} s")
        asyncio.run(run(url, pid, tokens, network, args))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
