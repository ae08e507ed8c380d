"""Actual against target, rolled up over the territory tree, limited to what the user may see."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.support.personas import SignIn


def numbers(text: str) -> float:
    """A cell's number; an attainment cell carries its light's sign (✓, !, ✕) before it."""
    text = text.strip(" ✓!✕\n")
    return float(text.replace(".", "").replace(",", ".").replace(" %", "") or "nan")


def tree(html: str) -> dict[str, list[str]]:
    """Per territory row the numeric cells as text: actual, target, attainment, partners on target."""
    return {
        code: [
            re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r'<td class="num[^"]*">(.*?)</td>', row, re.S)
        ]
        for code, row in re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', html, re.S)
    }


async def test_sales_management_sees_network_regions_territories_adding_up(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "vertrieb")
        page = await browser.get("/zentrale/ziele", params={"kennzahl": "revenue_new", "spanne": "ytd"})
    assert page.status_code == 200
    rows = tree(page.text)
    assert {"NETZ", "NORD", "OST", "SUED", "WEST", "SUED-BY"} <= set(rows)
    regions = sum(numbers(rows[code][0]) for code in ("NORD", "OST", "SUED", "WEST"))
    assert numbers(rows["NETZ"][0]) == pytest.approx(regions, abs=4)
    attainment = numbers(rows["NETZ"][2])
    assert 80 < attainment < 130
    assert len(re.findall(r'<tr data-partner="\d+">', page.text)) >= 35


async def test_the_territory_manager_sees_only_sued(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gebiet-sued")
        page = await browser.get("/zentrale/ziele")
    rows = tree(page.text)
    assert set(rows) == {"NETZ", "SUED", "SUED-BY", "SUED-BW"}
    assert rows["NETZ"][0] == rows["SUED"][0], "the network row holds only what the manager may see"
    assert len(re.findall(r'<tr data-partner="\d+">', page.text)) == 10


@pytest.mark.parametrize("username", ["gf1001", "bh1001", "moderator", "debitoren"])
async def test_others_do_not_reach_the_steering_view(sign_in: SignIn, portal: str, username: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, username)
        assert (await browser.get("/zentrale/ziele")).status_code == 403


async def test_reporting_compliance_lists_who_has_not_reported(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "vertrieb")
        everyone = await browser.get("/zentrale/meldungen")
        await browser.aclose()
    missing = re.findall(r'<tr class="open" data-partner="(\d+)">', everyone.text)
    assert len(missing) == 3, "the demo network has three partners late with last month"
    assert "37 von 40" in everyone.text
    async with httpx.AsyncClient(base_url=portal) as south:
        await sign_in(south, "gebiet-sued")
        page = await south.get("/zentrale/meldungen")
    assert page.text.count('data-partner="') == 10


async def test_every_partner_left_out_of_a_figure_is_named_with_the_reason(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "vertrieb")
        page = await browser.get("/zentrale/ziele", params={"kennzahl": "revenue_new", "spanne": "month"})
    network = re.search(r'<tr data-code="NETZ">(.*?)</tr>', page.text, re.S)
    assert network
    counted = int(re.search(r'data-counted="(\d+)"', network.group(1)).group(1))  # type: ignore[union-attr]
    left_out = re.findall(r"<li>(\d+) [^:<]+: ([^<]+)</li>", network.group(1))
    assert counted + len(left_out) == 40
    late = [reason for _, reason in left_out if reason.startswith("nicht gemeldet")]
    assert len(late) == 3, "the demo network's three partners late with last month"


async def test_the_territory_managers_network_row_says_it_holds_only_their_area(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as browser:
        await sign_in(browser, "gebiet-sued")
        page = await browser.get("/zentrale/ziele")
    network = re.search(r'<tr data-code="NETZ">(.*?)</tr>', page.text, re.S)
    assert network and "nur Ihr Bereich: 10 von 40 Partnern" in network.group(1)
    region = re.search(r'<tr data-code="SUED">(.*?)</tr>', page.text, re.S)
    assert region and "nur Ihr Bereich" not in region.group(1)
