"""Fixtures of the administration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.personas import SignIn


@pytest.fixture
async def admin(sign_in: SignIn, portal: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=portal) as client:
        await sign_in(client, "admin")
        yield client
