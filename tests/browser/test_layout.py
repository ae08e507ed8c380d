"""The layout in a real browser: from a 360 px phone to a desktop, with the live connection up."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.personas import PASSWORD, Outbox

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


async def signed_in(
    browser: Browser,
    portal: str,
    outbox: Outbox,
    username: str,
    viewport: dict[str, int],
    landing: str = "/",
    **options: Any,
) -> Page:
    page = await browser.new_page(viewport=viewport, base_url=portal, **options)  # type: ignore[arg-type]
    await page.goto("/login")
    await page.fill("#username", username)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(f"{portal}/login/code")
    await page.fill("#code", outbox.last_code())
    await page.click("form[action='/login/code'] button[type=submit]")
    await page.wait_for_url(f"{portal}{landing}**")
    return page


async def page_overflows(page: Page) -> bool:
    return bool(await page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
async def test_the_landing_page_fits_and_goes_live(
    browser: Browser, portal: str, outbox: Outbox, viewport: dict[str, int]
) -> None:
    page = await signed_in(browser, portal, outbox, "gf1001", viewport)
    await expect(page.locator("h1")).to_contain_text("Guten Tag")
    await expect(page.locator(".menu-button" if viewport is PHONE else "nav.menu")).to_be_visible()
    await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
    assert not await page_overflows(page)


async def test_the_login_page_fits_a_phone(browser: Browser, portal: str) -> None:
    page = await browser.new_page(viewport=PHONE)  # type: ignore[arg-type]
    await page.goto(f"{portal}/login")
    await expect(page.locator("#username")).to_be_visible()
    assert not await page_overflows(page)


async def test_a_wide_table_scrolls_inside_its_box_on_a_phone(browser: Browser, portal: str, outbox: Outbox) -> None:
    page = await signed_in(browser, portal, outbox, "vertrieb", PHONE)
    await open_menu(page)
    await page.click("nav.menu >> text=Partner")
    await expect(page.locator("h1")).to_have_text("Partner")
    assert not await page_overflows(page)
    box = page.locator(".table-scroll")
    assert await box.evaluate("el => el.scrollWidth > el.clientWidth")


async def open_menu(page: Page) -> None:
    """On a phone (or with many entries) the main menu is folded behind its button."""
    button = page.locator(".menu-button")
    if await button.is_visible():
        await button.click()
        await expect(page.locator("nav.menu ul")).to_be_visible()


async def test_the_menu_folds_on_a_phone_and_opens_with_its_button(
    browser: Browser, portal: str, outbox: Outbox
) -> None:
    phone = await signed_in(browser, portal, outbox, "vertrieb", PHONE)
    header = await phone.locator(".topbar").bounding_box()
    assert header is not None and header["height"] < PHONE["height"] / 6, "a compact header on a phone"
    await expect(phone.locator("nav.menu >> text=Partner")).to_be_hidden()
    assert await phone.locator(".menu-button").get_attribute("aria-expanded") == "false"
    await open_menu(phone)
    assert await phone.locator(".menu-button").get_attribute("aria-expanded") == "true"
    await phone.click("nav.menu >> text=Partner")
    await expect(phone.locator("h1")).to_have_text("Partner")
    desktop = await signed_in(browser, portal, outbox, "vertrieb", DESKTOP)
    await expect(desktop.locator(".menu-button")).to_be_hidden()
    items = desktop.locator("nav.menu li")
    tops = {round((await items.nth(i).bounding_box() or {"y": 0})["y"]) for i in range(await items.count())}
    assert len(tops) == 1, "at 1280 px the menu is one line"
