"""The chat in real Chromium: two people in two browser contexts, live, with unread counts."""

from __future__ import annotations

import sqlite3

from playwright.async_api import Browser, expect

from tests.browser.test_analysis_views import screenshot
from tests.browser.test_layout import DESKTOP, PHONE, open_menu, page_overflows, signed_in
from tests.support.personas import Outbox


def room_id(database_url: str, name: str) -> int:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        return int(db.execute("select id from chat_rooms where name = ?", (name,)).fetchone()[0])


async def test_two_users_chat_live_and_the_unread_count_rises_and_falls(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    writer = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await writer.goto(f"/chat/{nord}")
    await expect(writer.locator("#live-status")).to_have_text("live", timeout=10_000)
    reader = await signed_in(browser, portal, outbox, "gf1002", PHONE)
    await expect(reader.locator("#live-status")).to_have_text("live", timeout=10_000)
    badge = reader.locator("#chat-unread")
    await expect(badge).to_be_hidden()
    await reader.evaluate("window.__marker = 'no reload'")

    await writer.fill("#body", "Hallo aus Rendsburg, @gf1002!")
    await writer.keyboard.press("Enter")
    await expect(writer.locator("#messages li.message").last).to_contain_text("Hallo aus Rendsburg")
    await expect(writer.locator("#body")).to_have_value("")
    await expect(badge).to_have_text("1 · @1", timeout=5_000)  # rose without reload, with the mention

    await open_menu(reader)
    await reader.click("nav.menu >> text=Chat")
    await expect(reader.locator(f'[data-unread="{nord}"]')).to_have_text("1")
    await reader.click(f'a[data-room="{nord}"]')
    await expect(reader.locator("#messages li.message").last).to_contain_text("Hallo aus Rendsburg")
    await expect(reader.locator("#messages mark.mention")).to_have_text("@gf1002")
    await expect(badge).to_be_hidden(timeout=5_000)  # fell once the room was read

    await writer.evaluate("window.__marker = 'no reload'")
    await reader.fill("#body", 'Moin! <img src=x onerror="window.__xss = 1">')
    await reader.click("#composer button[type=submit]")
    last = writer.locator("#messages li.message").last
    await expect(last).to_contain_text("Moin! <img src=x onerror=")
    # The same message's time reads the same whether the server (reader) or the script (writer) wrote it.
    first = 'li.message:has-text("Hallo aus Rendsburg") time'
    assert await writer.locator(first).inner_text() == await reader.locator(first).inner_text()
    assert await writer.evaluate("window.__xss") is None
    assert await writer.evaluate("window.__marker") == "no reload"
    await expect(reader.locator("#chat-unread")).to_be_hidden()
    assert not await page_overflows(reader)
    await screenshot(reader, "chat-phone")
    await screenshot(writer, "chat-desktop")


async def test_a_refused_message_says_why_in_the_composer(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    news = room_id(demo_sqlite, "Alle Partner")
    page = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await page.goto(f"/chat/{news}")
    await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
    await page.fill("#body", "@alle bitte alle melden")
    await page.keyboard.press("Enter")
    await expect(page.locator("#composer-error")).to_have_text("@alle dürfen nur Moderatoren verwenden.")
    await expect(page.locator("#body")).to_have_value("@alle bitte alle melden")
