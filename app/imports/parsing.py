"""Uploads are parsed in a worker process with a memory cap, away from the event loop (issue 24):
spreadsheets are read, and documents searched for their text (app.files.text).

A hostile spreadsheet can hold a gigabyte in a megabyte (a zip bomb: one string of
1 GB in the shared strings). Its archive is checked first (app.imports.reading), but a
parser is still a large attack surface, and parsing 100,000 rows takes seconds: in the
serving process both stalled every other request, `/healthz` included. Here the parser
runs in one separate process whose address space is capped; a file it cannot read
within the cap and the time limit gets a clear German error, and the process is
replaced. What it returns are plain rows, kept for the confirm step (app.imports.routes).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TypeVar

from app.imports.reading import Cell, UnreadableFile, read_table

MEMORY_BYTES = 512 * 1024 * 1024  # more than the worker holds once started
SECONDS = 20.0
T = TypeVar("T")


def _cap_memory(budget: int) -> None:
    """Cap the address space at what the started worker maps plus `budget`: what it maps at start
    (libraries, thread stacks) differs from machine to machine, what a parse may take does not."""
    mapped = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            mapped = int(line.split()[1]) * 1024
    limit = mapped + budget
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _parse(filename: str, content: bytes) -> list[list[Cell]] | str:
    """In the worker: the rows, or the German reason they could not be read."""
    try:
        return read_table(filename, content)
    except UnreadableFile as exc:
        return str(exc)
    except MemoryError:
        return "Die Datei braucht beim Lesen zu viel Speicher; bitte in kleineren Teilen hochladen."


class Parser:
    """One worker process, started at the first upload and replaced when it fails."""

    def __init__(self, memory_bytes: int = MEMORY_BYTES, seconds: float = SECONDS) -> None:
        self._memory, self._seconds = memory_bytes, seconds
        self._pool: ProcessPoolExecutor | None = None
        self._lock = asyncio.Lock()

    def _started(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),  # no copy of the server's state
                initializer=_cap_memory,
                initargs=(self._memory,),
            )
        return self._pool

    async def table(self, filename: str, content: bytes) -> list[list[Cell]]:
        found = await self.run(_parse, filename, content)
        if isinstance(found, str):
            raise UnreadableFile(found)
        return found

    async def run(self, reader: Callable[[str, bytes], T], filename: str, content: bytes) -> T:
        """`reader(filename, content)` in the worker (a module-level function, so it can be sent there)."""
        async with self._lock:  # one upload at a time: the cap holds for all of them together
            pool = self._started()
            loop = asyncio.get_running_loop()
            try:
                return await asyncio.wait_for(loop.run_in_executor(pool, reader, filename, content), self._seconds)
            except TimeoutError:
                self._replace()
                seconds = f"{self._seconds:.0f}"
                raise UnreadableFile(
                    f"Die Datei ließ sich nicht in {seconds} Sekunden lesen; bitte in kleineren Teilen hochladen."
                ) from None
            except BrokenProcessPool:
                self._replace()
                raise UnreadableFile("Die Datei ließ sich nicht lesen; bitte prüfen und erneut hochladen.") from None

    def _replace(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._replace()
