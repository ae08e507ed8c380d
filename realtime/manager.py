"""The Redis client manager between workers, made to survive Redis going away (PITFALLS 10).

python-socketio's manager delivers an emit to this worker's own sockets and publishes it
for the others; while Redis is down the publish is lost, and the listener retries on its
own. On top of that this manager

- publishes before it delivers to its own sockets (python-socketio does it the other way
  round): the other workers begin their fan-out of a release to 1,000 dashboards while this
  one does its own, not 20-30 ms after (bench/README.md); while Redis is known to be away,
  its own sockets first,
- knows whether its listener is subscribed (for `/healthz`),
- tells its own sockets `portal:resync` once it is subscribed again after a loss, and
  publishes `portal:resync` to every worker once a publish goes through again after
  one was lost, so clients re-fetch what they missed: everything is stored before it
  is emitted, so a re-fetch finds it;
- ends a user's sockets on every worker (`disconnect_room`), e.g. at sign-out.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import socketio
from redis.asyncio import Connection, ConnectionPool
from redis.asyncio.client import PubSub

from realtime.fanout import FastRoomEmit

RESYNC = "portal:resync"
_DISCONNECT_ROOM = "portal-disconnect-room"
_OWN_MESSAGE = b'{"method": "' + _DISCONNECT_ROOM.encode() + b'"'
RETRY_SECONDS = (0.5, 1, 2, 4, 5)
STATUS_TIMEOUT_SECONDS = 2.0

log = logging.getLogger("portal.realtime")

# An emit's delivery to this worker's sockets, held back in `emit` until it is published.
_HELD: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar("held_emit", default=None)


class _PubSub(PubSub):
    """redis-py reconnects a subscription by itself when Redis is back within its retries;
    the messages in between are lost all the same, so the clients must hear of it."""

    def __init__(self, pool: ConnectionPool, on_reconnect: Callable[[], Awaitable[None]]) -> None:
        super().__init__(pool, ignore_subscribe_messages=True)
        self._on_reconnect, self._connected_before = on_reconnect, False

    async def on_connect(self, connection: Connection) -> None:
        await super().on_connect(connection)
        if self._connected_before:
            await self._on_reconnect()
        self._connected_before = True


class ResilientRedisManager(socketio.AsyncRedisManager, FastRoomEmit):  # type: ignore[misc]
    connected: bool

    def __init__(self, url: str, channel: str, *, write_only: bool = False) -> None:
        # No read timeout: the listener waits on its connection for as long as nothing is published.
        super().__init__(url, channel=channel, write_only=write_only, redis_options={"socket_connect_timeout": 1})
        self.subscribed = False
        self._published_lost = False

    async def emit(self, *args: Any, **kwargs: Any) -> None:
        if not self.connected or kwargs.get("ignore_queue"):
            await super().emit(*args, **kwargs)
            return
        held: list[dict[str, Any]] = []
        token = _HELD.set(held)
        try:
            await super().emit(*args, **kwargs)  # _handle_emit (held back here), then _publish
        finally:
            _HELD.reset(token)
            for message in held:  # published (or lost): now this worker's own sockets
                await super()._handle_emit(message)

    async def _handle_emit(self, message: dict[str, Any]) -> None:
        held = _HELD.get()
        if held is not None:
            held.append(message)
        else:
            await super()._handle_emit(message)

    async def _publish(self, data: Any) -> None:
        for attempt in range(2):
            try:
                if not self.connected:
                    self._redis_connect()
                if self._published_lost:
                    await self.redis.publish(self.channel, self.json.dumps(self._resync_message()))
                    self._published_lost = False
                await self.redis.publish(self.channel, self.json.dumps(data))
                return
            except Exception as exc:  # any failure of Redis means: lost, tell later
                self.connected = False
                if attempt == 1:
                    self._published_lost = True
                    log.warning("Redis nicht erreichbar, Ereignis nur an diesen Worker zugestellt: %s", exc)

    def _redis_connect(self) -> None:
        super()._redis_connect()
        self.pubsub = _PubSub(self.redis.connection_pool, on_reconnect=self._resync_own_clients)

    async def _resync_own_clients(self) -> None:
        log.warning("Redis wieder erreichbar, Clients dieses Workers laden neu")
        await self.emit(RESYNC, {}, namespace="/", ignore_queue=True)

    async def _redis_listen_with_retries(self) -> AsyncIterator[Any]:
        lost = False
        retry = 0
        while True:
            try:
                if not self.subscribed:
                    self._redis_connect()
                    await self.pubsub.subscribe(self.channel)
                    self.subscribed, retry = True, 0
                    if lost:
                        await self._resync_own_clients()
                async for message in self.pubsub.listen():
                    yield message
            except Exception as exc:  # reconnect whatever went wrong
                if self.subscribed:
                    log.warning("Verbindung zu Redis verloren, neuer Versuch: %s", exc)
                self.subscribed, lost = False, True
                await asyncio.sleep(RETRY_SECONDS[min(retry, len(RETRY_SECONDS) - 1)])
                retry += 1

    async def _listen(self) -> AsyncIterator[Any]:
        async for data in super()._listen():
            if data.startswith(_OWN_MESSAGE):
                message = self.json.loads(data)
                if message.get("host_id") != self.host_id:
                    await self._disconnect_local(message["namespace"], message["room"])
                continue
            yield data

    async def status(self) -> dict[str, Any]:
        """For `/healthz`: Redis answers, this worker listens, and how many listeners the channel has."""
        if self.redis is None:
            return {"ok": False, "subscribed": False, "error": "noch keine Verbindung"}
        started = time.perf_counter()
        try:
            async with asyncio.timeout(STATUS_TIMEOUT_SECONDS):
                await self.redis.ping()
                subscribers = dict(await self.redis.pubsub_numsub(self.channel))
        except Exception as exc:  # whatever it is, Redis cannot carry events: say what
            return {"ok": False, "subscribed": self.subscribed, "error": f"{type(exc).__name__}: {exc}"[:300]}
        return {
            "ok": True,
            "ms": round((time.perf_counter() - started) * 1000, 1),
            "subscribed": self.subscribed,
            "workers_subscribed": subscribers.get(self.channel.encode(), 0),
        }

    async def disconnect_room(self, room: str, namespace: str = "/") -> None:
        """End every socket in `room`, on this worker and on every other."""
        if not self.write_only:
            await self._disconnect_local(namespace, room)
        await self._publish({"method": _DISCONNECT_ROOM, "namespace": namespace, "room": room, "host_id": self.host_id})

    async def _disconnect_local(self, namespace: str, room: str) -> None:
        for sid, _eio_sid in list(self.get_participants(namespace, room)):
            await self.server.disconnect(sid, namespace=namespace, ignore_queue=True)

    def _resync_message(self) -> dict[str, Any]:
        return {
            "method": "emit",
            "event": RESYNC,
            "data": [{}],
            "binary": False,
            "namespace": "/",
            "room": None,
            "skip_sid": None,
            "callback": None,
            "host_id": self.host_id,
        }
