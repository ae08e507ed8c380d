"""Room names (shared/DESIGN.md, Realtime)."""

from __future__ import annotations


def group_room(group_id: int) -> str:
    return f"group:{group_id}"


def partner_room(partner_id: int) -> str:
    return f"partner:{partner_id}"


def chat_room(room_id: int) -> str:
    return f"chat:{room_id}"


def user_room(user_id: int) -> str:
    return f"user:{user_id}"
