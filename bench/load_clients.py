"""The listening sockets of bench/load.py: dashboards and chat members, in client processes (bench/clients.py)."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from typing import Any

import socketio
from clients import ClientProcess
from lean_client import LeanClient

_UPDATE_HEAD = re.compile(rb'\["kpi:update",\{"group":(\d+),"period":"([^"]*)"')


class Dashboards(ClientProcess):
    """A partner's open dashboard: notes `kpi:own` (with the value of `key` it carries) and every `kpi:update`.

    Only events of the measured month count. Group updates are kept per client and group in
    arrival order: a release is known by its place in that order (its published figures are
    rounded, so two releases can look the same).
    """

    def __init__(self, url: str, period: str, key: str) -> None:
        super().__init__(url)
        self.period = period
        self.key = key
        self.own: list[tuple[int, float | None, float]] = []  # (partner no, value of `key`, receipt time)
        self.updates: dict[tuple[int, int], list[float]] = defaultdict(list)  # (client index, group) -> times

    def listen(self, client: socketio.AsyncClient | LeanClient, index: int) -> None:
        def on_own(data: dict[str, Any]) -> None:
            now = time.monotonic()
            if data.get("period") == self.period:
                self.own.append((int(data["partner"]), data.get("kpis", {}).get(self.key), now))

        def on_update(data: dict[str, Any], now: float | None = None) -> None:
            now = time.monotonic() if now is None else now
            if data.get("period") == self.period:
                self.updates[(index, int(data["group"]))].append(now)

        def on_raw_update(packet: bytes) -> None:
            # Only the group and period are needed, which the portal puts first: decoding the
            # whole event would cost the cores the portal runs on more than its sending it.
            now = time.monotonic()
            head = _UPDATE_HEAD.match(packet)
            if head is None:
                on_update(json.loads(packet)[1], now)
            elif head[2].decode() == self.period:
                self.updates[(index, int(head[1]))].append(now)

        client.on("kpi:own", on_own)
        if isinstance(client, LeanClient):
            client.on("kpi:update", on_raw_update, raw=True)
        else:
            client.on("kpi:update", on_update)

    def received(self, _: None) -> int:
        return len(self.own) + sum(len(times) for times in self.updates.values())

    def reset(self, _: None) -> int:
        """Forget what arrived so far (the warm-up's events); answers the clients connected now."""
        self.own.clear()
        self.updates.clear()
        return self.connected()

    def results(self, _: None) -> dict[str, Any]:
        return {"own": self.own, "updates": dict(self.updates), "drops": self.drops, "connected": self.connected()}


class ChatMembers(ClientProcess):
    """Members with the chat open: note when each `chat:message` of the room arrives."""

    def __init__(self, url: str, room: int) -> None:
        super().__init__(url)
        self.room = room
        self.messages: dict[int, list[float]] = defaultdict(list)  # message id -> receipt times

    def listen(self, client: socketio.AsyncClient | LeanClient, index: int) -> None:
        def on_message(data: dict[str, Any]) -> None:
            now = time.monotonic()
            if data.get("room") == self.room:
                self.messages[int(data["id"])].append(now)

        client.on("chat:message", on_message)

    def received(self, _: None) -> int:
        return sum(len(times) for times in self.messages.values())

    def reset(self, _: None) -> int:
        self.messages.clear()
        return self.connected()

    def results(self, _: None) -> dict[str, Any]:
        return {"messages": dict(self.messages), "drops": self.drops, "connected": self.connected()}
