"""KPIs of a submission, and group figures released to the group's sockets and over the API."""

from __future__ import annotations

import asyncio
import math
import sqlite3
import statistics
from datetime import date, datetime
from typing import Any

import httpx
import pytest
import socketio
from sqlalchemy import select

from app.db import Database
from app.figures.service import store_month
from app.models import Partner
from kpi.months import add_months, format_month, month_of
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))
LAST_MONTH = format_month(add_months(month_of(date.today()), -1))


def group_id(database_url: str, name: str) -> int:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return int(db.execute("select id from comparison_groups where name = ?", (name,)).fetchone()[0])


async def api_as(portal: str, database_url: str, username: str) -> httpx.AsyncClient:
    token = await token_for(database_url, username)
    return httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def test_a_submission_answers_with_derived_kpis(portal: str, demo_sqlite: str) -> None:
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        answer = await api.put(
            f"/api/v1/partners/1001/figures/{MONTH}",
            json={
                "revenue_new": 600_000,
                "revenue_used": 150_000,
                "revenue_parts": 120_000,
                "revenue_workshop": 100_000,
                "revenue_other": 30_000,
                "cogs": 780_000,
                "hours_attendance": 2000,
                "hours_productive": 1600,
            },
        )
        again = await api.get(f"/api/v1/partners/1001/figures/{MONTH}")
    kpis = answer.json()["kpis"]
    assert kpis["revenue_total"] == 1_000_000 and kpis["gross_margin"] == 22.0 and kpis["utilisation"] == 80.0
    assert "dso" not in kpis, "no receivables entered: no value, not 0"
    assert again.json()["kpis"] == kpis


class GroupListener:
    """gf1002's socket, keeping the `kpi:update` events of one group."""

    def __init__(self, portal: str, database_url: str, group: int) -> None:
        self.portal, self.database_url, self.group = portal, database_url, group
        self.updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.client = socketio.AsyncClient(reconnection=False)
        self.client.on("kpi:update", self.updates.put_nowait)

    async def __aenter__(self) -> GroupListener:
        token = await token_for(self.database_url, "gf1002")
        await self.client.connect(self.portal, auth={"token": token}, transports=["websocket"], wait_timeout=5)
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.client.disconnect()

    async def released(self, count: int | None = None) -> list[dict[str, Any]]:
        """The group's updates: `count` of them, or those until none came for 2 s."""
        events: list[dict[str, Any]] = []
        while count is None or len(events) < count:
            try:
                event = await asyncio.wait_for(self.updates.get(), timeout=2 if count is None else 10)
            except TimeoutError:
                if count is None:
                    return events
                raise
            if event["group"] == self.group:
                events.append(event)
        return events


async def test_every_submission_releases_its_group_from_the_fifth_contributor_on(portal: str, demo_sqlite: str) -> None:
    revenues = [100_000.0 + 1_000 * i for i in range(7)]
    stored_at = []
    async with GroupListener(portal, demo_sqlite, group_id(demo_sqlite, "Alle Partner")) as listener:
        async with await api_as(portal, demo_sqlite, "admin") as api:
            for i, revenue in enumerate(revenues):
                answer = await api.put(f"/api/v1/partners/{1003 + i}/figures/{MONTH}", json={"revenue_new": revenue})
                assert answer.status_code == 200
                stored_at.append(datetime.fromisoformat(answer.json()["stored_at"]))
            # Where the time went, for developer tools and the live-path benchmark.
            steps = [step.split(";")[0] for step in answer.headers["server-timing"].split(", ")]
            assert steps == ["read", "store", "own", "release", "fanout"]
        released = await listener.released(7)
    assert [e["kpis"]["revenue_new"].get("n") for e in released] == [None, None, None, None, 5, 6, 7]
    # Each update says when its figures were read: after the submission it shows was stored.
    assert all(datetime.fromisoformat(e["released_at"]) >= at for e, at in zip(released, stored_at, strict=True))
    assert "n = 1" in released[0]["kpis"]["revenue_new"]["hidden"]
    final = released[-1]["kpis"]["revenue_new"]
    # Perturbed: near the exact median (a group of seven: at most half its interquartile range away),
    # and not any member's exact value.
    exact, spread = statistics.median(revenues), revenues[5] - revenues[1]
    assert abs(final["median"] - exact) <= spread / 2 and final["median"] not in revenues and "values" not in final


