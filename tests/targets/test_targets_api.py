"""Targets over the API: phased by the prior year, refused as a whole, proposed -> agreed -> revised with history."""

from __future__ import annotations

import sqlite3
from datetime import date

import httpx
import pytest

YEAR = date.today().year
URL = f"/api/v1/partners/1001/targets/{YEAR}"


def prior_year(database_url: str, key: str) -> list[float]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        rows = db.execute(
            "select f.month, f.value from figures f join metrics m on m.id = f.metric_id "
            "join partners p on p.id = f.partner_id where p.number = 1001 and m.key = ? and f.month like ? "
            "order by f.month",
            (key, f"{YEAR - 1}-%"),
        ).fetchall()
    return [value for _, value in rows]


async def test_a_yearly_target_follows_the_partners_prior_year(
    api: dict[str, httpx.AsyncClient], demo_sqlite: str
) -> None:
    answer = await api["vertrieb"].put(URL, json={"revenue_parts": 1_200_000, "gross_margin": 24.5})
    assert answer.status_code == 200, answer.text
    parts = answer.json()["revenue_parts"]
    months = [parts["months"][f"{m:02d}"] for m in range(1, 13)]
    prior = prior_year(demo_sqlite, "revenue_parts")
    assert len(prior) == 12 and parts["state"] == "proposed"
    assert sum(months) == pytest.approx(1_200_000, abs=0.01)
    # Each month's share is the prior year's: the busiest month of last year is the busiest target.
    for target, before in zip(months, prior, strict=True):
        assert target == pytest.approx(1_200_000 * before / sum(prior), abs=0.02)
    # A ratio is a level: the same in every month.
    assert set(answer.json()["gross_margin"]["months"].values()) == {24.5}


async def test_typed_months_are_kept_and_bad_targets_store_nothing(api: dict[str, httpx.AsyncClient]) -> None:
    api = api["vertrieb"]
    typed = {f"{m:02d}": 10.0 * m for m in range(1, 13)}
    assert (await api.put(URL, json={"units_new": typed})).json()["units_new"]["months"] == typed
    before = (await api.get(URL)).json()
    for body, field in [
        ({"units_new": 5, "no_such_metric": 1}, "no_such_metric"),
        ({"cogs": 1000}, "cogs"),  # no direction: no target
        ({"units_new": "viele"}, "units_new"),
        ({"units_new": {"01": 1}}, "units_new"),  # eleven months missing
        ({}, "targets"),
    ]:
        answer = await api.put(URL, json=body)
        assert answer.status_code == 422, body
        assert field in {e["key"] for e in answer.json()["extra"]}, answer.json()
    assert (await api.get(URL)).json() == before
    assert (await api.put(f"/api/v1/partners/1001/targets/{YEAR + 40}", json={"units_new": 5})).status_code == 422


async def test_the_managing_director_agrees_and_a_change_needs_agreeing_again(
    api: dict[str, httpx.AsyncClient],
) -> None:
    zentrale, owner = api["vertrieb"], api["gf1001"]
    await zentrale.put(URL, json={"revenue_new": 2_000_000})
    assert (await owner.get(URL)).json()["revenue_new"]["state"] == "proposed"
    assert (await owner.put(URL, json={"revenue_new": 1})).status_code == 403  # the partner does not set its own
    agreed = await owner.post(f"{URL}/agreement", json=["revenue_new"])
    assert agreed.status_code == 200 and agreed.json()["revenue_new"]["state"] == "agreed"
    same = await zentrale.put(URL, json={"revenue_new": 2_000_000})
    assert same.json()["revenue_new"]["state"] == "agreed"  # nothing changed, nothing to agree again
    version = same.json()["revenue_new"]["version"]
    revised = await zentrale.put(URL, json={"revenue_new": 2_100_000})
    assert revised.json()["revenue_new"]["state"] == "revised"
    assert revised.json()["revenue_new"]["version"] == version + 1
    assert (await zentrale.post(f"{URL}/agreement")).status_code == 403  # only the partner agrees


async def test_each_reader_sees_the_targets_of_its_domains(api: dict[str, httpx.AsyncClient]) -> None:
    await api["vertrieb"].put(URL, json={"revenue_new": 2_000_000, "dso": 45})
    assert set((await api["debitoren"].get(URL)).json()) == {"dso"}
    assert (await api["gebiet-sued"].get(URL)).status_code == 403  # 1001 is not in Süd


async def test_the_managing_director_is_told_of_targets_to_confirm(api: dict[str, httpx.AsyncClient]) -> None:
    await api["vertrieb"].put(URL, json={"revenue_used": 750_000})
    notes = (await api["gf1001"].get("/api/v1/notifications")).json()["items"]
    assert notes[0]["kind"] == "targets" and notes[0]["url"] == f"/ziele?jahr={YEAR}"
    await api["vertrieb"].put(URL, json={"revenue_used": 750_000})  # unchanged: nothing to confirm
    assert (await api["gf1001"].get("/api/v1/notifications")).json()["items"][0]["id"] == notes[0]["id"]
