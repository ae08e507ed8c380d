"""Hostile payloads at every Socket.IO event the portal registers (issue 7).

Each gets the ack `{"ok": false, "error": "..."}`, nothing is stored, and the server goes
on serving everyone else; frames that are not even Socket.IO (broken JSON, JSON nested
thousands deep, a frame past the size limit) cost at most the sender's own connection.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import websockets

from app.server import create_app
from app.settings import Settings
from tests.chat.support import connected, execute, room_id
from tests.support.tokens import token_for

EVENTS = ("chat:send", "chat:history", "chat:join", "chat:read", "chat:typing")
HOSTILE: dict[str, Any] = {
    "no object": "chat",
    "list": ["room", 1],
    "null": None,
    "room as text": {"room": "1; DROP TABLE chat_messages", "body": "x"},
    "room as bool": {"room": True, "body": "x"},
    "room as float": {"room": 1.5, "body": "x"},
    "room past 64 bits": {"room": 2**70, "body": "x"},
    "room past 32 bits": {"room": 2**40, "body": "x"},
    "negative room": {"room": -1, "body": "x"},
    "nested room": {"room": {"$gt": 0}, "body": "x"},
    "deep nesting": {"room": [[[[[[[[[[1]]]]]]]]]], "body": "x"},
}
# Cursors on a room the user may read: only the events that read them must refuse.
CURSORS: dict[str, Any] = {
    "cursor past 64 bits": {"room": "NORD", "before": 2**70, "after": 2**70, "id": 2**70},
    "cursor as text": {"room": "NORD", "before": "0 OR 1=1", "after": "1'--", "id": "x"},
    "negative cursor": {"room": "NORD", "before": -1, "after": -1, "id": -1},
}
BODIES: dict[str, Any] = {
    "oversized": "x" * 100_000,
    "only hidden characters": "\u202e\u200b\x00\ufeff",
    "lone surrogate only": "\ud800",
    "body as object": {"text": "Hallo"},
    "body as list": ["Hallo"],
    "body as number": 12,
}


def with_room(payload: Any, nord: int) -> Any:
    return {**payload, "room": nord} if isinstance(payload, dict) and payload.get("room") == "NORD" else payload


def test_every_registered_event_is_attacked(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    sio = create_app(make_settings(f"sqlite+aiosqlite:///{tmp_path}/unused.sqlite3")).engineio_server
    assert set(sio.handlers["/"]) - {"connect", "disconnect"} == set(EVENTS)


@pytest.mark.parametrize("event", EVENTS)
async def test_hostile_payloads_get_a_refusal_and_store_nothing(portal: str, demo_sqlite: str, event: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    before = execute(demo_sqlite, "select count(*), max(id) from chat_messages")
    reads = execute(demo_sqlite, "select * from chat_read_markers order by 1, 2")
    cases = {**HOSTILE, **(CURSORS if event in ("chat:history", "chat:read") else {})}
    async with connected(portal, demo_sqlite, "gf1001") as attacker:
        answers = {name: await attacker.call(event, with_room(payload, nord)) for name, payload in cases.items()}
    wrong = {name: a for name, a in answers.items() if a.get("ok") is not False or not a.get("error")}
    assert wrong == {}
    assert execute(demo_sqlite, "select count(*), max(id) from chat_messages") == before
    assert execute(demo_sqlite, "select * from chat_read_markers order by 1, 2") == reads


async def test_hostile_message_bodies_are_refused_in_german_and_not_stored(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    before = execute(demo_sqlite, "select count(*) from chat_messages")
    async with connected(portal, demo_sqlite, "gf1001") as attacker:
        answers = {name: await attacker.call("chat:send", {"room": nord, "body": b}) for name, b in BODIES.items()}
    assert {name: a["ok"] for name, a in answers.items()} == dict.fromkeys(BODIES, False)
    assert answers["oversized"]["error"] == "Die Nachricht ist zu lang (100000 Zeichen, höchstens 2000)."
    assert answers["only hidden characters"]["error"] == "Die Nachricht ist leer."
    assert answers["body as object"]["error"] == "Die Nachricht muss Text sein."
    assert execute(demo_sqlite, "select count(*) from chat_messages") == before


async def test_hidden_characters_inside_a_message_are_dropped_before_it_is_stored(
    portal: str, demo_sqlite: str
) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with connected(portal, demo_sqlite, "gf1001") as author:
        sent = await author.call("chat:send", {"room": nord, "body": "Rech\x00nung\u202efdp.exe\u200b\ud800"})
    assert sent["ok"] is True
    assert execute(demo_sqlite, "select body from chat_messages where id = ?", sent["id"]) == [("Rechnungfdp.exe",)]


async def raw_frames(portal: str, token: str, frames: list[str]) -> list[str]:
    """Speak Engine.IO/Socket.IO by hand: frames no client library would send; the answers to each."""
    url = portal.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    answers = []
    async with websockets.connect(url, max_size=None) as ws:
        await ws.recv()  # the Engine.IO open packet
        await ws.send("40" + json.dumps({"token": token}))
        assert (await ws.recv()).startswith("40"), "connected"
        for frame in frames:
            await ws.send(frame)
            try:
                answers.append(str(await asyncio.wait_for(ws.recv(), 0.5)))
            except TimeoutError:
                answers.append("")
            except websockets.ConnectionClosed:
                answers.append("closed")
                break
    return answers


async def test_broken_frames_cost_only_the_senders_connection(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    frames = [
        f'421["chat:send",{{"room":{nord},"body":"kaputt"]',  # broken JSON
        '422["chat:send",' + "[" * 50_000 + "]" * 50_000 + "]",  # nested past any recursion limit
        f'423["chat:send",{{"room":{nord},"body":"ok"}},"extra","arguments"]',
        '424["chat:send",{"room":NaN,"body":"x"}]',
        "42xyz",
        "426[]",
        f'427["chat:send",{{"room":{nord},"body":"' + "x" * 2_000_000 + '"}]',  # past the 1 MB frame limit
    ]
    async with connected(portal, demo_sqlite, "gf1002") as bystander:
        answers = await raw_frames(portal, await token_for(demo_sqlite, "gf1001"), frames)
        async with connected(portal, demo_sqlite, "gf1001") as sender:
            sent = await sender.call("chat:send", {"room": nord, "body": "Alles wie immer"})
        arrived = await bystander.next()
    assert answers == [
        "",  # what cannot be parsed has no ack id to answer to
        "",
        '433[{"ok":false,"error":"Erwartet wird ein Objekt mit \\u201eroom\\u201c."}]',
        '434[{"ok":false,"error":"Raum fehlt oder ist keine Zahl."}]',
        "",
        "",
        "closed",
    ]
    assert sent["ok"] is True and arrived["id"] == sent["id"] and arrived["body"] == "Alles wie immer"
    assert execute(demo_sqlite, "select count(*) from chat_messages where body in ('kaputt', 'ok')") == [(0,)]


async def test_a_flood_of_hostile_events_leaves_other_members_served(portal: str, demo_sqlite: str) -> None:
    nord = room_id(demo_sqlite, "Region Nord")
    async with (
        connected(portal, demo_sqlite, "gf1001") as attacker,
        connected(portal, demo_sqlite, "gf1002") as member,
        connected(portal, demo_sqlite, "moderator") as reader,
    ):
        for payload in list(HOSTILE.values()) * 3:
            await attacker.call("chat:send", with_room(payload, nord))
        sent = await member.call("chat:send", {"room": nord, "body": "Noch da?"})
        arrived = await reader.next()
        assert attacker.client.connected
    assert sent["ok"] is True and arrived["body"] == "Noch da?"
