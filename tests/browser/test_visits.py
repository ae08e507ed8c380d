"""A visit in Chromium: planned by a territory manager, seen live by gf1001, reported with two follow-ups,
one of which gf1001 closes."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
from playwright.async_api import Browser, expect

from tests.browser.test_layout import DESKTOP, PHONE, signed_in
from tests.support.personas import Outbox
from tests.support.tokens import token_for


async def test_a_visit_from_planning_to_its_closed_follow_up(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    # Süd's manager also looks after Nord (partner 1001) for now: the admin says so over the API.
    token = await token_for(demo_sqlite, "admin")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        assert (await api.patch("/api/v1/users/gebiet-sued", json={"territories": ["SUED", "NORD"]})).status_code == 200

    owner = await signed_in(browser, portal, outbox, "gf1001", PHONE)
    await owner.goto("/kalender")
    await expect(owner.locator("#live-status")).to_have_text("live", timeout=10_000)
    centre = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)  # a second device
    await centre.goto("/benachrichtigungen")
    await expect(centre.locator("#live-status")).to_have_text("live", timeout=10_000)

    manager = await signed_in(browser, portal, outbox, "gebiet-sued", DESKTOP)
    day = date.today() + timedelta(days=2)
    await manager.goto("/kalender/neu")
    await manager.fill("#title", "Jahresgespräch")
    await manager.fill("#partner", "1001")
    await manager.fill("#start", f"{day.isoformat()}T10:00")
    await manager.fill("#end", f"{day.isoformat()}T12:00")
    await manager.fill("#place", "Rendsburg")
    await manager.fill("#invitees", "gf1001")
    await manager.click("form[action='/kalender/neu'] button[type=submit]")
    await expect(manager.locator("h1")).to_have_text("Jahresgespräch")

    # Without reloading: the calendar shows the visit, the centre lists the notice, the bell counts it.
    await expect(owner.locator("[data-appointment]", has_text="Jahresgespräch")).to_be_visible(timeout=5_000)
    await expect(centre.locator("#notification-list li").first).to_contain_text("Neuer Termin: Jahresgespräch")
    await expect(centre.locator("#notification-unread")).not_to_be_hidden()

    await manager.fill("#body", "Ausstellung im Frühjahr vereinbart.")
    await manager.fill("input[name=f0_title]", "Ausstellungsfläche planen")
    await manager.fill("input[name=f0_assignee]", "gf1001")
    await manager.fill("input[name=f1_title]", "Angebot Vorführmaschine")
    await manager.fill("input[name=f1_assignee]", "gebiet-sued")
    await manager.check("input[name=freigeben]")
    await manager.click("#bericht button[type=submit]")
    await expect(manager.locator("#bericht")).to_contain_text("Ausstellungsfläche planen")

    await expect(
        centre.locator("#notification-list li", has_text="Neue Aufgabe: Ausstellungsfläche planen")
    ).to_be_visible()
    await owner.goto("/aufgaben")
    await owner.click("text=Ausstellungsfläche planen")
    await owner.select_option("#status", "done")
    await owner.click("form.inline-form button[type=submit]")
    await expect(owner.locator("#task-status")).to_have_text("erledigt")
    await owner.goto("/kalender")
    await owner.click("[data-appointment] a")
    await expect(owner.locator("#report-body")).to_contain_text("Ausstellung im Frühjahr")
