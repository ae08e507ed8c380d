"""A TCP proxy in front of a real PostgreSQL or Redis, so a test can take the service away and back.

`cut()` drops every open connection and refuses new ones, as a stopped server would;
`restore()` lets connections through again. The service behind it keeps its data,
as a restarted server with persistence does. `hold_answers()` keeps what the service sends
back (replies, Redis messages) until `pass_answers()`, as a slow network would: what a
client sends still reaches the service meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.engine import make_url


class Proxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._answers = asyncio.Event()
        self._answers.set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Refuse new connections and drop the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.sleep(0)  # let the pipes see their ends

    async def restore(self) -> None:
        """Accept connections again, on the same port."""
        await self.start()

    def hold_answers(self) -> None:
        self._answers.clear()

    def pass_answers(self) -> None:
        self._answers.set()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.close()
            return
        writers = (client_writer, server_writer)
        self._writers.update(writers)
        try:
            await asyncio.gather(
                _pipe(client_reader, server_writer), _pipe(server_reader, client_writer, self._answers)
            )
        finally:
            for writer in writers:
                writer.transport.abort()
                self._writers.discard(writer)


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, open_: asyncio.Event | None = None) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while data := await reader.read(65536):
            if open_ is not None:
                await open_.wait()
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(ConnectionError, OSError, RuntimeError):
        writer.write_eof()


@asynccontextmanager
async def proxied(url: str) -> AsyncIterator[tuple[Proxy, str]]:
    """A proxy in front of the service of `url`, and the same URL pointing through the proxy."""
    parsed = make_url(url)
    proxy = Proxy(parsed.host or "127.0.0.1", parsed.port or (6379 if parsed.drivername == "redis" else 5432))
    await proxy.start()
    try:
        yield proxy, parsed.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    finally:
        await proxy.cut()
