"""The drop folder: the supplier's systems put their exports into `<drop>/<kind>/`, and a scheduled
job imports each new file exactly once, whichever of the portal's workers finds it first.

The claim is a unique row (kind, file name, SHA-256) inserted in the same transaction as the
import: a second worker's insert waits for the first and then fails, a worker dying mid-import
leaves no claim behind (the file is imported after the restart), and a file already imported
is not imported again unless its content changed. A processed file moves to `erledigt/` or,
refused, to `abgelehnt/` beside a `.txt` report.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.db import Database
from app.imports.reading import Cell, UnreadableFile
from app.models import DropFile
from app.supplier.records import KINDS, Problem
from app.supplier.service import Origin, RunResult, run_import

log = logging.getLogger(__name__)
SUFFIXES = {".csv", ".txt", ".xlsx"}
DONE, REFUSED = "erledigt", "abgelehnt"

ReadTable = Callable[[str, bytes], Awaitable[list[list[Cell]]]]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:80]


async def scan_once(db: Database, folder: Path, read_table: ReadTable) -> list[RunResult]:
    """Import every new file of the drop folder this worker manages to claim."""
    results = []
    for kind, path in await asyncio.to_thread(_waiting, folder):
        result = await _take(db, kind, path, read_table)
        if result is not None:
            results.append(result)
    return results


def _waiting(folder: Path) -> list[tuple[str, Path]]:
    found = []
    for kind in KINDS:
        inbox = folder / kind
        inbox.mkdir(parents=True, exist_ok=True)
        found += [(kind, p) for p in sorted(inbox.iterdir()) if p.is_file() and p.suffix.lower() in SUFFIXES]
    return found


async def _take(db: Database, kind: str, path: Path, read_table: ReadTable) -> RunResult | None:
    try:
        content = await asyncio.to_thread(path.read_bytes)
    except FileNotFoundError:  # another worker moved it meanwhile
        return None
    digest = hashlib.sha256(content).hexdigest()
    try:
        table = await read_table(path.name, content)
        problem = None
    except UnreadableFile as exc:
        table, problem = [], str(exc)
    try:
        async with db.transaction() as session:
            claim = DropFile(kind=kind, file_name=path.name[:255], sha256=digest, claimed_by=worker_name())
            session.add(claim)
            await session.flush()  # waits for a worker holding the same claim, then fails
            origin = Origin("drop", path.name, digest)
            result = await run_import(session, kind, table, origin, dry_run=False)
            if problem:
                result.errors.insert(0, Problem(1, "Datei", problem))
            claim.run_id = result.run_id
    except IntegrityError:
        await _dropped_again(db, kind, path, digest)  # or being taken by another worker right now
        return None
    await asyncio.to_thread(_file_away, path, result, problem)
    log.info("drop folder: %s %s, %d changes, %d errors", kind, path.name, result.changes, len(result.errors))
    return result


async def _dropped_again(db: Database, kind: str, path: Path, digest: str) -> None:
    """A file imported before and put there again (written after its claim, so not the file another
    worker is importing right now) is moved to `erledigt/` with a note."""
    async with db.read() as session:
        claim = await session.scalar(
            select(DropFile).where(
                DropFile.kind == kind, DropFile.file_name == path.name[:255], DropFile.sha256 == digest
            )
        )
    try:
        written = datetime.fromtimestamp((await asyncio.to_thread(path.stat)).st_mtime, UTC)
    except FileNotFoundError:
        return
    if claim is None or claim.run_id is None or written <= claim.claimed_at:
        return
    note = f"Schon am {claim.claimed_at:%d.%m.%Y %H:%M} UTC importiert (Lauf {claim.run_id}); nicht noch einmal.\n"
    await asyncio.to_thread(_move, path, DONE, note)


def _move(path: Path, folder: str, note: str | None) -> None:
    target = path.parent / folder
    target.mkdir(exist_ok=True)
    try:
        path.replace(target / path.name)
    except FileNotFoundError:
        return
    if note:
        (target / f"{path.name}.txt").write_text(note)


def _file_away(path: Path, result: RunResult, problem: str | None) -> None:
    if result.errors or problem:
        report = [f"Zeile {e.row}, {e.column}: {e.message}" for e in result.errors]
        _move(path, REFUSED, "Nichts wurde importiert.\n" + "\n".join(report) + "\n")
    else:
        _move(path, DONE, None)


def drop_folder_job(db: Database, folder: Path, read_table: ReadTable) -> Callable[[], Awaitable[object]]:
    """The scheduled job (app.scheduling): one look at the drop folder."""

    async def job() -> list[RunResult]:
        return await scan_once(db, folder, read_table)

    return job
