"""Chat over real Socket.IO clients against a running portal (shared/CONTRACT.md)."""

from __future__ import annotations

import asyncio

from tests.chat.support import connected, execute, room_id


async def test_two_members_chat_live_and_the_message_is_stored_first(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with connected(portal, demo_sqlite, "gf1001") as first, connected(portal, demo_sqlite, "gf1002") as second:
        ack = await first.call("chat:send", {"room": nord, "body": "Wie läuft die Ernte bei euch?"})
        assert ack["ok"] is True and isinstance(ack["id"], int)
        arrived = await second.next()
        assert arrived["room"] == nord and arrived["id"] == ack["id"]
        assert arrived["body"] == "Wie läuft die Ernte bei euch?" and "GF 1001" in arrived["author"]
        assert arrived["at"].startswith("20")
        stored = execute(demo_sqlite, "select body from chat_messages where id = ?", ack["id"])
        assert stored == [("Wie läuft die Ernte bei euch?",)]
        answer = await second.call("chat:send", {"room": nord, "body": "Gut, danke!"})
        # The sender's own sockets get the message too (other tabs, other devices).
        assert [(await first.next())["id"], (await first.next())["id"]] == [ack["id"], answer["id"]]


async def test_a_non_member_cannot_join_read_or_send_and_hears_nothing(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with connected(portal, demo_sqlite, "gf1001") as member, connected(portal, demo_sqlite, "gf1003") as outsider:
        for event, data in (
            ("chat:join", {"room": nord}),
            ("chat:history", {"room": nord}),
            ("chat:history", {"room": nord, "after": 0}),
            ("chat:send", {"room": nord, "body": "Hallo Nord"}),
            ("chat:typing", {"room": nord}),
        ):
            answer = await outsider.call(event, data)
            assert answer == {"ok": False, "error": "Diesen Raum dürfen Sie nicht lesen."}, (event, answer)
        await member.call("chat:send", {"room": nord, "body": "nur für Nord"})
        assert await outsider.nothing()
    assert execute(demo_sqlite, "select count(*) from chat_messages where body = 'Hallo Nord'") == [(0,)]


async def test_the_accountant_has_no_chat(portal: str, demo_sqlite: str) -> None:
    everyone = room_id(demo_sqlite, "Alle Partner")
    async with connected(portal, demo_sqlite, "bh1001") as accountant:
        answer = await accountant.call("chat:history", {"room": everyone})
    assert answer == {"ok": False, "error": "Kein Zugang zum Chat."}


async def test_muted_users_and_read_only_rooms_are_refused_with_a_reason(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    user = execute(demo_sqlite, "select id from users where username = 'gf1002'")[0][0]
    execute(
        demo_sqlite,
        "insert into chat_mutes (room_id, user_id, until, reason, created_at) values (?, ?, ?, ?, ?)",
        nord,
        user,
        "2999-01-01 00:00:00.000000",
        "Werbung",
        "2026-01-01 00:00:00.000000",
    )
    async with connected(portal, demo_sqlite, "gf1002") as muted, connected(portal, demo_sqlite, "gf1001") as other:
        refused = await muted.call("chat:send", {"room": nord, "body": "Sonderangebot!"})
        assert refused["ok"] is False and "stummgeschaltet" in refused["error"] and "Werbung" in refused["error"]
        assert (await other.call("chat:send", {"room": nord, "body": "Ich darf"}))["ok"] is True
        execute(demo_sqlite, "update chat_rooms set read_only = 1 where id = ?", nord)
        locked = await other.call("chat:send", {"room": nord, "body": "Und jetzt?"})
    assert locked == {"ok": False, "error": "Dieser Raum ist schreibgeschützt."}


async def test_announcement_rooms_take_only_moderators(portal: str, demo_sqlite: str) -> None:
    news = room_id(demo_sqlite, "Mitteilungen der Zentrale")
    async with connected(portal, demo_sqlite, "gf1001") as dealer, connected(portal, demo_sqlite, "moderator") as mod:
        assert (await dealer.call("chat:send", {"room": news, "body": "Frage"}))["ok"] is False
        sent = await mod.call("chat:send", {"room": news, "body": "@alle Neue Preislisten sind da."})
        assert sent["ok"] is True
        assert "Neue Preislisten" in (await dealer.next())["body"]
        nord = room_id(demo_sqlite, "Region Nord")
        everyone = await dealer.call("chat:send", {"room": nord, "body": "@alle bitte melden"})
    assert everyone == {"ok": False, "error": "@alle dürfen nur Moderatoren verwenden."}


async def test_flooding_is_throttled_without_dropping_other_users_messages(portal: str, demo_sqlite: str) -> None:
    everyone = room_id(demo_sqlite, "Alle Partner")
    async with (
        connected(portal, demo_sqlite, "gf1001") as flooder,
        connected(portal, demo_sqlite, "gf1002") as calm,
        connected(portal, demo_sqlite, "gf1003") as reader,
    ):
        flood = [flooder.call("chat:send", {"room": everyone, "body": f"Spam {i}"}) for i in range(30)]
        answers = await asyncio.gather(*flood, calm.call("chat:send", {"room": everyone, "body": "Wichtig"}))
        *spam, important = answers
        assert important["ok"] is True
        refused = [a for a in spam if not a["ok"]]
        # Six per connection and window; a burst can straddle two windows.
        assert len(spam) - len(refused) <= 12 and all("Zu viele Nachrichten" in a["error"] for a in refused)
        # Messages go out after their acks: wait for each one that was accepted, then for any extra.
        accepted = 1 + sum(1 for a in spam if a["ok"])
        bodies = {(await reader.next())["body"] for _ in range(accepted)}
        await asyncio.sleep(0.3)
        extra = reader.received["chat:message"].qsize()
    assert "Wichtig" in bodies and len(bodies) == accepted and extra == 0
    stored = execute(demo_sqlite, "select count(*) from chat_messages where body like 'Spam %'")[0][0]
    assert stored == sum(1 for a in spam if a["ok"])


async def test_history_after_a_reconnect_is_complete(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with connected(portal, demo_sqlite, "gf1001") as writer:
        async with connected(portal, demo_sqlite, "gf1002") as reader:
            first = await writer.call("chat:send", {"room": nord, "body": "vor der Trennung"})
            seen = (await reader.next())["id"]
            assert seen == first["id"]
        missed = [(await writer.call("chat:send", {"room": nord, "body": f"verpasst {i}"}))["id"] for i in range(3)]
        async with connected(portal, demo_sqlite, "gf1002") as back:
            caught_up = await back.call("chat:history", {"room": nord, "after": seen})
            page = await back.call("chat:history", {"room": nord})
    assert [m["id"] for m in caught_up["messages"]] == missed
    assert [m["body"] for m in caught_up["messages"]] == ["verpasst 0", "verpasst 1", "verpasst 2"]
    assert [m["id"] for m in page["messages"]][-4:] == [seen, *missed] and page["more"] is False


async def test_history_pages_backwards_by_cursor(portal: str, demo_sqlite: str) -> None:
    erfa = room_id(demo_sqlite, "Alle Partner")
    execute(
        demo_sqlite,
        "insert into chat_messages (room_id, author_id, body, created_at, mentions_all) "
        "select ?, (select id from users where username = 'gf1001'), 'alt ' || value, '2026-01-01 00:00:00.000000', 0 "
        "from json_each('[" + ",".join(str(i) for i in range(120)) + "]')",
        erfa,
    )
    async with connected(portal, demo_sqlite, "gf1002") as member:
        newest = await member.call("chat:history", {"room": erfa})
        older = await member.call("chat:history", {"room": erfa, "before": newest["messages"][0]["id"]})
        oldest = await member.call("chat:history", {"room": erfa, "before": older["messages"][0]["id"]})
        wrong = await member.call("chat:history", {"room": "1; drop table chat_messages"})
    assert [len(p["messages"]) for p in (newest, older, oldest)] == [50, 50, 20]
    assert newest["more"] and older["more"] and not oldest["more"]
    ids = [m["id"] for p in (oldest, older, newest) for m in p["messages"]]
    assert ids == sorted(ids) and len(set(ids)) == 120
    assert wrong == {"ok": False, "error": "Raum fehlt oder ist keine Zahl."}


async def test_bad_input_gets_a_clear_answer_and_stores_nothing(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    before = execute(demo_sqlite, "select count(*) from chat_messages")
    async with connected(portal, demo_sqlite, "gf1001") as member:
        answers = [
            await member.call("chat:send", {"room": nord, "body": "x" * 2001}),
            await member.call("chat:send", {"room": nord, "body": "   \n\t "}),
            await member.call("chat:send", {"room": nord, "body": {"nested": ["deep"]}}),
            await member.call("chat:send", {"room": True, "body": "bool statt Zahl"}),
            await member.call("chat:send", ["keine", "Zuordnung"]),
            await member.call("chat:history", {"room": nord, "before": -5}),
        ]
    assert [a["ok"] for a in answers] == [False] * 6
    assert answers[0]["error"] == "Die Nachricht ist zu lang (2001 Zeichen, höchstens 2000)."
    assert answers[1]["error"] == "Die Nachricht ist leer."
    assert answers[2]["error"] == "Die Nachricht muss Text sein."
    assert answers[3]["error"] == "Raum fehlt oder ist keine Zahl."
    assert execute(demo_sqlite, "select count(*) from chat_messages") == before


async def test_typing_reaches_the_other_members_only(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with (
        connected(portal, demo_sqlite, "gf1001") as typist,
        connected(portal, demo_sqlite, "gf1002") as member,
        connected(portal, demo_sqlite, "gf1003") as outsider,
    ):
        assert (await typist.call("chat:typing", {"room": nord}))["ok"]
        seen = await member.next("chat:typing")
        assert seen["room"] == nord and "GF 1001" in seen["user"]
        assert await typist.nothing("chat:typing") and await outsider.nothing("chat:typing")


async def test_members_get_one_senders_messages_in_order(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with connected(portal, demo_sqlite, "gf1001") as sender, connected(portal, demo_sqlite, "gf1002") as member:
        sent = [(await sender.call("chat:send", {"room": nord, "body": f"Teil {i}"}))["id"] for i in range(5)]
        arrived = [(await member.next())["id"] for _ in range(5)]
    assert arrived == sent == sorted(sent)
