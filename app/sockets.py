"""The portal's side of Socket.IO authentication: session cookie or access token -> rooms."""

from __future__ import annotations

from collections.abc import Callable
from http.cookies import SimpleCookie
from typing import Any

import socketio
from litestar.stores.base import Store
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import ALL_DOMAINS, Action, PartnerRef, Principal
from app.auth.principals import load_principal, territory_paths
from app.auth.sessions import RotatingSessionBackend, RotatingSessionConfig
from app.auth.tokens import authenticate_token
from app.auth.user_sessions import live_session
from app.chat.access import readable_rooms
from app.db import CANNOT_SERVE, Database, cannot_serve_message
from app.models import Partner
from app.network.groups import groups_with_members
from app.settings import Settings
from realtime.rooms import chat_room, group_room, partner_room
from realtime.server import Authenticate, Identity


async def rooms_for(session: AsyncSession, principal: Principal) -> frozenset[str]:
    """Partner rooms carry a partner's own figures; group rooms the released group figures."""
    rooms: set[str] = set()
    paths = await territory_paths(session)
    groups = await groups_with_members(session)
    partners: dict[int, Partner] = {p.id: p for _, members in groups for p in members}
    refs = {pid: PartnerRef(pid, paths[p.territory_id]) for pid, p in partners.items()}
    # kpi:own carries every domain, so only who may see all of a partner's figures listens to it.
    rooms.update(partner_room(pid) for pid, ref in refs.items() if principal.can(Action.VIEW, ref, ALL_DOMAINS))
    for group, group_partners in groups:
        if principal.is_partner_user:
            joins = principal.may(Action.BENCHMARK, ALL_DOMAINS) and principal.partner_id in {
                p.id for p in group_partners
            }
        else:
            # kpi:update carries every domain's group figures.
            joins = principal.may(Action.VIEW, ALL_DOMAINS)
        if joins:
            rooms.add(group_room(group.id))
    rooms.update(chat_room(room.id) for room in await readable_rooms(session, principal, groups))
    return frozenset(rooms)


def socket_authenticator(
    database: Callable[[], Database], settings: Settings, sessions: RotatingSessionConfig, store: Store
) -> Authenticate:
    backend = RotatingSessionBackend(config=sessions)

    async def user_from_cookie(environ: dict[str, Any]) -> int | None:
        cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
        morsel = cookie.get(sessions.key)
        if morsel is None:
            return None
        data = await backend.get(morsel.value, store)
        return await live_session(database(), backend.deserialize_data(data), settings) if data else None

    async def authenticate(environ: dict[str, Any], auth: Any) -> Identity | None:
        try:
            return await identify(environ, auth)
        except CANNOT_SERVE as exc:
            raise socketio.exceptions.ConnectionRefusedError(cannot_serve_message(exc)) from exc

    async def identify(environ: dict[str, Any], auth: Any) -> Identity | None:
        db = database()
        if isinstance(auth, dict) and isinstance(auth.get("token"), str):
            user_id = await authenticate_token(db, auth["token"])
        else:
            user_id = await user_from_cookie(environ)
        if user_id is None:
            return None
        async with db.read() as session:
            principal = await load_principal(session, user_id)
            if principal is None:
                return None
            return Identity(principal.user_id, await rooms_for(session, principal))

    return authenticate
