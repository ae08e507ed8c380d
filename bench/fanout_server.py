"""The Socket.IO server of bench/fanout_cost.py for one variant, started by it as a subprocess
under the variant's Python interpreter:

    python bench/fanout_server.py OPTIONS_JSON PORT REDIS_URL

It prints one JSON line (what it runs on) once it serves; see fanout_cost.py for the variants.
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PAYLOAD = {
    "group": 17,
    "period": "2025-06",
    "kpis": {f"kpi_{i:02d}": {"value": 12345.678 + i, "delta": -0.0123 * i, "rank": i} for i in range(20)},
}


def serve(options: dict[str, str], port: int, redis_url: str) -> None:
    import socketio
    import uvicorn

    sys.path.insert(0, str(HERE))
    import fanout_manager

    if options["poll"] == "1":
        fanout_manager.patch_engineio_poll()
    if options["gc"] == "off":
        gc.disable()
    gc_runs: list[float] = []  # seconds of each full (generation 2) collection

    def gc_callback(phase: str, info: dict[str, Any]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                gc_runs.append(-time.perf_counter())
            else:
                gc_runs[-1] += time.perf_counter()

    gc.callbacks.append(gc_callback)
    manager: Any = None
    if options["mgr"] == "fast":
        manager = fanout_manager.FastEmitManager()
    elif options["mgr"] == "redis":
        manager = socketio.AsyncRedisManager(redis_url, channel=f"fanout-{port}")
    elif options["mgr"] == "redis-fast":

        class FastRedis(socketio.AsyncRedisManager, fanout_manager.FastRoomEmit):  # type: ignore[misc]
            pass

        manager = FastRedis(redis_url, channel=f"fanout-{port}")
    elif options["mgr"] == "redis-direct":

        class DirectRedis(socketio.AsyncRedisManager, fanout_manager.DirectRoomEmit):  # type: ignore[misc]
            pass

        manager = DirectRedis(redis_url, channel=f"fanout-{port}")
    elif options["mgr"] == "direct":
        manager = fanout_manager.DirectEmitManager()
    sio = socketio.AsyncServer(async_mode="asgi", client_manager=manager, logger=False, engineio_logger=False)
    if options["mgr"] in ("direct", "redis-direct"):
        fanout_manager.enable_direct_writes(sio)

    @sio.on("join")
    async def join(sid: str, room: str) -> bool:
        await sio.enter_room(sid, room)
        return True

    @sio.on("blast")
    async def blast(sid: str, seq: int) -> list[float]:
        payload = {**PAYLOAD, "seq": seq}
        started = time.monotonic()
        await sio.emit("update", payload, room="room")
        return [started, time.monotonic()]

    @sio.on("gc_stats")
    async def gc_stats(sid: str, _: Any) -> list[float]:
        return [len(gc_runs), sum(gc_runs) * 1000, len(gc.get_objects())]

    @sio.on("members")
    async def members(sid: str, room: str) -> int:
        return len(list(sio.manager.get_participants("/", room)))

    app = socketio.ASGIApp(sio)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        if options["eager"] == "1":
            loop.set_task_factory(asyncio.eager_task_factory)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            ws=options["ws"],
            ws_per_message_deflate=False,  # as the portal's `portal serve`
            log_level="warning",
            lifespan="off",
        )
        config.load()
        info = {
            "python": sys.version.split()[0],
            "loop": type(loop).__module__ + "." + type(loop).__name__,
            "ws_protocol": config.ws_protocol_class.__module__ + "." + config.ws_protocol_class.__name__,
            "task_factory": getattr(loop.get_task_factory(), "__name__", None),
            "manager": type(sio.manager).__name__,
            "poll": fanout_manager.__name__ if options["poll"] == "1" else "engineio",
        }
        print(json.dumps(info), flush=True)
        await uvicorn.Server(config).serve()

    if options["loop"] == "uvloop":
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    else:
        runner = asyncio.Runner()
    with runner:
        runner.run(main())


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
