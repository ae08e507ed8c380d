"""`GET /api/v1/chat/rooms` (shared/CONTRACT.md): the rooms the caller may read."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State

from app.auth.permissions import Principal
from app.chat.access import readable_rooms


@get("/api/v1/chat/rooms", tags=["Chat"])
async def list_rooms(request: Request[Principal, Any, State]) -> list[dict[str, Any]]:
    """Rooms the caller may read: id, name, the comparison group (or null), and whether members may write."""
    async with request.app.state.db.read() as session:
        rooms = await readable_rooms(session, request.user)
    return [
        {
            "id": room.id,
            "name": room.name,
            "group": room.group_id,
            "kind": room.kind,
            "read_only": room.read_only or room.announcements_only,
        }
        for room in rooms
    ]
