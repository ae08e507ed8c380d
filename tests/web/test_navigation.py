"""Each user sees the navigation and pages of their job, and no more."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.personas import SignIn

NAV = re.compile(r'<nav class="menu".*?</nav>', re.S)


async def page_as(sign_in: SignIn, portal: str, username: str, path: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, username)
        return await browser.get(path)


@pytest.mark.parametrize(
    ("username", "sees_partner_list"),
    [
        ("admin", True),
        ("vertrieb", True),
        ("gebiet-sued", True),
        ("debitoren", True),
        ("moderator", False),
        ("gf1001", False),
        ("gf1002", False),
        ("bh1001", False),
    ],
)
async def test_the_partner_list_is_in_the_navigation_only_for_the_zentrale_with_view_rights(
    sign_in: SignIn, portal: str, username: str, sees_partner_list: bool
) -> None:
    home = await page_as(sign_in, portal, username, "/konto")
    assert home.status_code == 200
    nav = NAV.search(home.text)
    assert nav and "Mein Konto" in nav.group(0)
    assert ('href="/partner"' in nav.group(0)) is sees_partner_list
    partners = await page_as(sign_in, portal, username, "/partner")
    assert partners.status_code == (200 if sees_partner_list else 403)
    if not sees_partner_list:
        assert "Kein Zugriff" in partners.text


async def test_the_territory_manager_sees_only_the_partners_of_sued(sign_in: SignIn, portal: str) -> None:
    everyone = await page_as(sign_in, portal, "vertrieb", "/partner")
    sued = await page_as(sign_in, portal, "gebiet-sued", "/partner")
    assert "40 Partner in Ihrem Bereich" in everyone.text
    assert "10 Partner in Ihrem Bereich" in sued.text
    regions = set(re.findall(r"<td>(Nord|Ost|Süd|West)</td>", sued.text))
    assert regions == {"Süd"}


async def test_a_managing_director_sees_the_reporting_status_of_the_own_business(sign_in: SignIn, portal: str) -> None:
    home = await page_as(sign_in, portal, "gf1001", "/")
    assert "Partner 1001" in home.text
    assert home.text.count("✓ gemeldet") + home.text.count("– offen") == 12
    assert "Partner 1002" not in home.text


async def test_an_unknown_page_answers_with_a_german_404(sign_in: SignIn, portal: str) -> None:
    page = await page_as(sign_in, portal, "gf1001", "/gibt-es-nicht")
    assert page.status_code == 404 and "Seite nicht gefunden" in page.text


async def test_the_accountant_has_the_entry_form_tasks_calendar_documents_and_the_account_only(
    sign_in: SignIn, portal: str
) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "bh1001")
        landing = await browser.get("/")
        page = await browser.get("/konto")
    assert landing.status_code == 303 and landing.headers["location"] == "/erfassung"
    nav = NAV.search(page.text)
    # Tasks and the calendar: the managing director gives the accountant tasks (with due dates);
    # documents: circulars for the accounting staff and the business's exchange folder.
    assert nav and re.findall(r'href="([^"]+)"', nav.group(0)) == [
        "/erfassung",
        "/aufgaben",
        "/kalender",
        "/dokumente",
        "/konto",
    ]
