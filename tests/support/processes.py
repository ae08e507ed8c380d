"""The portal as operators run it: `portal serve` in its own process (and its workers), on a free port."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx

START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting for its parent to collect it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _is_worker(pid: int) -> bool:
    """A spawned worker, not multiprocessing's resource tracker."""
    return b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()


@dataclass
class PortalProcess:
    url: str
    process: asyncio.subprocess.Process
    log: Path

    def worker_pids(self) -> list[int]:
        """The worker processes of `portal serve --workers N` (children of the supervisor)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children if _alive(int(pid)) and _is_worker(int(pid))]

    def busiest_worker(self) -> int:
        """The worker holding the most open sockets (the kernel may give one worker most connections)."""

        def sockets(pid: int) -> int:
            count = 0
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with suppress(FileNotFoundError):  # closed since the listing: not counted
                    count += os.readlink(fd).startswith("socket:")
            return count

        return max(self.worker_pids(), key=sockets)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def portal_env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_VAR_DIR": str(var_dir),
        "PORTAL_SECRET_KEY": "test-secret-key-" + "x" * 32,
        **extra,
    }


async def run_cli(env: dict[str, str], *args: str, expect_failure: bool = False) -> str:
    """`portal ARGS` to its end; its output. Fails the test unless it ends as expected (0, or 2 for refusals)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    expected = 2 if expect_failure else 0
    assert process.returncode == expected, f"portal {' '.join(args)} -> {process.returncode}:\n{text}"
    return text


@asynccontextmanager
async def serving_process(env: dict[str, str], *, workers: int = 1) -> AsyncIterator[PortalProcess]:
    port = free_port()
    log = Path(env["PORTAL_VAR_DIR"]) / f"serve-{port}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "app.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            env=env,
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
    portal = PortalProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        await _wait_until_healthy(portal, workers)
        yield portal
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                process.kill()
                await process.wait()


async def _wait_until_healthy(portal: PortalProcess, workers: int) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_SECONDS
    async with httpx.AsyncClient(base_url=portal.url, timeout=2) as client:
        while loop.time() < deadline:
            if portal.process.returncode is not None:
                raise AssertionError(f"portal serve ended with {portal.process.returncode}:\n{portal.output()}")
            try:
                healthy = (await client.get("/healthz")).status_code == 200
                if healthy and portal.output().count("Application startup complete") >= workers:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"portal serve did not become healthy:\n{portal.output()}")
