"""Server-side sessions whose id changes at sign-in (shared/PITFALLS.md 5).

Litestar's backend keeps whatever session id the client's cookie carries, even one the
store never issued, which lets an attacker plant an id before the victim signs in.
This backend mints a fresh id whenever the cookie's id is unknown to the store, and
when a handler asks for rotation (sign-in), deleting the old entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.stores.base import Store
from litestar.types import Empty, Message, Scope, ScopeSession

_ROTATE = "portal.rotate_session"
_KNOWN = "portal.session_known"
_NEW_ID = "portal.new_session_id"


def rotate_session(scope: Scope) -> None:
    """Ask for a new session id when this response is sent (call at sign-in)."""
    cast(dict[str, Any], scope)[_ROTATE] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        cast(dict[str, Any], connection.scope)[_KNOWN] = bool(data)
        return data

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        scope = cast(dict[str, Any], connection.scope)
        if scope.get(_ROTATE) or not scope.get(_KNOWN):
            if _NEW_ID not in scope:
                scope[_NEW_ID] = self.generate_session_id()
            return str(scope[_NEW_ID])
        return super().get_session_id(connection)

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        if scope_session is Empty or not scope_session:
            # Nothing to keep: never store empty sessions (every anonymous hit would leave one
            # behind); only end a session the store actually holds.
            if connection.scope.get(_KNOWN):
                await super().store_in_message(Empty, message, connection)
            return
        old_id = connection.cookies.get(self.config.key)
        if connection.scope.get(_ROTATE) and old_id:
            await self.delete(old_id, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


@dataclass
class RotatingSessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


async def sweep_expired_sessions(store: Store) -> None:
    """Delete expired sessions from a file store (a scheduled job; Redis expires keys by itself)."""
    delete_expired = getattr(store, "delete_expired", None)
    if delete_expired is not None:
        await delete_expired()
