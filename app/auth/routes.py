"""Sign-in and sign-out pages. (The SMS code step joins in the sign-in issue.)"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from app.auth.middleware import session_user_id
from app.auth.service import Credentials, sign_in
from app.auth.sessions import rotate_session, signed_in_session
from app.db import Database

FormBody = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _client(request: Request[Any, Any, State]) -> str | None:
    return request.client.host if request.client else None


@get("/login", name="login", include_in_schema=False)
async def login_page(request: Request[Any, Any, State]) -> Template | Redirect:
    if session_user_id(request.session, request.app.state.settings) is not None:
        return Redirect("/")
    return Template("auth/login.html", context={"error": None, "username": ""})


@post("/login", include_in_schema=False, status_code=200)
async def login_submit(request: Request[Any, Any, State], data: FormBody) -> Template | Redirect:
    credentials = Credentials(data.get("username", "").strip(), data.get("password", ""))
    db: Database = request.app.state.db
    async with db.transaction() as session:
        user_id = await sign_in(session, credentials, client=_client(request))
    if user_id is None:
        # One message for both cases, so a guesser learns nothing about which part was wrong.
        error = "Benutzername oder Passwort ist falsch, oder das Konto ist gesperrt."
        return Template("auth/login.html", context={"error": error, "username": credentials.username}, status_code=400)
    rotate_session(request.scope)
    request.set_session(signed_in_session(user_id))
    return Redirect("/", status_code=303)


@post("/logout", include_in_schema=False, status_code=200)
async def logout(request: Request[Any, Any, State]) -> Redirect:
    user_id = session_user_id(request.session, request.app.state.settings)
    request.clear_session()
    if user_id is not None:
        await request.app.state.publisher.disconnect_user(user_id)
    return Redirect("/login", status_code=303)


ROUTES = [login_page, login_submit, logout]
