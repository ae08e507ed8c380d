"""`/admin/einstellungen`: settings the Zentrale changes in the portal (the reporting deadline)."""

from __future__ import annotations

from litestar import get, post
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from app.admin.common import ADMIN_ONLY, AdminRequest
from app.audit import record
from app.models import PortalSetting, utcnow
from app.notifications.reminders import DEADLINE_KEY, deadline_day
from app.web.forms import FormBody, client_of, form_number, raw


@get("/admin/einstellungen", guards=ADMIN_ONLY, include_in_schema=False)
async def settings_page(request: AdminRequest) -> Template:
    async with request.app.state.db.read() as session:
        day = await deadline_day(session)
    return Template("admin/settings.html", context={"deadline": day, "error": None})


@post("/admin/einstellungen", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def save_settings(request: AdminRequest, data: FormBody) -> Template | Redirect:
    day = form_number(raw(data, "deadline"), 2)
    if day is None or not 1 <= day <= 28:
        async with request.app.state.db.read() as session:
            day = await deadline_day(session)
        return Template(
            "admin/settings.html",
            status_code=400,
            context={"deadline": day, "error": "Der Stichtag ist ein Tag von 1 bis 28 (jeder Monat hat ihn)."},
        )
    async with request.app.state.db.transaction() as session:
        setting = await session.get(PortalSetting, DEADLINE_KEY)
        before = setting.value if setting else None
        if setting is None:
            setting = PortalSetting(key=DEADLINE_KEY)
            session.add(setting)
        setting.value, setting.changed_by_id, setting.changed_at = day, request.user.user_id, utcnow()
        record(
            session,
            request.user.user_id,
            "settings.changed",
            object_type="setting",
            object_id=DEADLINE_KEY,
            client=client_of(request),
            before=before,
            after=day,
        )
    flash(request, f"Stichtag für die Monatsmeldung: der {day}. des Folgemonats.", category="success")
    return Redirect("/admin/einstellungen", status_code=303)


ROUTES = [settings_page, save_settings]
