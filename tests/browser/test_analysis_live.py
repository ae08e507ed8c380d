"""The analysis in a real browser: a submission elsewhere updates the table in place; headers sort."""

from __future__ import annotations

from datetime import date

import httpx
from playwright.async_api import Browser, expect

from kpi.months import format_month, month_of
from tests.benchmark.test_benchmark_api import group_id
from tests.browser.test_layout import DESKTOP, PHONE, signed_in
from tests.support.personas import Outbox
from tests.support.tokens import token_for

THIS_MONTH = format_month(month_of(date.today()))


async def test_a_submission_updates_the_open_analysis_without_reload(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await page.goto(f"/analyse?monat={THIS_MONTH}&spanne=month")
    await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
    await page.evaluate("window.__marker = 'still the same page'")
    row = page.locator('tr[data-key="units_new"] td').nth(1)
    token = await token_for(demo_sqlite, "admin")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        answer = await api.put(f"/api/v1/partners/1001/figures/{THIS_MONTH}", json={"units_new": 42})
        assert answer.status_code == 200
    await expect(row).to_have_text("42", timeout=10_000)
    await expect(page.locator("#updated-note")).to_contain_text("aktualisiert")
    assert await page.evaluate("window.__marker") == "still the same page"


async def test_headers_sort_the_table_and_it_fits_a_phone(browser: Browser, portal: str, outbox: Outbox) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", PHONE)
    await page.goto("/analyse?spanne=ytd")
    header = page.locator("table.kpi-table th", has_text="Eigener Wert")
    await header.click()
    await expect(header).to_have_attribute("aria-sort", "ascending")
    values = await page.locator("tbody tr td:nth-child(3)").evaluate_all(
        "cells => cells.map(c => c.dataset.value).filter(v => v !== '').map(Number)"
    )
    assert values == sorted(values)
    assert not await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


async def test_charts_render_and_a_hidden_series_stays_hidden_after_a_live_update(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await page.goto(f"/analyse?monat={THIS_MONTH}&spanne=month")
    await expect(page.locator("#chart-trend .chart svg")).to_be_visible(timeout=15_000)
    # The month still open has no places in the group yet: that chart says so instead of drawing.
    await expect(page.locator("#chart-reporting .chart svg")).to_be_visible()
    await expect(page.locator("#chart-profile .chart-empty")).to_contain_text("keine Plätze")
    selected = "el => echarts.getInstanceByDom(el).getOption().legend[0].selected['Median der Gruppe']"
    trend = page.locator("#chart-trend .chart")
    await page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.querySelector('#chart-trend .chart'));
        chart.dispatchAction({type: 'legendUnSelect', name: 'Median der Gruppe'});
    }""")
    assert await trend.evaluate(selected) is False
    token = await token_for(demo_sqlite, "admin")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        await api.put(f"/api/v1/partners/1001/figures/{THIS_MONTH}", json={"units_new": 41})
    await expect(page.locator("#updated-note")).to_contain_text("aktualisiert", timeout=10_000)
    await expect(page.locator("#chart-trend .chart svg")).to_be_visible(timeout=15_000)
    assert await page.locator("#chart-trend .chart").evaluate(selected) is False


async def test_the_analysis_draws_at_least_fifteen_charts_each_with_its_table(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await page.goto("/analyse?spanne=ytd")
    await expect(page.locator("#chart-trend .chart svg")).to_be_visible(timeout=15_000)
    drawn = await page.locator(".chart svg").count()
    tables = await page.locator(".chart-card details table").count()
    assert drawn >= 15 and tables == drawn


async def test_an_entry_in_a_second_browser_updates_the_first_without_reload(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    director = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await director.goto(f"/analyse?monat={THIS_MONTH}&spanne=month")
    await expect(director.locator("#live-status")).to_have_text("live", timeout=10_000)
    await director.evaluate("window.__marker = 'no reload'")
    accountant = await signed_in(browser, portal, outbox, "bh1001", PHONE, landing="/erfassung/")
    await accountant.fill("#hours_attendance", "1.000")
    await accountant.fill("#hours_productive", "870")
    await accountant.click("form#entry-form button[type=submit]")
    confirm = accountant.locator("input[name=bestaetigt]")
    if await confirm.count():
        await confirm.check()
        await accountant.click("form#entry-form button[type=submit]")
    await expect(accountant.locator(".flash")).to_contain_text("gespeichert")
    row = director.locator('tr[data-key="utilisation"] td').nth(1)
    await expect(row).to_have_text("87,0", timeout=10_000)
    assert await director.evaluate("window.__marker") == "no reload"


async def test_the_analysis_fits_a_tablet_and_sorts_by_keyboard(browser: Browser, portal: str, outbox: Outbox) -> None:
    page = await signed_in(browser, portal, outbox, "gf1002", {"width": 768, "height": 1024})
    await page.goto("/analyse?spanne=r12")
    await expect(page.locator("#chart-profile .chart svg")).to_be_visible(timeout=15_000)
    assert not await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    header = page.locator("table.kpi-table th", has_text="Median")
    await header.focus()
    await page.keyboard.press("Enter")
    await expect(header).to_have_attribute("aria-sort", "ascending")


async def test_another_dealers_submission_reaches_the_open_dashboard_within_a_second_every_time(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    """Every submission releases its groups (docs/anonymity.md): at rest, each one shows on another
    member's open dashboard at once, with the figures the API gives for that moment."""
    everyone = group_id(demo_sqlite, "Alle Partner")
    page = await signed_in(browser, portal, outbox, "gf1002", DESKTOP)
    await page.goto(f"/analyse?gruppe={everyone}&monat={THIS_MONTH}&spanne=month")
    await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
    median = page.locator('tr[data-key="units_new"] td').nth(2)
    admin, viewer = await token_for(demo_sqlite, "admin"), await token_for(demo_sqlite, "gf1002")
    async with (
        httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {admin}"}) as api,
        httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {viewer}"}) as other,
    ):
        query = {"group": everyone, "period": THIS_MONTH, "span": "month"}
        for i, number in enumerate(range(1003, 1011)):
            answer = await api.put(f"/api/v1/partners/{number}/figures/{THIS_MONTH}", json={"units_new": 10 + 3 * i})
            assert answer.status_code == 200
            if i < 4:
                continue  # fewer than five partners: hidden
            cell = (await other.get("/api/v1/benchmark", params=query)).json()["kpis"]["units_new"]
            await expect(median).to_have_attribute("data-value", str(cell["median"]), timeout=1_000)
