"""A circular in Chromium: published to a territory, it reaches gf1001 live and not gf1002; the list
of who has not confirmed shrinks as the readers confirm."""

from __future__ import annotations

import re

from playwright.async_api import Browser, Page, expect

from app.demo.pdf import simple_pdf
from tests.browser.test_layout import DESKTOP, PHONE, signed_in
from tests.support.personas import Outbox

TITLE = "Rundschreiben Lagerbereinigung"


async def _unread(page: Page) -> tuple[int, int]:
    heading = await page.locator("#unread h2").inner_text()
    match = re.search(r"(\d+) von (\d+)", heading)
    assert match, heading
    return int(match.group(1)), int(match.group(2))


async def test_a_circular_reaches_exactly_its_audience_and_the_unread_list_shrinks(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    director = await signed_in(browser, portal, outbox, "gf1001", PHONE)
    await director.goto("/benachrichtigungen")
    await expect(director.locator("#live-status")).to_have_text("live", timeout=10_000)
    outsider = await signed_in(browser, portal, outbox, "gf1002", DESKTOP)

    staff = await signed_in(browser, portal, outbox, "vertrieb", DESKTOP)
    await staff.goto("/dokumente/neu")
    await staff.fill("#title", TITLE)
    await staff.fill("#folder", "Rundschreiben")
    await staff.set_input_files(
        "#file",
        files=[{"name": "lager.pdf", "mimeType": "application/pdf", "buffer": simple_pdf(["Lagerbereinigung Q1"])}],
    )
    await staff.check("input[name=circular]")
    await staff.click("summary:has-text('Gebiete und Regionen')")
    await staff.check("input[name=territories][value='NORD-SH']")
    await staff.click("form[action='/dokumente/neu'] button[type=submit]")
    await expect(staff.locator("h1")).to_contain_text(TITLE)
    missing, total = await _unread(staff)
    assert missing == total and total >= 2
    await expect(staff.locator("[data-reader=gf1001]")).to_be_visible()
    await expect(staff.locator("[data-reader=gf1002]")).to_have_count(0)

    # gf1001 hears of it without reloading, opens it from the notification and confirms.
    notice = director.locator("#notification-list li", has_text=f"Neues Rundschreiben: {TITLE}")
    await expect(notice).to_be_visible(timeout=5_000)
    await notice.locator("a").first.click()
    await expect(director.locator("h1")).to_contain_text(TITLE)
    await director.click("#confirmation button[type=submit]")
    await expect(director.locator("#confirmation")).to_contain_text("Kenntnisnahme am")

    await staff.reload()
    assert await _unread(staff) == (missing - 1, total)
    await expect(staff.locator("[data-reader=gf1001]")).to_have_count(0)

    # gf1002's business lies outside the territory: no entry, no notice, no page.
    await outsider.goto("/dokumente")
    await expect(outsider.locator("#documents, .muted").first).to_be_visible()
    await expect(outsider.get_by_text(TITLE)).to_have_count(0)
    answer = await outsider.goto(director.url)
    assert answer is not None and answer.status == 404
    await outsider.goto("/benachrichtigungen")
    await expect(outsider.get_by_text(TITLE)).to_have_count(0)
