"""Shared set-up of the benchmarks: a demo database in a temp dir, tokens, and `portal serve` as a subprocess.

Not a benchmark itself; imported by the benchmarks. The database is a SQLite file in the temp
dir unless a workspace is given another URL (PostgreSQL, see bench/load_backend.py).
"""

from __future__ import annotations

import asyncio
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.auth.tokens import create_token
from app.db import Database
from app.models import User

ROOT = Path(__file__).resolve().parent.parent
PORTAL = Path(sys.executable).with_name("portal")


def raise_open_files_limit(wanted: int = 65536) -> int:
    """Lift the soft limit of open files towards the hard one (children inherit it); returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return max(soft, target)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Workspace:
    """A temp dir with the portal's database file and `var/` (sessions, SMS outbox, secret key).

    `url` replaces the SQLite file by another database; `redis_url` makes the server use Redis.
    """

    root: Path
    url: str | None = None
    redis_url: str | None = None

    @property
    def database(self) -> Path:
        return self.root / "portal.sqlite3"

    @property
    def database_url(self) -> str:
        return self.url or f"sqlite+aiosqlite:///{self.database}"

    @property
    def var_dir(self) -> Path:
        return self.root / "var"

    @property
    def sms_outbox(self) -> Path:
        return self.var_dir / "sms-outbox.jsonl"

    def env(self, port: int) -> dict[str, str]:
        # A channel of its own, so that portals of tests on the same Redis neither hear nor disturb this one's emits.
        redis = (
            {"PORTAL_REDIS_URL": self.redis_url, "PORTAL_REDIS_CHANNEL": f"portal-bench-{self.root.name}"}
            if self.redis_url
            else {}
        )
        return {
            **os.environ,
            **redis,
            "PORTAL_DATABASE_URL": self.database_url,
            "PORTAL_VAR_DIR": str(self.var_dir),
            "PORTAL_HOST": "127.0.0.1",
            "PORTAL_PORT": str(port),
            "PORTAL_SMS_BACKEND": "outbox",
            # Every request of a benchmark comes from 127.0.0.1; the default 1,200/min would throttle it.
            "PORTAL_REQUEST_RATE_PER_MINUTE": "1000000",
        }


@contextmanager
def workspace(keep: bool = False) -> Iterator[Workspace]:
    root = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    try:
        yield Workspace(root)
    finally:
        if keep:
            print(f"(workspace kept: {root})")
        else:
            shutil.rmtree(root, ignore_errors=True)


def run_portal(ws: Workspace, *args: str) -> str:
    done = subprocess.run([str(PORTAL), *args], cwd=ws.root, env=ws.env(0), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"portal {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_demo(ws: Workspace, partners: int, months: int, cache: Path | None) -> float:
    """`portal demo-data` into the workspace, or a copy of `cache` (built there first if missing); seconds taken."""
    start = time.monotonic()
    if cache is not None and cache.exists():
        shutil.copyfile(cache, ws.database)
        run_portal(ws, "db", "upgrade")  # the cache may predate a migration
    else:
        run_portal(ws, "demo-data", "--partners", str(partners), "--months", str(months))
        if cache is not None:
            cache.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ws.database, cache)
    return time.monotonic() - start


@contextmanager
def postgres_workspace(ws: Workspace, postgres_url: str, redis_url: str) -> Iterator[Workspace]:
    """`ws` on a fresh PostgreSQL database (and Redis), copied from a template of the 1,000-partner
    demo network built once (`portal demo-data`); dropped afterwards."""
    server = postgres_url.rsplit("/", 1)[0]
    admin = server + "/postgres"
    template, name = "portal_bench_cache_demo_1000", f"portal_load_{ws.root.name.replace('-', '_')}"

    async def sql(*statements: str) -> list[Any]:  # outside a transaction, as CREATE DATABASE must be
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                answers = []
                for statement in statements:
                    result = await conn.execute(text(statement))
                    answers.append(result.all() if result.returns_rows else None)
                return answers
        finally:
            await engine.dispose()

    pg = Workspace(ws.root, url=f"{server}/{name}", redis_url=redis_url)
    (exists,) = asyncio.run(sql(f"select 1 from pg_database where datname = '{template}'"))
    if exists:
        asyncio.run(sql(f'create database "{name}" template "{template}"'))
        run_portal(pg, "db", "upgrade")  # the template may predate a migration
    else:
        asyncio.run(sql(f'create database "{name}"'))
        build_demo(pg, 1000, 36, None)
        asyncio.run(sql(f'create database "{template}" template "{name}"'))
    try:
        yield pg
    finally:
        asyncio.run(sql(f'drop database if exists "{name}" with (force)'))


def create_tokens(ws: Workspace, usernames: list[str]) -> dict[str, str]:
    """Personal access tokens for these users, made in-process against the database file (one transaction)."""

    async def create() -> dict[str, str]:
        db = Database(ws.database_url)
        try:
            async with db.transaction() as session:
                users = (await session.scalars(select(User).where(User.username.in_(usernames)))).all()
                return {u.username: await create_token(session, u, "bench") for u in users}
        finally:
            await db.dispose()

    return asyncio.run(create())


@contextmanager
def serving(
    ws: Workspace, log_name: str = "server.log", startup_timeout: float = 60, workers: int = 1
) -> Iterator[str]:
    """`portal serve` on a free port of 127.0.0.1; yields its base URL and stops it (its workers too) after."""
    with serving_process(ws, log_name, startup_timeout, workers) as (url, _pid):
        yield url


@contextmanager
def serving_process(
    ws: Workspace, log_name: str = "server.log", startup_timeout: float = 60, workers: int = 1
) -> Iterator[tuple[str, int]]:
    """As `serving`, yielding the base URL and the server's process id."""
    port = free_port()
    log = (ws.root / log_name).open("w")
    server = subprocess.Popen(
        [str(PORTAL), "serve", "--workers", str(workers)],
        cwd=ws.root,
        env=ws.env(port),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server, startup_timeout)
        yield url, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its descendants so far (Linux /proc; 0 once gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(cpu_seconds(int(child)) for child in children)


def _wait_until_up(url: str, server: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"portal serve exited with {server.returncode}; see its log")
        try:
            if httpx.get(f"{url}/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"portal serve did not answer within {timeout:.0f} s")
