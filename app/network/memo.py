"""What one HTTP request has read of the network, kept for the rest of that request.

The network (territories, groups, memberships) does not change under a request that does
not change it itself; a page asks for it several times. Set per request by
`app.network.groups.remember_groups`.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

remembered: ContextVar[dict[str, Any] | None] = ContextVar("network_memo", default=None)


def request_memo() -> dict[str, Any] | None:
    """This request's memo (None outside an HTTP request)."""
    return remembered.get()