async def test_a_burst_of_concurrent_submissions_leaves_every_dashboard_on_the_final_figures(
    portal: str, demo_sqlite: str
) -> None:
    """A group's releases run one at a time per process; submissions meanwhile get one more after it."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    revenues = [200_000.0 + 1_000 * i for i in range(20)]
    async with (
        GroupListener(portal, demo_sqlite, everyone) as listener,
        await api_as(portal, demo_sqlite, "admin") as api,
    ):
        answers = await asyncio.gather(
            *(
                api.put(f"/api/v1/partners/{1003 + i}/figures/{MONTH}", json={"revenue_new": revenue})
                for i, revenue in enumerate(revenues)
            )
        )
        assert all(answer.status_code == 200 for answer in answers)
        updates = await listener.released()
        released, last_update = [event["kpis"]["revenue_new"] for event in updates], updates[-1]
        shown = await api.get("/api/v1/benchmark", params={"group": everyone, "period": MONTH, "span": "month"})
    # The last push holds every submission, and is what the group sees now.
    assert released and released[-1]["n"] == 20 and len(released) <= 20
    last_stored = max(datetime.fromisoformat(answer.json()["stored_at"]) for answer in answers)
    assert datetime.fromisoformat(last_update["released_at"]) >= last_stored
    now = shown.json()["kpis"]["revenue_new"]
    assert (now["n"], now["median"], now["mean"]) == (released[-1]["n"], released[-1]["median"], released[-1]["mean"])


async def test_the_benchmark_api_shows_released_figures_and_the_own_place(portal: str, demo_sqlite: str) -> None:
    everyone, small = group_id(demo_sqlite, "Alle Partner"), group_id(demo_sqlite, "ERFA-Kreis Werkstatt")
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        answer = await api.get("/api/v1/benchmark", params={"group": everyone, "period": LAST_MONTH, "span": "month"})
        tiny = await api.get("/api/v1/benchmark", params={"group": small, "period": LAST_MONTH, "span": "ytd"})
        bad = await api.get("/api/v1/benchmark", params={"group": everyone, "period": LAST_MONTH, "span": "week"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["partner"] == 1001 and body["span"] == "month"
    utilisation = body["kpis"]["utilisation"]
    assert utilisation["n"] >= 35 and utilisation["q1"] <= utilisation["median"] <= utilisation["q3"]
    assert utilisation["own"] is not None and 1 <= utilisation["rank"] <= utilisation["n"]
    assert all("values" not in cell for cell in body["kpis"].values())
    assert all("n = 4" in cell["hidden"] for cell in tiny.json()["kpis"].values())
    assert bad.status_code == 422 and "span" in bad.text


async def test_functional_staff_get_their_domain_and_the_accountant_no_benchmark(portal: str, demo_sqlite: str) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    params = {"group": everyone, "period": LAST_MONTH, "span": "month"}
    async with await api_as(portal, demo_sqlite, "debitoren") as staff:
        receivables = (await staff.get("/api/v1/benchmark", params=params)).json()
    async with await api_as(portal, demo_sqlite, "bh1001") as accountant:
        refused = await accountant.get("/api/v1/benchmark", params=params)
    # The receivables domain's KPIs, DSO among them (its own domain decides, not its inputs').
    assert set(receivables["kpis"]) == {"receivables", "receivables_overdue", "dso", "overdue_share"}
    assert receivables["partner"] is None
    assert refused.status_code == 404


async def test_asking_again_or_after_a_small_correction_draws_no_new_noise(portal: str, demo_sqlite: str) -> None:
    """The same contributors always get the same noise: asking again averages nothing out, and a
    partner that is not the largest moves the group's mean by exactly its own change / n."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    params = {"group": everyone, "period": LAST_MONTH, "span": "month"}
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        before = (await api.get("/api/v1/benchmark", params=params)).json()["kpis"]["revenue_new"]
        again = (await api.get("/api/v1/benchmark", params=params)).json()["kpis"]["revenue_new"]
        own = before["own"]
        await api.put(f"/api/v1/partners/1001/figures/{LAST_MONTH}", json={"revenue_new": own + 40_000.0})
        after = (await api.get("/api/v1/benchmark", params=params)).json()["kpis"]["revenue_new"]
    assert again == before
    assert after["own"] == own + 40_000.0, "the own value is live"
    # Four significant digits: each mean is off its exact value by at most half a step.
    step = 10 ** (math.floor(math.log10(before["mean"])) - 3)
    assert abs(after["mean"] - before["mean"] - 40_000.0 / before["n"]) <= step


