"""The entry form in a real browser: KPIs preview while typing, CSRF header through HTMX."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser.test_layout import PHONE, signed_in
from tests.support.personas import Outbox


async def test_typing_updates_the_kpi_preview(browser: Browser, portal: str, outbox: Outbox) -> None:
    page = await signed_in(browser, portal, outbox, "bh1001", PHONE, landing="/erfassung/")
    await page.fill("#hours_attendance", "2.000")
    await page.fill("#hours_productive", "1.500")
    preview = page.locator("#preview")
    await expect(preview).to_contain_text("Werkstattauslastung %")
    await expect(preview.locator("div", has_text="Werkstattauslastung %")).to_contain_text("75,0 %")
    assert not await page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
