"""Users over the API for the Zentrale's IT (administration only): list, create, change; the classes."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get, patch, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.admin.common import ADMIN_ONLY, AdminRequest
from app.admin.users_service import UserForm, all_classes, create_user, set_active, update_user
from app.models import User
from app.web.api_input import refused
from app.web.forms import InvalidForm, client_of

UNSET = msgspec.UNSET


class NewUser(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    name: str
    phone: str
    classes: list[str]
    email: str | None = None
    territories: list[str] = []
    partner: int | None = None


class UserChange(msgspec.Struct, forbid_unknown_fields=True):
    name: str | msgspec.UnsetType = UNSET
    phone: str | msgspec.UnsetType = UNSET
    email: str | msgspec.UnsetType | None = UNSET
    classes: list[str] | msgspec.UnsetType = UNSET
    territories: list[str] | msgspec.UnsetType = UNSET
    partner: int | msgspec.UnsetType | None = UNSET
    active: bool | msgspec.UnsetType = UNSET


class CreatedUser(msgspec.Struct):
    username: str
    one_time_password: str


class UserOut(msgspec.Struct):
    username: str
    name: str
    phone: str | None
    email: str | None
    classes: list[str]
    territories: list[str]
    partner: int | None
    active: bool


class ClassOut(msgspec.Struct):
    key: str
    name: str


def _out(user: User) -> UserOut:
    return UserOut(
        user.username,
        user.display_name,
        user.phone,
        user.email,
        sorted(c.key for c in user.classes),
        sorted(t.code for t in user.managed_territories),
        user.partner.number if user.partner else None,
        user.active,
    )


_LOADED = select(User).options(
    selectinload(User.classes), selectinload(User.partner), selectinload(User.managed_territories)
)


async def _user(session: AsyncSession, username: str) -> User:
    user = await session.scalar(_LOADED.where(User.username == username))
    if user is None:
        raise NotFoundException(f"Den Benutzer „{username}“ gibt es nicht.")
    return user


@get("/api/v1/classes", guards=ADMIN_ONLY, tags=["Benutzer"])
async def list_classes(request: AdminRequest) -> list[ClassOut]:
    """The permission classes a user can be given (their keys are what `classes` takes)."""
    async with request.app.state.db.read() as session:
        return [ClassOut(c.key, c.name) for c in await all_classes(session)]


@get("/api/v1/users", guards=ADMIN_ONLY, tags=["Benutzer"])
async def list_users(request: AdminRequest) -> list[UserOut]:
    async with request.app.state.db.read() as session:
        return [_out(u) for u in await session.scalars(_LOADED.order_by(User.username))]


@get("/api/v1/users/{username:str}", guards=ADMIN_ONLY, tags=["Benutzer"])
async def show_user(request: AdminRequest, username: FromPath[str]) -> UserOut:
    async with request.app.state.db.read() as session:
        return _out(await _user(session, username))


@post("/api/v1/users", guards=ADMIN_ONLY, tags=["Benutzer"], status_code=201)
async def create_user_api(request: AdminRequest, data: JSONBody[NewUser]) -> CreatedUser:
    """A new user with a one-time password (to be changed at the first sign-in); 422 names each refused field."""
    try:
        form = UserForm.parse(
            {
                "username": data.username,
                "display_name": data.name,
                "phone": data.phone,
                "partner_number": "" if data.partner is None else str(data.partner),
                "classes": data.classes,
                "territories": data.territories,
                "email": data.email or "",
            }
        )
        async with request.app.state.db.transaction() as session:
            user, password = await create_user(session, request.user.user_id, form, client_of(request))
    except InvalidForm as exc:
        raise refused(exc) from exc
    return CreatedUser(user.username, password)


@patch("/api/v1/users/{username:str}", guards=ADMIN_ONLY, tags=["Benutzer"])
async def change_user_api(request: AdminRequest, username: FromPath[str], data: JSONBody[UserChange]) -> UserOut:
    """Change any of the fields; what is left out stays. Changed rights reconnect the user's sockets."""
    try:
        async with request.app.state.db.transaction() as session:
            user = await _user(session, username)
            form = _changed(UserForm.of(user), data)
            rights_changed = await update_user(session, request.user.user_id, user, form, client_of(request))
            if data.active is not UNSET and data.active != user.active:
                await set_active(session, request.user.user_id, user, data.active, client_of(request))
                rights_changed = True
            await session.flush()
            out = _out(await _user(session, username))
    except InvalidForm as exc:
        raise refused(exc) from exc
    if rights_changed:
        await request.app.state.publisher.disconnect_user(user.id)
    return out


def _changed(form: UserForm, data: JSONBody[UserChange]) -> UserForm:
    """The user's form with the change laid over it, read as the page's form is (lengths, hidden characters)."""
    fields: dict[str, Any] = {
        "username": form.username,
        "display_name": form.display_name if data.name is UNSET else data.name,
        "phone": form.phone if data.phone is UNSET else data.phone,
        "email": form.email if data.email is UNSET else data.email or "",
        "classes": form.class_keys if data.classes is UNSET else data.classes,
        "territories": form.territory_codes if data.territories is UNSET else data.territories,
        "partner_number": form.partner_number if data.partner is UNSET else str(data.partner or ""),
    }
    return UserForm.parse(fields)


ROUTES = [list_classes, list_users, show_user, create_user_api, change_user_api]
