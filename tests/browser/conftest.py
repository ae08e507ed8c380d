"""Real Chromium (Debian's /usr/bin/chromium) driven by Playwright for Python."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, async_playwright

from tests.support.hangs import bounded
from tests.support.services import unavailable

CHROMIUM = Path("/usr/bin/chromium")
HAVE_CHROMIUM = CHROMIUM.exists()
# Without these, Chromium keeps dialling Google's services, which this closed network refuses.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not HAVE_CHROMIUM:
        unavailable("Chromium: /usr/bin/chromium fehlt (apt-get install chromium), daher")
    playwright = await async_playwright().start()
    try:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        try:
            yield chromium
        finally:
            await bounded(chromium.close(), 30, "closing Chromium")
    finally:
        await bounded(playwright.stop(), 30, "stopping Playwright")
