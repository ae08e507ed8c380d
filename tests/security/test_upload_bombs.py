"""Hostile uploads: a zip bomb gets a clear German refusal at once, and the portal keeps answering."""

from __future__ import annotations

import asyncio
import io
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from openpyxl import Workbook

from tests.support.personas import SignIn, csrf_field
from tests.support.processes import portal_env, serving_process

GIGABYTE = 1 << 30


def _bomb(path: Path, level: int) -> Path:
    """A real workbook whose shared strings hold one string of 1 GB 'a', packed at `level`."""
    if path.exists():
        return path
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "x"
    plain = io.BytesIO()
    book.save(plain)
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for member in source.infolist():
            if member.filename != "xl/sharedStrings.xml":
                out.writestr(member, source.read(member))
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1"><si><t>')
            chunk = b"a" * (1 << 20)
            for _ in range(GIGABYTE // len(chunk)):
                strings.write(chunk)
            strings.write(b"</t></si></sst>")
    return path


@pytest.fixture(scope="session")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    return {"1 GB string, 1 MB": _bomb(folder / "string.xlsx", 9), "5 MB": _bomb(folder / "five.xlsx", 1)}


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def test_zip_bombs_are_refused_at_once_while_the_portal_keeps_answering(
    bombs: dict[str, Path], demo_sqlite: str, tmp_path: Path, sign_in: SignIn
) -> None:
    assert bombs["1 GB string, 1 MB"].stat().st_size < 2 * 1024 * 1024
    assert bombs["5 MB"].stat().st_size < 5 * 1024 * 1024
    env = portal_env(tmp_path / "var", demo_sqlite)
    async with serving_process(env) as portal, httpx.AsyncClient(base_url=portal.url, timeout=60) as browser:
        await sign_in(browser, "bh1001")
        before = _rss_mb(portal.process.pid)
        for name, path in bombs.items():
            page = await browser.get("/import")
            slowest = 0.0
            done = asyncio.Event()

            async def watch(done: asyncio.Event = done) -> None:
                nonlocal slowest
                async with httpx.AsyncClient(base_url=portal.url) as monitor:
                    while not done.is_set():
                        start = time.monotonic()
                        assert (await monitor.get("/healthz")).status_code == 200
                        slowest = max(slowest, time.monotonic() - start)
                        await asyncio.sleep(0.05)

            watcher = asyncio.create_task(watch())
            start = time.monotonic()
            answer = await browser.post(
                "/import/pruefen",
                data={"_csrf_token": csrf_field(page.text), "art": "zahlen"},
                files={"datei": (path.name, path.read_bytes(), "application/octet-stream")},
            )
            took = time.monotonic() - start
            done.set()
            await watcher
            assert answer.status_code == 400, (name, answer.status_code)
            assert "entpackt sich auf" in answer.text or "Zip-Bombe" in answer.text, name
            assert took < 2.0, (name, took)
            assert slowest < 0.1, (name, slowest)
        grown = _rss_mb(portal.process.pid) - before
    assert grown < 200, grown


async def test_a_cell_longer_than_a_thousand_characters_is_refused_with_its_place(
    portal: str, demo_sqlite: str, sign_in: SignIn
) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["B2"] = "Partnernummer", "x" * 5_000
    content = io.BytesIO()
    book.save(content)
    async with httpx.AsyncClient(base_url=portal, timeout=60) as browser:
        await sign_in(browser, "bh1001")
        page = await browser.get("/import")
        answer = await browser.post(
            "/import/pruefen",
            data={"_csrf_token": csrf_field(page.text), "art": "zahlen"},
            files={"datei": ("lang.xlsx", content.getvalue(), "application/octet-stream")},
        )
    assert answer.status_code == 400 and "Zeile 2, Spalte 2: mehr als 1.000 Zeichen" in answer.text
