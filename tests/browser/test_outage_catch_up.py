"""An analysis open on one worker while Redis was away shows, once Redis is back, what was entered meanwhile."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

import httpx
import pytest
from playwright.async_api import Browser, expect

from app.server import create_app
from app.settings import Settings
from kpi.months import format_month, month_of
from tests.browser.test_layout import DESKTOP, signed_in
from tests.support.personas import Outbox
from tests.support.proxy import proxied
from tests.support.server import serving
from tests.support.tokens import token_for

pytestmark = pytest.mark.redis

THIS_MONTH = format_month(month_of(date.today()))


async def test_the_open_page_catches_up_after_redis_returns(
    browser: Browser, outbox: Outbox, demo_sqlite: str, redis_url: str, make_settings: Callable[..., Settings]
) -> None:
    token = await token_for(demo_sqlite, "admin")
    async with proxied(redis_url) as (redis, via_proxy):
        settings = make_settings(demo_sqlite, redis_url=via_proxy, redis_channel=f"portal-test-{uuid.uuid4().hex}")
        async with serving(create_app(settings)) as first, serving(create_app(settings)) as second:
            page = await signed_in(browser, second, outbox, "gf1001", DESKTOP)
            await page.goto(f"/analyse?monat={THIS_MONTH}&spanne=month")
            await expect(page.locator("#live-status")).to_have_text("live", timeout=10_000)
            await page.evaluate("window.__marker = 'still the same page'")
            row = page.locator('tr[data-key="units_new"] td').nth(1)

            await redis.cut()
            async with httpx.AsyncClient(base_url=first, headers={"Authorization": f"Bearer {token}"}) as api:
                answer = await api.put(f"/api/v1/partners/1001/figures/{THIS_MONTH}", json={"units_new": 77})
                assert answer.status_code == 200
            await page.wait_for_timeout(1000)
            await expect(row).not_to_have_text("77")  # the event could not travel between the workers

            await redis.restore()
            await expect(row).to_have_text("77", timeout=15_000)
            assert await page.evaluate("window.__marker") == "still the same page"
