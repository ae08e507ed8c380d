"""The start page by role in Chromium at desktop, tablet and phone size: the first screen shows what
its reader needs every morning, nothing overflows, no console error; screenshots are kept in
var/screenshots/ (the README shows two of them)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page

from tests.browser.test_layout import signed_in
from tests.support.personas import Outbox

SIZES = {
    "desktop": {"width": 1280, "height": 800},
    "tablet": {"width": 1024, "height": 768},
    "phone": {"width": 390, "height": 844},
}
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
NUMBER = re.compile(r"\d")


async def _on_first_screen(page: Page, selector: str) -> bool:
    box = await page.locator(selector).first.bounding_box()
    viewport = page.viewport_size
    return box is not None and viewport is not None and box["y"] < viewport["height"] and box["height"] > 0


async def _open(browser: Browser, portal: str, outbox: Outbox, user: str, size: str) -> tuple[Page, list[str]]:
    page = await signed_in(browser, portal, outbox, user, SIZES[size])
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto("/")
    await page.wait_for_load_state("networkidle")
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"start-{user}-{size}.png"))
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{user} {size}: {overflow} px wider than the screen"
    return page, errors


@pytest.mark.parametrize("size", list(SIZES))
async def test_the_managing_director_sees_the_month_to_report_and_the_kpi_tiles_first(
    browser: Browser, portal: str, outbox: Outbox, size: str
) -> None:
    page, errors = await _open(browser, portal, outbox, "gf1001", size)
    assert await _on_first_screen(page, "#report-prompt"), "the reporting prompt is on the first screen"
    button = page.locator("#report-prompt a.button")
    assert re.fullmatch(
        r"(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) erfassen",
        await button.inner_text(),
    )
    assert await _on_first_screen(page, ".kpi-tiles .tile")
    values = await page.locator(".tile .tile-value").all_inner_texts()
    assert len(values) >= 6 and sum(1 for v in values if NUMBER.search(v)) >= 6, values
    assert await page.locator(".tile svg").count() >= 6, "each tile has its twelve months"
    for card in ("#my-tasks", "#my-appointments", "#my-messages", "#my-documents", "#strip"):
        assert await page.locator(card).count() == 1, card
    # A click on the prompt opens the month's entry form.
    await button.click()
    await page.wait_for_url(re.compile(r"/erfassung/1001/\d{4}-\d{2}$"))
    assert errors == []


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("user", ["gebiet-sued", "debitoren"])
async def test_staff_see_their_partners_reporting_state_first(
    browser: Browser, portal: str, outbox: Outbox, size: str, user: str
) -> None:
    page, errors = await _open(browser, portal, outbox, user, size)
    assert await _on_first_screen(page, "#reporting-state")
    state = await page.locator("#reporting-state .big").inner_text()
    assert re.match(r"\d+ von \d+ Partnern gemeldet", state), state
    attention = await page.locator("#attention").inner_text()
    if user == "debitoren":  # receivables: overdue items, no sales targets
        assert "Überfällige offene Posten" in attention and await page.locator("#attainment").count() == 0
    else:
        assert await page.locator("#attainment li").count() >= 2
    assert await page.locator(".kpi-tiles").count() == 0 and await page.locator("#report-prompt").count() == 0
    assert errors == []


async def test_the_analysis_prints_without_the_portals_chrome(browser: Browser, portal: str, outbox: Outbox) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", SIZES["desktop"])
    await page.goto("/analyse")
    await page.emulate_media(media="print")
    assert not await page.locator(".topbar").is_visible(), "no navigation on paper"
    assert await page.locator("table.kpi-table").is_visible()
    clipped = await page.evaluate(
        "[...document.querySelectorAll('.table-scroll')].filter(b => b.scrollWidth > b.clientWidth + 1).length"
    )
    assert clipped == 0, "a printed table is never cut off by its scroll box"
    pdf = await page.pdf(format="A4", landscape=True)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
