"""A lean Socket.IO client for the load benchmarks: the protocol over a bare asyncio connection.

A python-socketio `AsyncClient` costs ~80-120 µs of CPU per event received (engineio's reader
and a task per event, then socketio's dispatch); 1,200 of them take 0.4-0.6 of the 2 cores
that the server, PostgreSQL and Redis share in `bench/load.py`. Browsers run on the partners'
machines, not on the server's, so that CPU belongs to the measurement, not to the portal.
This client speaks the same protocol (Engine.IO 4 over a websocket, Socket.IO 5 packets,
`auth` in the CONNECT packet, pongs to the server's pings) with its own websocket framing,
and decodes only the events someone listens to, and of those registered `raw` not even
their JSON: a few µs per event.

What it leaves out: long-polling (the load runs websocket-only anyway), binary packets, acks,
namespaces other than "/", reconnection (a dropped connection is counted by the
"disconnect" handler and stays down; the load's runs report drops), permessage-deflate.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
from collections.abc import Callable
from typing import Any, cast
from urllib.parse import urlsplit

Handler = Callable[..., Any]


def upgrade_request(host: str) -> bytes:
    """The HTTP request that opens an Engine.IO websocket (no cookies, no Origin: token clients)."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {host}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def take_frames(buffer: bytearray) -> list[tuple[int, bytes]]:
    """The complete websocket frames (opcode, payload) at the start of `buffer`, removed from it
    (a server's frames: unmasked, unfragmented)."""
    frames = []
    start = 0
    while len(buffer) - start >= 2:
        opcode, length, at = buffer[start] & 0x0F, buffer[start + 1] & 0x7F, start + 2
        if length == 126:
            if len(buffer) - start < 4:
                break
            length, at = int.from_bytes(buffer[start + 2 : start + 4], "big"), start + 4
        elif length == 127:
            if len(buffer) - start < 10:
                break
            length, at = int.from_bytes(buffer[start + 2 : start + 10], "big"), start + 10
        if len(buffer) < at + length:
            break
        frames.append((opcode, bytes(buffer[at : at + length])))
        start = at + length
    del buffer[:start]
    return frames


def frame(opcode: int, payload: bytes) -> bytes:
    """A masked client frame (RFC 6455 5.3: a client masks everything it sends)."""
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 1 << 16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
    return head + mask + bytes(b ^ mask[i & 3] for i, b in enumerate(payload))  # short packets only


class LeanClient(asyncio.Protocol):
    """One Socket.IO connection. `on(event, handler)` with plain functions; `await connect(url, auth=...)`."""

    def __init__(self) -> None:
        self.handlers: dict[bytes, Handler] = {}
        self.raw: set[bytes] = set()  # events whose handlers take the packet's undecoded JSON
        self.connected = False
        self._buffer = bytearray()
        self._upgraded = False
        self._transport: asyncio.Transport | None = None
        self._joined: asyncio.Future[None] | None = None
        self._auth = b""
        self._host = ""

    def on(self, event: str, handler: Handler, raw: bool = False) -> None:
        """`raw`: `handler` gets the event's JSON array as bytes, undecoded (decoding a 6 KB
        `kpi:update` costs ~80 µs, several times all the rest of taking it in)."""
        self.handlers[event.encode()] = handler
        if raw:
            self.raw.add(event.encode())

    async def connect(self, url: str, auth: dict[str, Any], wait_timeout: float = 60, **_: Any) -> None:
        """Open the websocket and join the default namespace with `auth`; raises ConnectionError if refused."""
        parts = urlsplit(url)
        self._host, self._auth = parts.netloc, json.dumps(auth).encode()
        loop = asyncio.get_running_loop()
        self._joined = loop.create_future()
        await loop.create_connection(lambda: self, parts.hostname, parts.port or 80)
        try:
            await asyncio.wait_for(self._joined, wait_timeout)
        except BaseException:
            self._close()
            raise

    async def disconnect(self) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._send(b"41")  # Socket.IO DISCONNECT: the server ends the session at once
            self._transport.write(frame(0x8, b"\x03\xe8"))
        self._close()

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's is no subclass of asyncio's
        self._transport.write(upgrade_request(self._host))

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        if not self._upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            if b" 101 " not in buffer[:end]:
                self._fail(bytes(buffer[:end]).decode(errors="replace"))
                return
            del buffer[: end + 4]
            self._upgraded = True
        for opcode, payload in take_frames(buffer):
            if opcode == 0x1:
                self._on_text(payload)
            elif opcode == 0x9:  # a websocket ping of the server
                self._write(frame(0xA, payload))
            elif opcode == 0x8:
                self._close()
                return

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail("connection closed")
        self._gone()

    # ------------------------------------------------------------------ Engine.IO / Socket.IO packets

    def _on_text(self, payload: bytes) -> None:
        if payload.startswith(b"42["):  # MESSAGE + EVENT on "/"
            name = payload[4 : payload.index(b'"', 4)]
            handler = self.handlers.get(name)
            if handler is None:
                return
            if name in self.raw:
                handler(payload[2:])
            else:
                handler(*json.loads(payload[2:])[1:])
        elif payload == b"2":  # Engine.IO PING: answer, or the server closes the connection
            self._send(b"3")
        elif payload.startswith(b"0{"):  # Engine.IO OPEN: join the namespace
            self._send(b"40" + self._auth)
        elif payload.startswith(b"40"):  # Socket.IO CONNECT accepted
            self.connected = True
            if self._joined is not None and not self._joined.done():
                self._joined.set_result(None)
        elif payload.startswith(b"44"):  # CONNECT_ERROR
            self._fail(payload[2:].decode(errors="replace"))
            self._close()
        elif payload.startswith(b"41") or payload == b"1":  # the server ends the session
            self._close()

    def _send(self, packet: bytes) -> None:
        self._write(frame(0x1, packet))

    def _write(self, data: bytes) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(data)

    def _fail(self, why: str) -> None:
        if self._joined is not None and not self._joined.done():
            self._joined.set_exception(ConnectionError(why))

    def _close(self) -> None:
        if self._transport is not None:
            self._transport.close()
        self._gone()

    def _gone(self) -> None:
        if self.connected:
            self.connected = False
            handler = self.handlers.get(b"disconnect")
            if handler is not None:
                handler()