async def test_an_entry_through_the_form_reaches_the_kpis_and_the_socket(
    sign_in: object, portal: str, demo_sqlite: str
) -> None:
    from tests.support.personas import csrf_field

    own: asyncio.Queue[dict[str, object]] = asyncio.Queue()
    listener = socketio.AsyncClient(reconnection=False)
    listener.on("kpi:own", own.put_nowait)
    await listener.connect(
        portal, auth={"token": await token_for(demo_sqlite, "gf1001")}, transports=["websocket"], wait_timeout=5
    )
    try:
        async with httpx.AsyncClient(base_url=portal) as browser:
            await sign_in(browser, "bh1001")  # type: ignore[operator]
            page = await browser.get(f"/erfassung/1001/{MONTH}")
            saved = await browser.post(
                f"/erfassung/1001/{MONTH}",
                data={
                    "_csrf_token": csrf_field(page.text),
                    "hours_attendance": "1.000",
                    "hours_productive": "850",
                    "bestaetigt": "1",
                },
            )
            assert saved.status_code == 303
        event = await asyncio.wait_for(own.get(), timeout=5)
    finally:
        await listener.disconnect()
    assert event["kpis"]["utilisation"] == 85.0  # type: ignore[index]
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        kpis = (await api.get(f"/api/v1/partners/1001/figures/{MONTH}")).json()["kpis"]
    assert kpis["utilisation"] == 85.0


