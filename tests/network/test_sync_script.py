"""docs/sync_example.py against a running portal: three users with territories, a partner's contacts."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from tests.support.tokens import token_for

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "sync_example.py"


async def _run(portal: str, token: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        env={**os.environ, "PORTAL_URL": portal, "PORTAL_TOKEN": token},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def test_the_documented_sync_creates_users_then_keeps_them_and_sets_contacts(
    portal: str, demo_sqlite: str
) -> None:
    token = await token_for(demo_sqlite, "admin")
    first = await _run(portal, token)
    assert first.count("angelegt:") == 3 and "Einmalpasswort" in first and "Partner 1001: 2 Kontakte" in first
    second = await _run(portal, token)
    assert second.count("geändert:") == 3 and "angelegt" not in second
    async with httpx.AsyncClient(base_url=portal, headers={"Authorization": f"Bearer {token}"}) as api:
        users = {u["username"]: u for u in (await api.get("/api/v1/users")).json()}
        partner = (await api.get("/api/v1/partners/1001")).json()
    assert users["gebiet-ost"]["territories"] == ["OST"] and users["gebiet-ost"]["classes"] == ["territory_manager"]
    assert [c["name"] for c in partner["contacts"]] == ["Hanna Hof", "Tim Teil"]
