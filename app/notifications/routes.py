"""`/benachrichtigungen`: the notification centre page; the unread count for the navigation;
the e-mail choices on the account page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from app.auth.permissions import Principal
from app.models import Notification
from app.notifications.service import KINDS, mail_preferences, mark_read, page_of, set_mail_preferences, unread
from app.web.cursor import BadCursor
from app.web.forms import FormBody, values

NotificationsRequest = Request[Principal, Any, State]


@get("/benachrichtigungen", include_in_schema=False)
async def notification_centre(request: NotificationsRequest, nach: FromQuery[str | None] = None) -> Template:
    user_id = request.user.user_id
    async with request.app.state.db.read() as session:
        try:
            rows, after = await page_of(session, user_id, nach)
        except BadCursor:
            rows, after = await page_of(session, user_id, None)
        count = await unread(session, user_id)
        preferences = await mail_preferences(session, user_id)
    return Template(
        "notifications/centre.html",
        context={"rows": rows, "after": after, "unread": count, "kinds": KINDS, "preferences": preferences},
    )


@get("/benachrichtigungen/anzahl", include_in_schema=False)
async def unread_count(request: NotificationsRequest) -> dict[str, int]:
    async with request.app.state.db.read() as session:
        return {"unread": await unread(session, request.user.user_id)}


@post("/benachrichtigungen/gelesen", include_in_schema=False, status_code=200)
async def mark_all_read(request: NotificationsRequest) -> Redirect:
    async with request.app.state.db.transaction() as session:
        await mark_read(session, request.user.user_id)
    return Redirect("/benachrichtigungen", status_code=303)


@get("/benachrichtigungen/{notification_id:int}", include_in_schema=False)
async def open_notification(request: NotificationsRequest, notification_id: FromPath[int]) -> Redirect:
    """Mark it read and go where it points (only ever a path inside the portal)."""
    async with request.app.state.db.transaction() as session:
        found = await session.get(Notification, notification_id)
        if found is None or found.user_id != request.user.user_id:
            return Redirect("/benachrichtigungen", status_code=303)
        await mark_read(session, request.user.user_id, [notification_id])
        target = found.url if found.url.startswith("/") and not found.url.startswith("//") else "/"
    return Redirect(target, status_code=303)


@post("/benachrichtigungen/email", include_in_schema=False, status_code=200)
async def save_mail_choices(request: NotificationsRequest, data: FormBody) -> Redirect:
    wanted = set(values(data, "email")) & set(KINDS)
    async with request.app.state.db.transaction() as session:
        await set_mail_preferences(session, request.user.user_id, wanted)
    flash(request, "E-Mail-Einstellungen gespeichert.", category="success")
    return Redirect("/benachrichtigungen#email", status_code=303)


ROUTES = [notification_centre, unread_count, mark_all_read, open_notification, save_mail_choices]
