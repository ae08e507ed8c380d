"""Conversations: a partner with the Zentrale staff who look after it, and direct ones; no one else reads them."""

from __future__ import annotations

import re

import httpx

from tests.support.personas import SignIn, csrf_field


async def _open(browser: httpx.AsyncClient, query: str) -> int:
    answer = await browser.get(f"/chat/gespraech?{query}")
    assert answer.status_code == 303, (query, answer.status_code)
    match = re.fullmatch(r"/chat/(\d+)", answer.headers["location"])
    assert match
    return int(match.group(1))


async def test_the_zentrale_talks_with_a_partner_and_only_those_involved_read_it(
    sign_in: SignIn, portal: str, api: dict[str, httpx.AsyncClient]
) -> None:
    async with httpx.AsyncClient(base_url=portal) as sales, httpx.AsyncClient(base_url=portal) as owner:
        await sign_in(sales, "vertrieb")
        await sign_in(owner, "gf1001")
        assert (await sales.get("/chat")).status_code == 200, "Zentrale staff reach the chat now"
        room = await _open(sales, "partner=1001")
        assert await _open(owner, "partner=1001") == room, "one conversation per partner, for both sides"
        assert await _open(sales, "partner=1001") == room
        page = await sales.get(f"/chat/{room}")
        await sales.post(f"/chat/{room}", data={"_csrf_token": csrf_field(page.text), "body": "Wann passt der Besuch?"})
        assert "Wann passt der Besuch?" in (await owner.get(f"/chat/{room}")).text
        assert (await owner.get("/chat/gespraech?partner=1002")).status_code == 404
    rooms = {r["id"] for r in (await api["debitoren"].get("/api/v1/chat/rooms")).json()}
    assert room in rooms, "the receivables staff look after 1001 too"
    for outsider in ("gf1002", "gebiet-sued", "bh1001"):
        assert room not in {r["id"] for r in (await api[outsider].get("/api/v1/chat/rooms")).json()}, outsider
    async with httpx.AsyncClient(base_url=portal) as other:
        await sign_in(other, "gf1002")
        assert (await other.get(f"/chat/{room}")).status_code in (403, 404)


async def test_a_direct_conversation_is_for_its_two_people(sign_in: SignIn, portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as owner, httpx.AsyncClient(base_url=portal) as sales:
        await sign_in(owner, "gf1001")
        await sign_in(sales, "vertrieb")
        room = await _open(owner, "mit=vertrieb")  # vertrieb looks after 1001: they may talk
        assert await _open(sales, "mit=gf1001") == room
        assert (await owner.get("/chat/gespraech?mit=gf1002")).status_code == 404, "a competitor: no"
        assert (await owner.get("/chat/gespraech?mit=gebiet-sued")).status_code == 404, "not 1001's manager"
    async with httpx.AsyncClient(base_url=portal) as third:
        await sign_in(third, "gebiet-sued")
        assert (await third.get(f"/chat/{room}")).status_code in (403, 404)
