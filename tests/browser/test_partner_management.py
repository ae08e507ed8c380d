"""Partner management in Chromium: a new territory manager for Nord, a target confirmed, a receivables view."""

from __future__ import annotations

import re
import sqlite3
from datetime import date

import httpx
from playwright.async_api import Browser, expect

from tests.browser.test_layout import DESKTOP, signed_in
from tests.support.personas import Outbox
from tests.support.tokens import token_for

NEW_PASSWORD = "Nordlicht-über-Husum-2026"


def partners_by_region(database_url: str) -> dict[str, list[int]]:
    with sqlite3.connect(database_url.removeprefix("sqlite+aiosqlite:///")) as db:
        rows = db.execute(
            "select r.code, p.number from partners p join territories t on t.id = p.territory_id "
            "join territories r on r.id = t.parent_id where p.active"
        ).fetchall()
    found: dict[str, list[int]] = {}
    for region, number in rows:
        found.setdefault(region, []).append(number)
    return found


async def test_the_admin_makes_a_territory_manager_for_nord_who_sees_exactly_nord(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    admin = await signed_in(browser, portal, outbox, "admin", DESKTOP)
    await admin.goto("/admin/benutzer/neu")
    await admin.fill("#username", "gebiet-nord")
    await admin.fill("#display_name", "Nora Nord")
    await admin.fill("#phone", "+49 171 5550300")
    await admin.check("input[name=classes][value=territory_manager]")
    await admin.check("input[name=territories][value=NORD]")
    await admin.click("form.form button[type=submit]")
    password = (await admin.locator("#one-time-password").inner_text()).strip()
    await admin.close()

    page = await browser.new_page(viewport=DESKTOP, base_url=portal)  # type: ignore[arg-type]
    await page.goto("/login")
    await page.fill("#username", "gebiet-nord")
    await page.fill("#password", password)
    await page.click("button[type=submit]")
    await page.fill("#code", outbox.last_code())
    await page.click("form[action='/login/code'] button[type=submit]")
    await page.wait_for_url(f"{portal}/konto/passwort")
    await page.fill("#current", password)
    await page.fill("#new", NEW_PASSWORD)
    await page.fill("#repeat", NEW_PASSWORD)
    await page.click("form[action='/konto/passwort'] button[type=submit]")
    await page.wait_for_url(re.compile(r".*/(konto)?$"))

    await page.goto("/konto")
    await expect(page.locator("#reichweite")).to_contain_text("Nord (Region)")
    nord = sorted(partners_by_region(demo_sqlite)["NORD"])
    await page.goto("/zentrale/ziele?kennzahl=revenue_new")
    codes = await page.locator("tr[data-code]").evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert "NETZ" in codes and "NORD" in codes and not {"SUED", "OST", "WEST"} & set(codes)
    await expect(page.locator("tr[data-code=NETZ]")).to_contain_text(f"nur Ihr Bereich: {len(nord)} von 40 Partnern")
    shown = await page.locator("tr[data-partner]").evaluate_all("rows => rows.map(r => Number(r.dataset.partner))")
    assert sorted(shown) == nord
    await page.click(f"tr[data-partner='{nord[0]}'] a")
    await expect(page.locator("h1")).to_contain_text(str(nord[0]))
    await expect(page.locator("#betreuung")).to_be_visible()
    south = partners_by_region(demo_sqlite)["SUED"][0]
    refused = await page.goto(f"/zentrale/partner/{south}")
    assert refused is not None and refused.status == 403


async def test_a_managing_director_confirms_a_target_and_the_rollup_shows_it_agreed(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    owner = await signed_in(browser, portal, outbox, "gf1001", DESKTOP)
    await owner.click("nav >> text=Unsere Ziele")
    await expect(owner.locator("h2", has_text="Zu bestätigen")).to_be_visible()
    await expect(owner.locator("tr[data-metric=revenue_new] [data-state]")).to_have_text("vorgeschlagen")
    await owner.click("text=Ausgewählte Ziele bestätigen")
    await expect(owner.locator("tr[data-metric=revenue_new] [data-state]")).to_have_text("vereinbart")
    await expect(owner.locator("text=Alle Ziele für")).to_be_visible()

    sales = await signed_in(browser, portal, outbox, "vertrieb", DESKTOP)
    await sales.goto("/zentrale/ziele?kennzahl=revenue_new")
    await expect(sales.locator("tr[data-partner='1001'] [data-state]")).to_have_attribute("data-state", "agreed")
    await expect(sales.locator("tr[data-partner='1001'] [data-state]")).to_contain_text("vereinbart")


async def test_receivables_staff_see_open_items_and_dso_but_no_sales(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    page = await signed_in(browser, portal, outbox, "debitoren", DESKTOP)
    await page.goto("/zentrale/partner/1001")
    items = page.locator("#offene-posten")
    await expect(items).to_contain_text("Offene Posten beim Hersteller")
    assert await items.locator("tbody tr").count() >= 2
    await expect(items).to_contain_text("Kreditlimit")
    dso = page.locator("tr[data-key=dso]")
    await expect(dso).to_contain_text("Forderungslaufzeit")
    assert re.fullmatch(r"\d+(,\d)?", (await dso.locator("td.num").first.inner_text()).strip())
    for absent in ("#einkauf", "#marketing", "#garantie", "tr[data-key=revenue_total]"):
        assert await page.locator(absent).count() == 0, absent
    assert await page.locator("h2", has_text="Vertrieb").count() == 0


async def test_the_rollup_follows_a_report_live(
    browser: Browser, portal: str, outbox: Outbox, demo_sqlite: str
) -> None:
    month = date.today().strftime("%Y-%m")
    page = await signed_in(browser, portal, outbox, "vertrieb", DESKTOP)
    await page.goto(f"/zentrale/ziele?kennzahl=revenue_new&spanne=month&monat={month}")
    await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
    actual = page.locator("tr[data-partner='1001'] td.num").first
    await expect(actual).to_have_text("–")
    token = await token_for(demo_sqlite, "gf1001")
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        stored = await api.put(f"/api/v1/partners/1001/figures/{month}", json={"revenue_new": 123_456})
        assert stored.status_code == 200, stored.text
    await expect(actual).to_have_text("123.456", timeout=5_000)
    await expect(page.locator("tr[data-code=NETZ] td.num").first).not_to_have_text("–")
