"""What every account page needs: the signed-in user's row and form parsing."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from app.account.service import Context
from app.auth.permissions import Principal
from app.models import User

AccountRequest = Request[Principal, Any, State]


async def context_for(request: AccountRequest, session: AsyncSession) -> Context:
    user = await session.get(User, request.user.user_id, with_for_update=True)
    if user is None:
        raise NotAuthorizedException("Bitte melden Sie sich an.")
    return Context(user, request.app.state.settings, request.client.host if request.client else None)
