"""What every administration page shares: the guard and the request type."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State

from app.auth.middleware import requires
from app.auth.permissions import Action, Principal

AdminRequest = Request[Principal, Any, State]


def may_administer(principal: Principal) -> bool:
    return principal.may(Action.ADMINISTER)


ADMIN_ONLY = [requires(may_administer)]
