"""A benchmark a controller would sign: changes in the right unit, no rank without a direction,
no figures for a period still running, market data counted only beside a report."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from kpi.months import add_months, format_month, month_of
from kpi.periods import Span, last_complete
from tests.benchmark.test_benchmark_api import LAST_MONTH, MONTH, api_as, group_id
from tests.support.personas import SignIn


async def _kpis(portal: str, demo_sqlite: str) -> dict[str, Any]:
    """What gf1001 is shown of "Alle Partner" for last month."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        answer = await api.get("/api/v1/benchmark", params={"group": everyone, "period": LAST_MONTH})
    kpis: dict[str, Any] = answer.json()["kpis"]
    return kpis


async def test_ratios_change_in_points_scores_by_their_difference_amounts_in_percent(
    portal: str, demo_sqlite: str
) -> None:
    kpis = await _kpis(portal, demo_sqlite)
    margin, revenue = kpis["gross_margin"], kpis["revenue_total"]
    assert margin["change_unit"] == "Pp."
    assert abs(margin["change"] - (margin["own"] - margin["own_prior_year"])) < 0.01
    assert revenue["change_unit"] == "%"
    assert abs(revenue["change"] - (revenue["own"] / revenue["own_prior_year"] - 1) * 100) < 0.01
    expectation = kpis["expectation"]
    assert expectation["change_unit"] == "" and abs(expectation["change"]) <= 2  # a score moves by at most 2


async def test_a_metric_without_a_direction_has_no_rank_percentile_or_best_quarter(
    portal: str, demo_sqlite: str
) -> None:
    kpis = await _kpis(portal, demo_sqlite)
    marketing = kpis["marketing_ratio"]
    assert marketing["own"] is not None and marketing["median"] is not None
    assert marketing["rank"] is None and marketing["percentile"] is None and "best" not in marketing
    assert kpis["gross_margin"]["rank"] is not None and "best" in kpis["gross_margin"]


async def test_a_quarter_still_running_says_so_and_the_page_shows_the_last_complete_one(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    everyone = group_id(demo_sqlite, "Alle Partner")
    async with await api_as(portal, demo_sqlite, "gf1001") as api:
        running = (
            await api.get("/api/v1/benchmark", params={"group": everyone, "period": MONTH, "span": "quarter"})
        ).json()["kpis"]
    assert all("Zeitraum noch nicht abgeschlossen" in cell["hidden"] for cell in running.values())
    complete = last_complete(Span.QUARTER, date.today())
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gf1001")
        page = await browser.get("/analyse", params={"gruppe": everyone, "monat": MONTH, "spanne": "quarter"})
    assert page.status_code == 200
    assert "ist noch nicht abgeschlossen; gezeigt wird" in page.text
    assert f'data-period="{format_month(complete)}"' in page.text
    assert complete == add_months(month_of(date.today()), -((month_of(date.today()).month - 1) % 3) - 1)


async def test_market_data_count_only_the_partners_that_reported(portal: str, demo_sqlite: str) -> None:
    """Imported per postal area, they would otherwise show every member as n beside few reporters."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    async with await api_as(portal, demo_sqlite, "admin") as admin:
        for number in range(1003, 1010):
            answer = await admin.put(f"/api/v1/partners/{number}/figures/{MONTH}", json={"revenue_new": 400_000.0})
            assert answer.status_code == 200, answer.text
        kpis = (await admin.get("/api/v1/benchmark", params={"group": everyone, "period": MONTH})).json()["kpis"]
    assert kpis["revenue_new"]["n"] == 7
    assert kpis["purchasing_power"].get("n", 0) <= 7