async def test_the_own_value_follows_the_span_with_its_change_against_the_prior_year(
    portal: str, demo_sqlite: str
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    last = add_months(month_of(date.today()), -1)
    with sqlite3.connect(demo_sqlite.removeprefix("sqlite+aiosqlite:///")) as db:

        def total(year: int) -> float:
            return float(
                db.execute(
                    """select sum(f.value) from figures f join metrics m on m.id = f.metric_id
                join partners p on p.id = f.partner_id where p.number = 1001 and m.key = 'revenue_new'
                and f.month between ? and ?""",
                    (f"{year}-01-01", f"{year}-{last.month:02d}-01"),
                ).fetchone()[0]
            )

        this_year, year_before = total(last.year), total(last.year - 1)
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        body = (
            await api.get("/api/v1/benchmark", params={"group": everyone, "period": LAST_MONTH, "span": "ytd"})
        ).json()
    cell = body["kpis"]["revenue_new"]
    assert cell["own"] == round(this_year, 6) and cell["own_prior_year"] == round(year_before, 6)
    assert cell["change"] == round((this_year - year_before) / year_before * 100, 2)


async def test_moving_the_own_value_across_a_neighbours_exact_value_does_not_change_the_rank(
    portal: str, demo_sqlite: str
) -> None:
    """Otherwise a partner could probe the others' exact values by bisection of its own."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    params = {"group": everyone, "period": LAST_MONTH, "span": "month"}
    others = sorted(v for v in stored_values(demo_sqlite, "revenue_new", LAST_MONTH, but=1001))
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        for neighbour in others[10:30:5]:
            ranks = []
            for probe in (neighbour * (1 - 1e-6), neighbour * (1 + 1e-6)):
                await api.put(f"/api/v1/partners/1001/figures/{LAST_MONTH}", json={"revenue_new": probe})
                cell = (await api.get("/api/v1/benchmark", params=params)).json()["kpis"]["revenue_new"]
                assert cell["own"] == pytest.approx(probe), "the own value itself is live"
                ranks.append(cell["rank"])
            assert ranks[0] == ranks[1], neighbour


async def test_sensitive_metrics_show_only_aggregates(portal: str, demo_sqlite: str) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        kpis = (
            await api.get("/api/v1/benchmark", params={"group": everyone, "period": LAST_MONTH, "span": "month"})
        ).json()["kpis"]
    for key in ("order_backlog", "backlog_months", "expectation"):
        cell = kpis[key]
        assert "q1" not in cell and "best" not in cell and cell["rank"] is None, key


async def test_figures_stored_without_their_push_show_at_the_next_page_view(portal: str, demo_sqlite: str) -> None:
    """A worker that stopped after the commit: the group's figures are computed from what is stored."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    query = {"group": everyone, "period": MONTH, "span": "month"}
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        assert "hidden" in (await api.get("/api/v1/benchmark", params=query)).json()["kpis"]["units_new"]
        units = [4.0, 6.0, 8.0, 10.0, 12.0]
        db = Database(demo_sqlite)
        try:
            async with db.transaction() as session:
                for number, value in zip(range(1003, 1008), units, strict=True):
                    partner = await session.scalar(select(Partner).where(Partner.number == number))
                    assert partner is not None
                    await store_month(
                        session,
                        partner,
                        month_of(date.today()),
                        {"units_new": value},
                        by_user_id=None,
                        source="api",
                        today=date.today(),
                    )
        finally:
            await db.dispose()
        shown = (await api.get("/api/v1/benchmark", params=query)).json()["kpis"]["units_new"]
    assert shown["n"] == 5 and abs(shown["median"] - statistics.median(units)) <= 4.0 / 2


def stored_values(database_url: str, key: str, month: str, but: int | None = None) -> list[float]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        rows = db.execute(
            "select f.value from figures f join metrics m on m.id = f.metric_id join partners p on p.id = f.partner_id"
            " where m.key = ? and f.month = ? and p.active and p.number != ?",
            (key, f"{month}-01", but or 0),
        )
        return [float(value) for (value,) in rows]


async def test_corrected_figures_of_a_reported_month_reach_the_group_figures(portal: str, demo_sqlite: str) -> None:
    """Corrections change a month that was read before: the next release must use the corrected values."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    query = {"group": everyone, "period": LAST_MONTH, "span": "month"}
    async with await api_as(portal, demo_sqlite, "admin") as admin, await api_as(portal, demo_sqlite, "gf1001") as gf:
        first = (await gf.get("/api/v1/benchmark", params=query)).json()["kpis"]["revenue_new"]
        exact = statistics.median(stored_values(demo_sqlite, "revenue_new", LAST_MONTH))
        assert first["median"] == pytest.approx(exact, rel=0.01)  # forty partners: within 1 %
        for number in (1004, 1005, 1006, 1007):
            answer = await admin.put(f"/api/v1/partners/{number}/figures/{LAST_MONTH}", json={"revenue_new": 9_000_000})
            assert answer.status_code == 200, answer.text
        again = (await gf.get("/api/v1/benchmark", params=query)).json()["kpis"]["revenue_new"]
    corrected = stored_values(demo_sqlite, "revenue_new", LAST_MONTH)
    assert 9_000_000 in corrected and again["median"] != first["median"]
    assert again["median"] == pytest.approx(statistics.median(corrected), rel=0.01)
