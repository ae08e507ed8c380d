"""The database goes away for a while: a clear answer, nothing half-stored, back without a restart."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import httpx
import pytest
import socketio

from app.server import create_app
from app.settings import Settings
from kpi.months import format_month, month_of
from tests.conftest import fill_demo
from tests.support.personas import SignIn
from tests.support.proxy import proxied
from tests.support.server import serving
from tests.support.tokens import token_for

MONTH = format_month(month_of(date.today()))
FIGURES = f"/api/v1/partners/1001/figures/{MONTH}"


async def test_health_reports_the_database_and_its_schema(portal: str) -> None:
    async with httpx.AsyncClient(base_url=portal) as client:
        answer = await client.get("/healthz")
    report = answer.json()
    assert answer.status_code == 200 and report["status"] == "ok"
    assert report["database"]["ok"] and report["database"]["schema_current"]
    assert "redis" not in report  # one process without Redis: nothing to report


@pytest.mark.postgres
async def test_while_postgres_is_away_users_are_told_and_nothing_is_stored(
    postgres_url: str, make_settings: Callable[..., Settings], sign_in: SignIn
) -> None:
    await fill_demo(postgres_url)
    token = await token_for(postgres_url, "gf1001")
    bearer = {"Authorization": f"Bearer {token}"}
    async with proxied(postgres_url) as (database, via_proxy):
        async with (
            serving(create_app(make_settings(via_proxy))) as base,
            httpx.AsyncClient(base_url=base, headers=bearer) as api,
            httpx.AsyncClient(base_url=base) as browser,
        ):
            assert (await api.put(FIGURES, json={"units_new": 11})).status_code == 200
            await sign_in(browser, "gf1001")
            rooms = (await api.get("/api/v1/chat/rooms")).json()
            nord = next(room["id"] for room in rooms if room["name"] == "Region Nord")
            chat = socketio.AsyncClient(reconnection=False)
            await chat.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)

            await database.cut()
            health = await api.get("/healthz")
            assert health.status_code == 503 and health.json()["status"] == "down"
            refused = await api.put(FIGURES, json={"units_new": 12})
            assert refused.status_code == 503
            assert "nicht erreichbar" in refused.json()["detail"] and "nichts gespeichert" in refused.json()["detail"]
            page = await browser.get(f"/erfassung/1001/{MONTH}")
            assert page.status_code == 503 and "Die Datenbank ist gerade nicht erreichbar" in page.text
            ack = await chat.call("chat:send", {"room": nord, "body": "Hallo?"}, timeout=10)
            assert ack["ok"] is False and "nicht erreichbar" in ack["error"]
            newcomer, reasons = socketio.AsyncClient(reconnection=False), []
            newcomer.on("connect_error", reasons.append)
            with pytest.raises(socketio.exceptions.ConnectionError):
                await newcomer.connect(base, auth={"token": token}, transports=["websocket"], wait_timeout=5)
            assert "nicht erreichbar" in str(reasons)

            await database.restore()
            # The same server, not restarted: stale connections are replaced on first use.
            assert (await api.get("/healthz")).json()["status"] == "ok"
            assert (await api.get(FIGURES)).json()["values"]["units_new"] == 11  # 12 was never stored
            assert (await api.put(FIGURES, json={"units_new": 13})).status_code == 200
            assert (await browser.get(f"/erfassung/1001/{MONTH}")).status_code == 200
            # The socket stayed open through the outage; chat works again, and the refused message never was.
            ack = await chat.call("chat:send", {"room": nord, "body": "Wieder da"}, timeout=10)
            assert ack["ok"] is True
            history = await chat.call("chat:history", {"room": nord}, timeout=10)
            bodies = [message["body"] for message in history["messages"]]
            assert "Wieder da" in bodies and "Hallo?" not in bodies
            await chat.disconnect()
        assert (await api_value(make_settings(postgres_url), token)) == 13


async def api_value(settings: Settings, token: str) -> object:
    """Read back through a fresh portal on the database itself (no proxy)."""
    async with (
        serving(create_app(settings)) as base,
        httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}) as api,
    ):
        return (await api.get(FIGURES)).json()["values"]["units_new"]
