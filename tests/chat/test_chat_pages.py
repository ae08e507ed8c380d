"""The chat by HTTP: the same rules as over the socket, inert payloads, edits, moderation, unread counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx

from tests.chat.support import connected, execute, room_id
from tests.support.personas import SignIn, csrf_field
from tests.support.tokens import token_for

HX = {"HX-Request": "true"}


async def post(client: httpx.AsyncClient, url: str, page: str, **data: str) -> httpx.Response:
    """A form POST with the CSRF token of `page`, as scripts do it (answered as JSON)."""
    token = csrf_field((await client.get(page)).text)
    return await client.post(url, data={"_csrf_token": token, **data}, headers={**HX, "x-csrftoken": token})


async def test_a_non_member_cannot_read_send_or_find_a_room_by_http(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with connected(portal, demo_sqlite, "gf1001") as member:
        assert (await member.call("chat:send", {"room": nord, "body": "Mähdrescher-Liefertermine Nord"}))["ok"]
    async with httpx.AsyncClient(base_url=portal) as outsider, httpx.AsyncClient(base_url=portal) as insider:
        await sign_in(outsider, "gf1003")
        await sign_in(insider, "gf1002")
        assert (await outsider.get(f"/chat/{nord}")).status_code == 403
        assert (await outsider.get(f"/chat/{nord}/verlauf", params={"vor": 10**6})).status_code == 403
        sent = await post(outsider, f"/chat/{nord}", "/chat", body="Hallo Nord")
        assert sent.status_code == 403
        found_outside = await outsider.get("/chat/suche", params={"q": "Liefertermine"})
        found_inside = await insider.get("/chat/suche", params={"q": "Liefertermine"})
        token = await token_for(demo_sqlite, "gf1003")
        rooms = await outsider.get("/api/v1/chat/rooms", headers={"Authorization": f"Bearer {token}"})
        missing = await outsider.get("/chat/999999")
    assert "0 Treffer" in found_outside.text and "Mähdrescher" not in found_outside.text
    assert "1 Treffer" in found_inside.text and "Mähdrescher-Liefertermine Nord" in found_inside.text
    assert nord not in {r["id"] for r in rooms.json()} and "Region Ost" in {r["name"] for r in rooms.json()}
    assert missing.status_code == 404
    assert execute(demo_sqlite, "select count(*) from chat_messages where body = 'Hallo Nord'") == [(0,)]


async def test_script_and_javascript_payloads_come_out_inert(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    payloads = [
        "<script>alert('x')</script>",
        '<img src=x onerror="alert(1)">',
        "javascript:alert(document.cookie)",
        '[klick](javascript:alert(1)) https://example.org/"onmouseover=alert(1)',
        "Ansehen: /analyse?gruppe=1&spanne=ytd#chart-margins",
    ]
    async with connected(portal, demo_sqlite, "gf1001") as author:
        for body in payloads:
            assert (await author.call("chat:send", {"room": nord, "body": body}))["ok"]
    async with httpx.AsyncClient(base_url=portal) as reader:
        await sign_in(reader, "gf1002")
        page = (await reader.get(f"/chat/{nord}")).text
    messages = page.split('id="messages"', 1)[1].split("</ol>", 1)[0]
    assert "<script>alert" not in messages and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in messages
    assert "<img" not in messages and "onerror=" not in messages.replace("onerror=&#34;", "")
    assert 'href="javascript:' not in messages and "javascript:alert(document.cookie)" in messages
    assert 'href="https://example.org/"' in messages and "onmouseover=alert(1)</" in messages
    assert '<a href="/analyse?gruppe=1&amp;spanne=ytd#chart-margins">' in messages


async def test_own_messages_are_editable_for_15_minutes_with_history_kept(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with connected(portal, demo_sqlite, "gf1001") as author, connected(portal, demo_sqlite, "gf1002") as peer:
        fresh = (await author.call("chat:send", {"room": nord, "body": "Treffen am Dienstag"}))["id"]
        old = (await author.call("chat:send", {"room": nord, "body": "Alte Nachricht"}))["id"]
        long_ago = (datetime.now(UTC) - timedelta(minutes=16)).strftime("%Y-%m-%d %H:%M:%S.%f")
        execute(demo_sqlite, "update chat_messages set created_at = ? where id = ?", long_ago, old)
        async with httpx.AsyncClient(base_url=portal) as browser, httpx.AsyncClient(base_url=portal) as other:
            await sign_in(browser, "gf1001")
            await sign_in(other, "gf1002")
            edited = await post(browser, f"/chat/nachricht/{fresh}/bearbeiten", "/chat", body="Treffen am Mittwoch")
            too_late = await post(browser, f"/chat/nachricht/{old}/bearbeiten", "/chat", body="geändert")
            foreign = await post(other, f"/chat/nachricht/{fresh}/bearbeiten", "/chat", body="gekapert")
            deleted_late = await post(browser, f"/chat/nachricht/{old}/loeschen", "/chat")
        events = [await peer.next("chat:edit")]
    assert edited.status_code == 200 and events[0]["body"] == "Treffen am Mittwoch" and events[0]["edited"]
    assert too_late.status_code == 422 and "ersten 15 Minuten" in too_late.json()["message"]
    assert deleted_late.status_code == 422
    assert foreign.status_code == 403 and "Nur eigene Nachrichten" in foreign.json()["message"]
    assert execute(demo_sqlite, "select body from chat_message_edits where message_id = ?", fresh) == [
        ("Treffen am Dienstag",)
    ]
    assert execute(demo_sqlite, "select body from chat_messages where id = ?", old) == [("Alte Nachricht",)]


async def test_a_moderator_removes_a_message_which_stays_in_the_audit_log(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    everyone = room_id(demo_sqlite, "Alle Partner")
    async with connected(portal, demo_sqlite, "gf1001") as author, connected(portal, demo_sqlite, "gf1002") as peer:
        bad = (await author.call("chat:send", {"room": everyone, "body": "Preise von Händler X: 12 % Rabatt"}))["id"]
        await peer.next()
        async with httpx.AsyncClient(base_url=portal) as moderator:
            await sign_in(moderator, "moderator")
            answer = await post(moderator, f"/chat/nachricht/{bad}/entfernen", "/chat")
        removed = await peer.next("chat:remove")
        async with httpx.AsyncClient(base_url=portal) as reader:
            await sign_in(reader, "gf1002")
            page = (await reader.get(f"/chat/{everyone}")).text
    assert answer.status_code == 200
    assert removed["id"] == bad and removed["removed"] == "moderation" and removed["body"] == ""
    assert "entfernt durch Moderation" in page and "12 % Rabatt" not in page
    ((detail,),) = execute(demo_sqlite, "select detail from audit_events where action = 'chat.message_removed'")
    assert json.loads(detail)["body"] == "Preise von Händler X: 12 % Rabatt"


async def test_mentions_and_unread_counts_rise_and_fall(sign_in: SignIn, portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with httpx.AsyncClient(base_url=portal) as reader:
        await sign_in(reader, "gf1002")
        before = (await reader.get("/chat/ungelesen")).json()
        async with connected(portal, demo_sqlite, "gf1001") as author:
            await author.call("chat:send", {"room": nord, "body": "@gf1002 hast du die Zahlen für Oktober?"})
            await author.call("chat:send", {"room": nord, "body": "Und wer noch?"})
        during = (await reader.get("/chat/ungelesen")).json()
        page = (await reader.get(f"/chat/{nord}")).text
        after = (await reader.get("/chat/ungelesen")).json()
    assert during["rooms"][str(nord)] == {
        "messages": before["rooms"][str(nord)]["messages"] + 2,
        "mentions": before["rooms"][str(nord)]["mentions"] + 1,
    }
    assert '<mark class="mention">@gf1002</mark>' in page
    assert after["rooms"][str(nord)] == {"messages": 0, "mentions": 0}


async def test_moderators_mute_and_lock_by_form_and_others_may_not(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with httpx.AsyncClient(base_url=portal) as moderator, httpx.AsyncClient(base_url=portal) as dealer:
        await sign_in(moderator, "moderator")
        await sign_in(dealer, "gf1001")
        muted = await post(moderator, f"/chat/{nord}/stumm", "/chat", username="gf1002", minutes="30", reason="Ton")
        not_allowed = await post(dealer, f"/chat/{nord}/stumm", "/chat", username="gf1002", minutes="30")
        unknown = await post(moderator, f"/chat/{nord}/stumm", "/chat", username="niemand", minutes="30")
        locked = await post(moderator, f"/chat/{nord}/einstellungen", "/chat", read_only="1", retention_days="90")
        bad_days = await post(moderator, f"/chat/{nord}/einstellungen", "/chat", retention_days="-5")
    assert muted.status_code == 200 and not_allowed.status_code == 403 and unknown.status_code == 422
    assert locked.status_code == 200 and bad_days.status_code == 422
    assert execute(demo_sqlite, "select read_only, retention_days from chat_rooms where id = ?", nord) == [(1, 90)]
    async with connected(portal, demo_sqlite, "gf1002") as muted_user:
        refused = await muted_user.call("chat:send", {"room": nord, "body": "Hallo?"})
    assert "stummgeschaltet" in refused["error"] and "Ton" in refused["error"]
    actions = {a for (a,) in execute(demo_sqlite, "select action from audit_events where action like 'chat.%'")}
    assert {"chat.user_muted", "chat.room_settings"} <= actions


async def test_a_chart_is_shared_as_a_link_that_opens_the_view_for_readers_who_may_see_it(
    sign_in: SignIn, portal: str, demo_sqlite: str
) -> None:
    nord, erfa = (
        room_id(demo_sqlite, "Region Nord"),
        execute(demo_sqlite, "select id from comparison_groups where name = 'ERFA-Kreis Werkstatt'")[0][0],
    )
    link = f"/analyse?gruppe={erfa}&spanne=ytd&ansicht=margins.ytd.absolut.vj#chart-margins"
    async with httpx.AsyncClient(base_url=portal) as sharer, httpx.AsyncClient(base_url=portal) as reader:
        await sign_in(sharer, "gf1001")
        await sign_in(reader, "gf1002")
        analysis = await sharer.get("/analyse", params={"gruppe": erfa, "spanne": "ytd"})
        assert "/chat/teilen?link=/analyse%3Fgruppe%3D" in analysis.text
        form = await sharer.get("/chat/teilen", params={"link": link, "titel": "Rohertrag"})
        assert form.status_code == 200 and str(nord) in form.text
        shared = await sharer.post(
            "/chat/teilen",
            data={"_csrf_token": csrf_field(form.text), "link": link, "room": str(nord), "comment": "Seht euch das an"},
        )
        evil = await sharer.get("/chat/teilen", params={"link": "https://evil.example/analyse"})
        room = (await reader.get(f"/chat/{nord}")).text
        opened = await reader.get(link.split("#")[0])
    assert shared.status_code == 303
    assert evil.status_code == 400
    assert f'<a href="{link.replace("&", "&amp;")}">' in room
    # gf1002 is not in the ERFA group: the link opens gf1002's own group and says so.
    assert opened.status_code == 200 and "Die Vergleichsgruppe des Links ist für Sie nicht sichtbar" in opened.text
    assert "ERFA-Kreis Werkstatt" not in opened.text.split('id="analysis"', 1)[1]
