"""The audit log, read-only: filter by event, user and period; newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.admin.audit_labels import action_label, detail_lines
from app.admin.common import ADMIN_ONLY, AdminRequest
from app.models import AuditEvent, User

PAGE_SIZE = 50
GROUPS = {
    "": "alle Ereignisse",
    "login": "Anmeldungen",
    "code": "Codes (SMS, App)",
    "account": "Konto-Änderungen",
    "user": "Benutzerverwaltung",
    "permission_class": "Berechtigungen",
    "token": "Zugriffstoken",
    "figures": "Zahlen",
    "partner": "Partner",
    "territory": "Gebiete",
    "group": "Vergleichsgruppen",
    "targets": "Ziele",
    "supplier": "Lieferantendaten",
    "document": "Dokumente",
    "task": "Aufgaben",
    "chat": "Chat-Moderation",
    "settings": "Einstellungen",
    "session": "Sitzungen",
    "logout": "Abmeldungen",
}


@dataclass(frozen=True)
class AuditQuery:
    group: str
    username: str
    since: date | None
    until: date | None
    page: int


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


async def audit_page(session: AsyncSession, q: AuditQuery) -> tuple[list[tuple[AuditEvent, str | None]], int]:
    query = select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
    if q.group in GROUPS and q.group:
        query = query.where(AuditEvent.action.startswith(q.group + ".") | (AuditEvent.action == q.group))
    if q.username:
        query = query.where((User.username == q.username) | (AuditEvent.object_id == q.username))
    if q.since:
        query = query.where(AuditEvent.at >= datetime.combine(q.since, datetime.min.time(), UTC))
    if q.until:
        query = query.where(AuditEvent.at < datetime.combine(q.until + timedelta(days=1), datetime.min.time(), UTC))
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.execute(query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE).offset((q.page - 1) * PAGE_SIZE))
    return [(event, username) for event, username in rows], total


@get("/admin/protokoll", guards=ADMIN_ONLY, include_in_schema=False)
async def audit_log(
    request: AdminRequest,
    ereignis: FromQuery[str] = "",
    benutzer: FromQuery[str] = "",
    von: FromQuery[str] = "",
    bis: FromQuery[str] = "",
    seite: FromQuery[int] = 1,
) -> Template:
    q = AuditQuery(
        ereignis if ereignis in GROUPS else "",
        benutzer.strip()[:60],
        _date(von),
        _date(bis),
        max(1, min(seite, 10_000)),
    )
    async with request.app.state.db.read() as session:
        events, total = await audit_page(session, q)
    pages = max(1, -(-total // PAGE_SIZE))
    return Template(
        "admin/audit.html",
        context={
            "events": events,
            "total": total,
            "q": q,
            "pages": pages,
            "groups": GROUPS,
            "action_label": action_label,
            "detail_lines": detail_lines,
        },
    )


@get("/admin", guards=ADMIN_ONLY, include_in_schema=False)
async def admin_index(request: AdminRequest) -> Template:
    return Template("admin/index.html")


ROUTES = [audit_log, admin_index]
