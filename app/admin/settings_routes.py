"""`/admin/einstellungen`: settings the Zentrale changes in the portal (the reporting deadline, the
KPIs of the managing directors' start page)."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.common import ADMIN_ONLY, AdminRequest
from app.audit import record
from app.dashboard.tiles import MAX_TILES, TILES_KEY, tile_keys
from app.models import Metric, PortalSetting, utcnow
from app.notifications.reminders import DEADLINE_KEY, deadline_day
from app.web.forms import FormBody, client_of, form_number, raw, values


async def _page(request: AdminRequest, error: str | None = None, status_code: int = 200) -> Template:
    async with request.app.state.db.read() as session:
        day = await deadline_day(session)
        chosen = await tile_keys(session)
        metrics = list(await session.scalars(select(Metric).where(Metric.active).order_by(Metric.position)))
    return Template(
        "admin/settings.html",
        status_code=status_code,
        context={"deadline": day, "error": error, "chosen": chosen, "metrics": metrics, "max_tiles": MAX_TILES},
    )


@get("/admin/einstellungen", guards=ADMIN_ONLY, include_in_schema=False)
async def settings_page(request: AdminRequest) -> Template:
    return await _page(request)


@post("/admin/einstellungen", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def save_settings(request: AdminRequest, data: FormBody) -> Template | Redirect:
    day = form_number(raw(data, "deadline"), 2)
    if day is None or not 1 <= day <= 28:
        return await _page(request, "Der Stichtag ist ein Tag von 1 bis 28 (jeder Monat hat ihn).", 400)
    async with request.app.state.db.transaction() as session:
        await _store(request, session, DEADLINE_KEY, day)
    flash(request, f"Stichtag für die Monatsmeldung: der {day}. des Folgemonats.", category="success")
    return Redirect("/admin/einstellungen", status_code=303)


@post("/admin/einstellungen/kennzahlen", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def save_tiles(request: AdminRequest, data: FormBody) -> Template | Redirect:
    """The KPIs (at most eight, in catalogue order) every managing director sees as tiles."""
    wanted = values(data, "kpi")
    async with request.app.state.db.read() as session:
        known = list(await session.scalars(select(Metric.key).where(Metric.active).order_by(Metric.position)))
    keys = [k for k in known if k in wanted]
    if not keys or len(keys) > MAX_TILES or len(keys) != len(set(wanted)):
        return await _page(request, f"Bitte 1 bis {MAX_TILES} Kennzahlen aus der Liste wählen.", 400)
    async with request.app.state.db.transaction() as session:
        await _store(request, session, TILES_KEY, keys)
    flash(request, f"{len(keys)} Kennzahlen für die Startseite gespeichert.", category="success")
    return Redirect("/admin/einstellungen#kacheln", status_code=303)


async def _store(request: AdminRequest, session: AsyncSession, key: str, value: Any) -> None:
    setting = await session.get(PortalSetting, key)
    before = setting.value if setting else None
    if setting is None:
        setting = PortalSetting(key=key)
        session.add(setting)
    setting.value, setting.changed_by_id, setting.changed_at = value, request.user.user_id, utcnow()
    record(
        session,
        request.user.user_id,
        "settings.changed",
        object_type="setting",
        object_id=key,
        client=client_of(request),
        before=before,
        after=value,
    )


ROUTES = [settings_page, save_settings, save_tiles]
