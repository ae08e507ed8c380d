"""The Zentrale's wide views in Chromium: partner number and name stay in view while the figures
scroll, a column chooser whose choice survives a reload, and „Ziele und Ist“ with its charts."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from tests.browser.test_layout import signed_in
from tests.browser.test_start_page import SIZES
from tests.support.personas import Outbox


async def _open(browser: Browser, portal: str, outbox: Outbox, path: str) -> tuple[Page, list[str]]:
    """The page as sales management sees it on a desktop, with the console's errors collected."""
    page = await signed_in(browser, portal, outbox, "vertrieb", SIZES["desktop"])
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    await page.goto(path)
    return page, errors


async def test_the_partner_figures_keep_their_names_in_view_and_columns_can_be_chosen(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page, errors = await _open(browser, portal, outbox, "/zentrale/kennzahlen?bereich=sales")
    box = page.locator("#domain-figures .table-scroll")
    name = page.locator('#domain-table tr[data-partner="1001"] th.name')
    before = await name.bounding_box()
    await box.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    after = await name.bounding_box()
    assert before is not None and after is not None and abs(after["x"] - before["x"]) < 1, "the name stays put"
    assert not await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")

    # Untick a column: it disappears, and stays away after a reload.
    column = page.locator("#domain-table thead th[data-key]").first
    key = await column.get_attribute("data-key")
    await page.locator(".column-chooser summary").click()
    await page.locator(f'.column-chooser input[value="{key}"]').uncheck()
    await expect(page.locator(f'#domain-table thead th[data-key="{key}"]')).to_be_hidden()
    await page.reload()
    await expect(page.locator(f'#domain-table thead th[data-key="{key}"]')).to_be_hidden()
    assert not await page.locator(f'.column-chooser input[value="{key}"]').is_checked()
    assert await page.locator(f'#domain-table td[data-key="{key}"]:visible').count() == 0
    # Sorting by a figure orders the partners by it.
    await page.locator("#domain-table thead th[data-key]:visible").first.click()
    values = await page.locator("#domain-table thead th[data-key]:visible").first.get_attribute("data-key")
    cells = await page.locator(f'#domain-table tbody td[data-key="{values}"]').evaluate_all(
        "cells => cells.map(c => c.dataset.value).filter(v => v !== '').map(Number)"
    )
    assert cells == sorted(cells) and len(cells) > 5
    assert errors == []


async def test_targets_and_plans_show_as_charts_and_a_territory_leads_to_its_partners(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page, errors = await _open(browser, portal, outbox, "/zentrale/ziele")
    await expect(page.locator("#chart-territory-attainment .chart svg")).to_be_visible()
    await expect(page.locator("#chart-plan-states .chart svg")).to_be_visible()
    states = await page.locator("#chart-plan-states details").text_content() or ""
    assert "vereinbart" in states and "kein Ziel" in states
    await page.locator('tr[data-code] a:text-is("Süd")').click()
    await page.wait_for_url(re.compile(r"gebiet="))
    partners = await page.locator("#partner tbody tr").count()
    assert 0 < partners < 40, "the territory's partners only"
    await page.locator("#partner tbody tr a[href^='/analyse?partner=']").first.click()
    await page.wait_for_url(re.compile(r"/analyse\?partner=\d+"))
    await expect(page.locator("h1")).to_contain_text(re.compile(r"\d{4}"))
    assert errors == []
