"""A real portal on a real port, served by uvicorn inside the test's event loop (PITFALLS 9) or on a thread."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import uvicorn

from tests.support.hangs import bounded

# A test's server stops within this even where a browser left a socket open (it hung twice in a
# teardown, waiting for a Chromium page's websocket).
SHUTDOWN_S = 5


def _server(app: Any) -> uvicorn.Server:
    return uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=0,
            lifespan="on",
            log_level="warning",
            ws_per_message_deflate=False,
            timeout_graceful_shutdown=SHUTDOWN_S,
        )
    )


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    server = _server(app)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("server did not start")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        # Past the graceful limit uvicorn cancels the connections; the app's own stop then follows.
        await bounded(task, SHUTDOWN_S + 25, "stopping the test portal")


@contextmanager
def serving_in_thread(app: Any) -> Iterator[str]:
    """The same server on a thread and event loop of its own, for synchronous clients (schemathesis)
    that would otherwise block the loop the server runs in."""
    server = _server(app)
    thread = threading.Thread(target=server.run, name="portal", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
