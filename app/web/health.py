"""`/healthz`: what a load balancer and an operator need to know about this worker.

200 while the worker can serve (`ok`, or `degraded` while Redis is away: pages and
figures still work, live updates reach only this worker's sockets); 503 when the
database does not answer.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from sqlalchemy import text

from app.db import Database
from app.migrate import head_revisions

TIMEOUT_SECONDS = 2.0
HEADS = head_revisions()


async def _database(db: Database) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS), db.read() as session:
            revisions = set((await session.scalars(text("SELECT version_num FROM alembic_version"))).all())
    except Exception as exc:  # whatever it is, the database cannot serve: say what
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "ok": True,
        "ms": round((time.perf_counter() - started) * 1000, 1),
        "schema": ",".join(sorted(revisions)),
        "schema_current": revisions == HEADS,
    }


@get("/healthz", include_in_schema=False, cache=False)
async def healthz(request: Request[Any, Any, State]) -> Response[dict[str, Any]]:
    state = request.app.state
    report: dict[str, Any] = {"worker": os.getpid(), "database": await _database(state.db)}
    if state.settings.redis_url:
        report["redis"] = await state.sio.manager.status()
    if not report["database"]["ok"]:
        report["status"] = "down"
    elif "redis" in report and not (report["redis"]["ok"] and report["redis"]["subscribed"]):
        report["status"] = "degraded"
    else:
        report["status"] = "ok"
    return Response(report, status_code=503 if report["status"] == "down" else 200)


ROUTES = [healthz]
