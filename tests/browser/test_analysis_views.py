"""The analysis in a real browser: chart switches, page selectors, group figures going live, who gets in."""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, expect

from kpi.months import add_months, format_month, month_of
from tests.browser.test_layout import DESKTOP, PHONE, page_overflows, signed_in
from tests.support.personas import Outbox
from tests.support.tokens import token_for

THIS_MONTH = format_month(month_of(date.today()))
LAST_MONTH = format_month(add_months(month_of(date.today()), -1))
SCREENSHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS", "test-results/screenshots"))


async def screenshot(page: Page, name: str) -> None:
    # Playwright creates the folder.
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


async def test_switch_buttons_change_a_chart_and_the_view_survives_a_live_update(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await page.goto(f"/analyse?monat={LAST_MONTH}&spanne=month")
    await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
    revenue = page.locator("#chart-revenue")
    await expect(revenue.locator(".chart svg")).to_be_visible(timeout=10_000)
    absolute = await revenue.locator("details tbody tr").first.text_content()
    await revenue.get_by_role("button", name="je Mitarbeiter").click()
    await expect(revenue.locator("h2")).to_contain_text("EUR je Mitarbeiter")
    await expect(revenue.get_by_role("button", name="je Mitarbeiter")).to_have_attribute("aria-pressed", "true")
    await expect(revenue.locator(".chart svg")).to_be_visible()
    assert await revenue.locator("details tbody tr").first.text_content() != absolute
    margins = page.locator("#chart-margins")
    month_figures = await margins.locator("details tbody tr").first.text_content()
    await margins.get_by_role("button", name="12 Monate rollierend").click()
    await expect(margins.get_by_role("button", name="12 Monate rollierend")).to_have_attribute("aria-pressed", "true")
    assert await margins.locator("details tbody tr").first.text_content() != month_figures
    await margins.get_by_role("button", name="mit Vorjahr").click()
    await expect(margins.locator("details thead")).to_contain_text("Median Vorjahr")
    # The URL follows each chart's view once the swap has settled.
    both_views = r"ansicht=revenue\.month\.je-mitarbeiter.*ansicht=margins\.r12\.absolut\.vj"
    await expect(page).to_have_url(re.compile(both_views))
    await page.evaluate("window.__marker = 'no reload'")
    token = await token_for(demo_sqlite, "admin")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        answer = await api.put(f"/api/v1/partners/1001/figures/{LAST_MONTH}", json={"units_new": 39})
        assert answer.status_code == 200, answer.text
    await expect(page.locator("#updated-note")).to_contain_text("aktualisiert", timeout=5_000)
    await expect(revenue.locator("h2")).to_contain_text("EUR je Mitarbeiter")
    await expect(margins.locator("details thead")).to_contain_text("Median Vorjahr")
    assert await page.evaluate("window.__marker") == "no reload"
    # A bookmark of this URL opens the same views.
    again = await browser.new_page(viewport=DESKTOP, storage_state=await page.context.storage_state())  # type: ignore[arg-type]
    await again.goto(page.url)
    await expect(again.locator("#chart-revenue h2")).to_contain_text("EUR je Mitarbeiter")


async def test_the_span_selector_changes_the_figures_and_the_url(browser: Browser, portal: str, outbox: Outbox) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await page.goto(f"/analyse?monat={LAST_MONTH}&spanne=month")
    await page.evaluate("window.__marker = 'no reload'")
    own = page.locator('tr[data-key="revenue_total"] td').nth(1)
    month_value = await own.inner_text()
    await page.select_option("#spanne", "ytd")
    await expect(page.locator("#analysis-meta")).to_contain_text("Jahr bis dato")
    assert await own.inner_text() != month_value
    assert "spanne=ytd" in page.url and await page.evaluate("window.__marker") == "no reload"
    await expect(page.locator("#chart-profile .chart svg")).to_be_visible()
    await screenshot(page, "analyse-desktop")


async def test_group_figures_go_live_when_enough_other_partners_report(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await page.goto(f"/analyse?monat={THIS_MONTH}&spanne=month")
    await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
    median = page.locator('tr[data-key="units_new"] td').nth(2)
    before = await median.inner_text()
    token = await token_for(demo_sqlite, "admin")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        for number, units in zip(range(1002, 1009), (11, 12, 13, 14, 15, 16, 17), strict=True):
            answer = await api.put(f"/api/v1/partners/{number}/figures/{THIS_MONTH}", json={"units_new": units})
            assert answer.status_code == 200, answer.text
    # Within 2 s of the last submission, without reload, the released median shows.
    await expect(median).to_have_text("14", timeout=2_000)
    assert before != "14"


async def test_the_accountant_never_reaches_the_analysis(browser: Browser, portal: str, outbox: Outbox) -> None:
    page = await signed_in(browser, portal, outbox, "bh1001", PHONE, landing="/erfassung/")
    await expect(page.locator("nav.menu a", has_text="Betriebsvergleich")).to_have_count(0)
    answer = await page.goto("/analyse")
    assert answer is not None and answer.status == 403
    await expect(page.locator(".chart")).to_have_count(0)
    fragment = await page.goto("/analyse/diagramm/profile")
    assert fragment is not None and fragment.status == 403


async def test_the_analysis_on_a_phone_stacks_charts_without_page_wide_scrolling(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", PHONE)
    await page.goto(f"/analyse?monat={LAST_MONTH}&spanne=ytd")
    await expect(page.locator("#chart-trend .chart svg")).to_be_visible(timeout=15_000)
    await page.locator("#chart-costs").get_by_role("button", name="Anteil am Umsatz").click()
    await expect(page.locator("#chart-costs h2")).to_contain_text("% vom Umsatz")
    lefts = await page.locator(".chart-card").evaluate_all("cards => cards.map(c => c.getBoundingClientRect().left)")
    assert len(set(lefts)) == 1, "one column of charts on a phone"
    assert not await page_overflows(page)
    await screenshot(page, "analyse-phone")
