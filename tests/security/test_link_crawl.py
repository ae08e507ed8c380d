"""A crawl as every demo user: no link the portal shows its reader answers 403, 404 or an error.

Pages are followed breadth-first from the start page; links that differ only in their numbers
(one partner file or another) are followed for a few instances of each pattern.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import httpx
import pytest

from tests.support.personas import EVERYONE, SignIn

HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]*)(?:#[^"]*)?"')
SKIP = ("/logout", "/static/", "/schema")
PER_PATTERN = 3
MAX_PAGES = 250


def _pattern(url: str) -> str:
    return re.sub(r"\d+", "N", urlsplit(url).path)


async def crawl(client: httpx.AsyncClient) -> tuple[list[str], int]:
    """Every link reached from "/" that answers 403, 404 or 5xx, with the page that showed it."""
    seen: set[str] = {"/"}
    patterns: Counter[str] = Counter()
    queue: deque[tuple[str, str]] = deque([("/", "-")])
    broken, visited = [], 0
    while queue and visited < MAX_PAGES:
        url, source = queue.popleft()
        answer = await client.get(url)
        visited += 1
        if answer.status_code in (403, 404) or answer.status_code >= 500:
            broken.append(f"{url} -> {answer.status_code} (linked from {source})")
            continue
        if "text/html" not in answer.headers.get("content-type", ""):
            continue
        for href in HREF.findall(answer.text):
            target = urljoin(url, unescape(href))
            parts = urlsplit(target)
            if parts.scheme not in ("", "http") or (
                parts.netloc and parts.netloc != urlsplit(str(client.base_url)).netloc
            ):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if not parts.path.startswith("/") or parts.path.startswith(SKIP) or local in seen:
                continue
            if patterns[_pattern(local)] >= PER_PATTERN:
                continue
            seen.add(local)
            patterns[_pattern(local)] += 1
            queue.append((local, url))
    return broken, visited


@pytest.mark.parametrize("username", EVERYONE)
async def test_no_link_shown_to_a_user_is_closed_to_them(sign_in: SignIn, portal: str, username: str) -> None:
    async with httpx.AsyncClient(base_url=portal, timeout=30) as client:
        await sign_in(client, username)
        client.follow_redirects = True  # the accountant's start page leads on to the entry
        broken, visited = await crawl(client)
    assert visited > 5, f"only {visited} pages reached"
    assert broken == [], f"{len(broken)} of {visited} links closed"
