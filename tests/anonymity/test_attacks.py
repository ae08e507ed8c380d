"""The attack suite: the promise of docs/anonymity.md, tried as each attacker would try it.

Each attacker gathers every release it may see, through the API and its socket: every
group it sees (the demo's, and overlapping ones an administrator made), every span of
the last months, before and after a late report and a correction. It knows its own
figures (staff: those of its partners) and, worst case, exactly who contributes to each
cell. It solves the released sums (n × mean) by least squares for every other partner's
figures, and the promise is checked on those the releases determine: the median
relative error is at least the margin (10 %), and at most 10 % of them are within ±2 %.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import socketio
from sqlalchemy import select

from app.admin.groups_service import GroupForm, create_group
from app.db import Database
from app.models import User
from app.server import create_app
from app.settings import Settings
from kpi.catalogue import CATALOGUE
from kpi.months import add_months, format_month, month_of, parse_month
from kpi.periods import Span, span_months
from tests.anonymity.attacker import Cell, Observation, Verdict, solve
from tests.support.server import serving
from tests.support.tokens import token_for

THIS_MONTH = month_of(date.today())
PERIODS = [add_months(THIS_MONTH, -k) for k in range(6, 0, -1)]
# Every entered metric with the mean released (forward-looking ones show only a median).
METRICS = {m.key: m.time_kind or "flow" for m in CATALOGUE if m.kind == "entered" and not m.sensitive}
LATE = 1004  # reports one month late, in the middle of the attack
LATE_MONTH = add_months(THIS_MONTH, -3)
CORRECTING = 1005  # corrects a month's figures in the middle of the attack
CORRECTED_MONTH = add_months(THIS_MONTH, -2)
B, C = [1003, 1005, 1007, 1009], [1010, 1011, 1012, 1013]
MARGIN = 0.10


@dataclass
class Network:
    """What the test knows (the database), to set up the attack and to judge it. Round 0 is the
    network as the attack begins, round 1 after the late report and the correction."""

    path: str
    numbers: dict[int, int] = field(default_factory=dict)  # partner id -> number
    region: dict[int, str] = field(default_factory=dict)  # number -> region code
    figures: dict[tuple[str, int, date], float] = field(default_factory=dict)  # round 0: (metric, number, month)
    later: dict[tuple[str, int, date], float] = field(default_factory=dict)  # what round 1 adds or changes

    def read(self) -> None:
        with sqlite3.connect(self.path) as db:
            for pid, number, region in db.execute(
                "select p.id, p.number, r.code from partners p join territories t on t.id = p.territory_id "
                "join territories r on r.id = t.parent_id"
            ):
                self.numbers[pid], self.region[number] = number, region
            for key, pid, month, value in db.execute(
                "select m.key, f.partner_id, f.month, f.value from figures f join metrics m on m.id = f.metric_id "
                f"where m.key in ({','.join('?' * len(METRICS))})",
                list(METRICS),
            ):
                self.figures[(key, self.numbers[pid], date.fromisoformat(month))] = value

    def value(self, key: str, number: int, month: date, version: int) -> float | None:
        if version == 1 and (key, number, month) in self.later:
            return self.later[(key, number, month)]
        return self.figures.get((key, number, month))

    def contributors(self, key: str, members: Iterable[int], months: list[date], version: int) -> frozenset[int]:
        return frozenset(n for n in members if all(self.value(key, n, m, version) is not None for m in months))

    def truth(self, key: str) -> dict[Cell, float]:
        """Every figure by version: a corrected month has two, a late one only its later value."""
        found: dict[Cell, float] = {(n, m, 0): v for (k, n, m), v in self.figures.items() if k == key}
        for (k, n, m), v in self.later.items():
            if k == key:
                found[(n, m, 1 if (k, n, m) in self.figures else 0)] = v
        return found


@dataclass
class Attacker:
    username: str
    known: set[int]  # partner numbers whose figures it knows
    token: str = ""
    seen: list[tuple[int, date, Span, dict[str, Any], int]] = field(
        default_factory=list
    )  # group, period, span, kpis, version


def weights(kind: str, months: list[date]) -> tuple[tuple[date, float], ...]:
    if kind == "stock":
        return ((months[-1], 1.0),)
    if kind == "average":
        return tuple((m, 1.0 / len(months)) for m in months)
    return tuple((m, 1.0) for m in months)


async def gather(portal: str, attacker: Attacker, version: int) -> None:
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {attacker.token}"}) as api:
        groups = (await api.get("/api/v1/groups")).json()
        for group in groups:
            for period in PERIODS:
                for span in Span:
                    answer = await api.get(
                        "/api/v1/benchmark", params={"group": group["id"], "period": format_month(period), "span": span}
                    )
                    assert answer.status_code == 200, answer.text
                    attacker.seen.append((group["id"], period, span, answer.json()["kpis"], version))


def observations(network: Network, members: dict[int, list[int]], attacker: Attacker, key: str) -> list[Observation]:
    found = []
    for group, period, span, kpis, version in attacker.seen:
        cell = kpis.get(key)
        if not cell or cell.get("mean") is None:
            continue
        months = span_months(span, period)
        partners = network.contributors(key, members[group], months, version)
        assert len(partners) == cell["n"], (group, period, span, key, len(partners), cell["n"])
        found.append(Observation(partners, weights(METRICS[key], months), cell["n"] * cell["mean"], version))
    return found


def judge(network: Network, members: dict[int, list[int]], attacker: Attacker) -> dict[str, Verdict]:
    verdicts = {}
    corrected = frozenset({(CORRECTING, CORRECTED_MONTH)})
    for key in METRICS:
        rows = observations(network, members, attacker, key)
        known = {(n, m): v for (k, n, m), v in network.figures.items() if k == key and n in attacker.known}
        verdicts[key] = solve(rows, known, network.truth(key), corrected)
    return verdicts


async def _admin_groups(database_url: str, network: Network) -> dict[str, list[int]]:
    """Overlapping groups as an administrator may make them (each pair differs in at least five partners),
    and a group of four Süd partners beside partner 1001."""
    by_number = {n: pid for pid, n in network.numbers.items()}
    # Not those of the ERFA circle: the group would differ from it in fewer than five partners.
    sued = sorted(n for n, region in network.region.items() if region == "SUED" and n not in (1005, 1014))[:4]
    wanted = {
        "Kreis G1": [1001, 1002, *B],
        "Kreis G2": [1001, *B, *C],
        "Kreis G3": [1001, 1002, *C],
        "Süd und 1001": [1001, *sued],
    }
    db = Database(database_url)
    try:
        async with db.transaction() as session:
            admin = await session.scalar(select(User).where(User.username == "admin"))
            assert admin is not None
            for name, numbers in wanted.items():
                form = GroupForm(name=name, kind="list", partner_ids=[str(by_number[n]) for n in numbers])
                await create_group(session, admin.id, form, None)
    finally:
        await db.dispose()
    return wanted


def _members(path: str) -> dict[int, list[int]]:
    with sqlite3.connect(path) as db:
        groups = {gid: (kind, rule) for gid, kind, rule in db.execute("select id, kind, rule from comparison_groups")}
        listed: dict[int, list[int]] = {}
        for gid, number in db.execute(
            "select m.group_id, p.number from comparison_group_members m join partners p on p.id = m.partner_id"
        ):
            listed.setdefault(gid, []).append(number)
        partners = list(
            db.execute(
                "select p.number, p.size_class, r.code from partners p join territories t on t.id = p.territory_id "
                "join territories r on r.id = t.parent_id"
            )
        )
    import json

    members = {}
    for gid, (kind, rule) in groups.items():
        if kind == "all":
            members[gid] = [n for n, _, _ in partners]
        elif kind == "list":
            members[gid] = listed.get(gid, [])
        else:
            criteria = json.loads(rule)
            members[gid] = [
                n
                for n, size, region in partners
                if all(
                    {"size_class": size, "region": region}.get(name) in allowed for name, allowed in criteria.items()
                )
            ]
    return members


async def test_no_attacker_pins_down_another_partners_figures(
    demo_sqlite: str, make_settings: Callable[..., Settings]
) -> None:
    path = demo_sqlite.removeprefix("sqlite+aiosqlite:///")
    network = Network(path)
    network.read()
    # The late reporter's month is missing when the attack begins; its figures come in later.
    late_values = {key: network.figures.pop((key, LATE, LATE_MONTH)) for key in METRICS}
    with sqlite3.connect(path) as db:
        late_id = next(pid for pid, n in network.numbers.items() if n == LATE)
        db.execute("delete from figures where partner_id = ? and month = ?", (late_id, LATE_MONTH.isoformat()))
        db.execute("delete from month_reports where partner_id = ? and month = ?", (late_id, LATE_MONTH.isoformat()))
    await _admin_groups(demo_sqlite, network)
    members = _members(path)
    sued = {n for n, region in network.region.items() if region == "SUED"}
    attackers = [
        Attacker("gf1001", {1001}),
        Attacker("gf1002", {1001, 1002}),  # colluding with gf1001: pooled below
        Attacker("gebiet-sued", sued),
    ]
    for attacker in attackers:
        attacker.token = await token_for(demo_sqlite, attacker.username)
    admin = await token_for(demo_sqlite, "admin")

    # A patient attacker spreads its requests over days; this one may ask as fast as it likes.
    settings = make_settings(demo_sqlite, request_rate_per_minute=1_000_000)
    async with serving(create_app(settings)) as portal:
        sockets = []
        for attacker in attackers:
            client = socketio.AsyncClient()
            received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
            client.on("kpi:update", received.put_nowait)
            await client.connect(portal, auth={"token": attacker.token}, transports=["websocket"])
            sockets.append((client, received))
        for attacker in attackers:
            await gather(portal, attacker, version=0)

        async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {admin}"}) as api:
            answer = await api.put(f"/api/v1/partners/{LATE}/figures/{format_month(LATE_MONTH)}", json=late_values)
            assert answer.status_code == 200, answer.text
            network.later.update({(key, LATE, LATE_MONTH): value for key, value in late_values.items()})
            new = {key: round(network.figures[(key, CORRECTING, CORRECTED_MONTH)] * 1.15, 2) for key in METRICS}
            answer = await api.put(f"/api/v1/partners/{CORRECTING}/figures/{format_month(CORRECTED_MONTH)}", json=new)
            assert answer.status_code == 200, answer.text
            network.later.update({(key, CORRECTING, CORRECTED_MONTH): value for key, value in new.items()})

        # The sockets carried the month releases of both submissions as they happened (round 1).
        for attacker, (client, received) in zip(attackers, sockets, strict=True):
            assert not received.empty(), f"{attacker.username} saw no update"
            while not received.empty():
                update = received.get_nowait()
                attacker.seen.append((update["group"], parse_month(update["period"]), Span.MONTH, update["kpis"], 1))
            await client.disconnect()
        for attacker in attackers:
            await gather(portal, attacker, version=1)

    # A "best quarter" of two gave either of them the other's figure: none is released below three.
    for attacker in attackers:
        for *_, kpis, _version in attacker.seen:
            assert all(cell["best_n"] >= 3 for cell in kpis.values() if cell.get("best") is not None)
    colluders = Attacker("gf1001+gf1002", {1001, 1002}, seen=attackers[0].seen + attackers[1].seen)
    failures = []
    for attacker in (attackers[0], colluders, attackers[2]):
        # One verdict over every metric: the noise of one partner's figure is one draw, the same for
        # every span (that is what keeps the spans from averaging it out), so the share of close
        # estimates is a share of partners and metrics, and needs many of them to be measured.
        verdicts = judge(network, members, attacker)
        pooled = Verdict([e for verdict in verdicts.values() for e in verdict.estimates])
        print(attacker.username, pooled.summary())
        if len(pooled.estimates) < 100 or pooled.median_error < MARGIN or pooled.close_share > 0.10:
            failures.append(f"{attacker.username}: {pooled.summary()}")
    assert not failures, "\n".join(failures)
