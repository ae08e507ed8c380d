"""The chat pages: rooms with unread counts, a room with its history and composer, search, moderation.

Sending works over the socket (`chat:send`, with an ack) and, without JavaScript or
for scripts, by form POST; both check the same rules in `app.chat.service`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from app.auth.middleware import requires
from app.auth.permissions import Principal
from app.chat import moderation, service
from app.chat.access import is_moderator, may_chat, muted_until, readable_rooms, room_for, write_refusal
from app.chat.conversations import direct_conversation, partner_conversation
from app.chat.service import ChatForbidden, ChatRefused
from app.chat.text import render
from app.models import ChatMessage, ChatRoom, utcnow
from app.web.forms import FormBody, client_of, form_number, text
from app.web.templating import datetime_de

ChatRequest = Request[Principal, Any, State]
GUARD = [requires(may_chat)]
MODERATORS = [requires(is_moderator)]


async def _rooms_with_counts(request: ChatRequest) -> list[tuple[ChatRoom, service.Unread]]:
    async with request.app.state.db.read() as session:
        rooms = await readable_rooms(session, request.user)
        counts = await service.unread(session, request.user, rooms)
    return [(room, counts[room.id]) for room in rooms]


@get("/chat", guards=GUARD, include_in_schema=False)
async def chat_home(request: ChatRequest) -> Template:
    context = {
        "rooms": await _rooms_with_counts(request),
        "moderator": is_moderator(request.user),
        "zentrale": not request.user.is_partner_user,
    }
    return Template("chat/rooms.html", context=context)


@get("/chat/gespraech", guards=GUARD, include_in_schema=False)
async def open_conversation(request: ChatRequest, partner: FromQuery[str] = "", mit: FromQuery[str] = "") -> Redirect:
    """A partner's conversation with the Zentrale (`partner=nr`), or a direct one (`mit=username`);
    made at first use, 404 for a partner or person the user does not work with."""
    async with request.app.state.db.transaction() as session:
        if (number := form_number(partner)) is not None:
            room = await partner_conversation(session, request.user, number)
        elif mit.strip():
            room = await direct_conversation(session, request.user, mit)
        else:
            raise NotFoundException("Mit wem? Bitte eine Partnernummer oder einen Benutzernamen angeben.")
    return Redirect(f"/chat/{room.id}", status_code=303)


@get("/chat/ungelesen", guards=GUARD, include_in_schema=False)
async def unread_counts(request: ChatRequest) -> dict[str, Any]:
    """Unread messages and mentions per room, for the badges in the navigation."""
    rooms = await _rooms_with_counts(request)
    return {
        "total": sum(u.messages for _, u in rooms),
        "mentions": sum(u.mentions for _, u in rooms),
        "rooms": {str(room.id): {"messages": u.messages, "mentions": u.mentions} for room, u in rooms},
    }


@get("/chat/{room_id:int}", guards=GUARD, include_in_schema=False)
async def room_page(request: ChatRequest, room_id: FromPath[int]) -> Template:
    async with request.app.state.db.read() as session:
        room = await room_for(session, request.user, room_id)
        refusal = write_refusal(room, request.user, await muted_until(session, room.id, request.user.user_id, utcnow()))
        pinned = await session.get(ChatMessage, room.pinned_message_id) if room.pinned_message_id else None
    messages, more = await service.history(request.app.state.db, request.user, room_id)
    pinned_payload = next((m for m in messages if pinned and m["id"] == pinned.id), None)
    if pinned is not None and pinned_payload is None and pinned.removed_at is None:
        pinned_payload = {"id": pinned.id, "html": str(render(pinned.body)), "author": "", "at": ""}
    if messages:
        await service.mark_read(request.app.state.db, request.user, room_id, messages[-1]["id"])
    return Template(
        "chat/room.html",
        context={
            "room": room,
            "rooms": await _rooms_with_counts(request),
            "messages": messages,
            "more": more,
            "refusal": refusal,
            "moderator": is_moderator(request.user),
            "pinned": pinned_payload,
            "edit_minutes": int(service.EDIT_WINDOW.total_seconds() // 60),
        },
    )


@get("/chat/{room_id:int}/verlauf", guards=GUARD, include_in_schema=False)
async def older_messages(request: ChatRequest, room_id: FromPath[int], vor: FromQuery[int]) -> Template:
    """Older messages, as the HTMX fragment the room's "Ältere Nachrichten" button loads."""
    messages, more = await service.history(request.app.state.db, request.user, room_id, before=vor)
    async with request.app.state.db.read() as session:
        room = await room_for(session, request.user, room_id)
    return Template(
        "chat/_older.html",
        context={"room": room, "messages": messages, "more": more, "moderator": is_moderator(request.user)},
    )


def _back(request: ChatRequest, room_id: int, message: str | ChatRefused) -> Response[Any]:
    """Back to the room with the outcome; from scripts (HX-Request) as JSON.

    Not the user's to do (ChatForbidden) answers 403; otherwise a refusal is a 422 for
    scripts and a message on the room page for the browser.
    """
    refused = isinstance(message, ChatRefused)
    if refused and isinstance(message, ChatForbidden) and not request.headers.get("hx-request"):
        raise PermissionDeniedException(str(message))
    if request.headers.get("hx-request"):
        status = 403 if isinstance(message, ChatForbidden) else 422 if refused else 200
        return Response({"ok": not refused, "message": str(message)}, status_code=status, media_type="application/json")
    flash(request, str(message), category="error" if refused else "success")
    return Redirect(f"/chat/{room_id}", status_code=303)


@post("/chat/{room_id:int}", guards=GUARD, include_in_schema=False, status_code=200)
async def post_message(request: ChatRequest, room_id: FromPath[int], data: FormBody) -> Response[Any]:
    """Send by form (without JavaScript, or from scripts); the socket delivers it to everyone."""
    async with request.app.state.db.read() as session:
        await room_for(session, request.user, room_id)  # 404 / 403 before anything else
    flood = request.app.state.chat_flood
    refusal = await flood.refusal(request.user.user_id, None)
    if refusal:
        return _back(request, room_id, ChatRefused(refusal))
    try:
        sent = await service.send(request.app.state.db, request.user, room_id, data.get("body", ""))
    except ChatRefused as exc:
        return _back(request, room_id, exc)
    await request.app.state.publisher.chat_message(room_id, sent.payload)
    if sent.mentioned is not None:
        await request.app.state.events.publish(sent.mentioned)
    return _back(request, room_id, "Gesendet.")


async def _message_room(request: ChatRequest, message_id: int) -> int:
    async with request.app.state.db.read() as session:
        message = await session.get(ChatMessage, message_id)
        if message is None:
            raise NotFoundException("Diese Nachricht gibt es nicht.")
        await room_for(session, request.user, message.room_id)  # 403 for someone else's room
        room_id: int = message.room_id
        return room_id


async def _on_message(
    request: ChatRequest, message_id: int, act: Callable[[], Awaitable[dict[str, Any]]], event: str, done: str
) -> Response[Any]:
    """Run an edit or removal of a message in a room the user may read, then tell the room."""
    room_id = await _message_room(request, message_id)
    try:
        changed = await act()
    except ChatRefused as exc:
        return _back(request, room_id, exc)
    await request.app.state.publisher.chat_event(event, room_id, changed)
    return _back(request, room_id, done)


@post("/chat/nachricht/{message_id:int}/bearbeiten", guards=GUARD, include_in_schema=False, status_code=200)
async def edit_message(request: ChatRequest, message_id: FromPath[int], data: FormBody) -> Response[Any]:
    def act() -> Awaitable[dict[str, Any]]:
        return service.edit(request.app.state.db, request.user, message_id, data.get("body", ""))

    return await _on_message(request, message_id, act, "chat:edit", "Nachricht geändert.")


@post("/chat/nachricht/{message_id:int}/loeschen", guards=GUARD, include_in_schema=False, status_code=200)
async def delete_message(request: ChatRequest, message_id: FromPath[int]) -> Response[Any]:
    def act() -> Awaitable[dict[str, Any]]:
        return service.delete_own(request.app.state.db, request.user, message_id)

    return await _on_message(request, message_id, act, "chat:remove", "Nachricht gelöscht.")


@post("/chat/nachricht/{message_id:int}/entfernen", guards=MODERATORS, include_in_schema=False, status_code=200)
async def remove_message(request: ChatRequest, message_id: FromPath[int]) -> Response[Any]:
    def act() -> Awaitable[dict[str, Any]]:
        return service.remove(request.app.state.db, request.user, message_id, client_of(request))

    return await _on_message(request, message_id, act, "chat:remove", "Nachricht entfernt (im Protokoll festgehalten).")


@post("/chat/{room_id:int}/anheften", guards=MODERATORS, include_in_schema=False, status_code=200)
async def pin_message(request: ChatRequest, room_id: FromPath[int], data: FormBody) -> Response[Any]:
    raw = text(data, "message_id", 12)
    try:
        await moderation.pin(request.app.state.db, request.user, room_id, int(raw) if raw else None, client_of(request))
    except (ChatRefused, ValueError) as exc:
        return _back(request, room_id, exc if isinstance(exc, ChatRefused) else ChatRefused("Ungültige Nummer."))
    await request.app.state.publisher.chat_event("chat:pin", room_id, {"id": int(raw) if raw else None})
    return _back(request, room_id, "Angeheftet." if raw else "Anheftung gelöst.")


@post("/chat/{room_id:int}/stumm", guards=MODERATORS, include_in_schema=False, status_code=200)
async def mute_user(request: ChatRequest, room_id: FromPath[int], data: FormBody) -> Response[Any]:
    try:
        minutes = int(text(data, "minutes", 6) or "0")
        mute = await moderation.mute(
            request.app.state.db,
            request.user,
            room_id,
            text(data, "username", 60),
            minutes,
            text(data, "reason", 200),
            client_of(request),
        )
    except ValueError:
        return _back(request, room_id, ChatRefused("Dauer in ganzen Minuten angeben."))
    except ChatRefused as exc:
        return _back(request, room_id, exc)
    return _back(request, room_id, f"Stummgeschaltet bis {datetime_de(mute.until)}.")


@post("/chat/{room_id:int}/einstellungen", guards=MODERATORS, include_in_schema=False, status_code=200)
async def room_settings(request: ChatRequest, room_id: FromPath[int], data: FormBody) -> Response[Any]:
    raw = text(data, "retention_days", 6)
    try:
        retention = int(raw) if raw else None
        changed = await moderation.settings(
            request.app.state.db, request.user, room_id, bool(data.get("read_only")), retention, client_of(request)
        )
    except ValueError:
        return _back(request, room_id, ChatRefused("Aufbewahrung in ganzen Tagen angeben."))
    except ChatRefused as exc:
        return _back(request, room_id, exc)
    await request.app.state.publisher.chat_event("chat:room", room_id, changed)
    return _back(request, room_id, "Raumeinstellungen gespeichert.")


@post("/chat/raeume", guards=MODERATORS, include_in_schema=False, status_code=200)
async def create_room(request: ChatRequest, data: FormBody) -> Response[Any]:
    raw = text(data, "partners", 2000)
    try:
        numbers = [int(n) for n in raw.replace(";", ",").replace(" ", ",").split(",") if n.strip()] if raw else None
        room = await moderation.create_room(
            request.app.state.db,
            request.user,
            text(data, "name", 200),
            numbers,
            bool(data.get("announcements_only")),
            client_of(request),
        )
    except ValueError:
        flash(request, "Partnernummern bitte als Zahlen, durch Komma getrennt.", category="error")
        return Redirect("/chat", status_code=303)
    except ChatRefused as exc:
        flash(request, str(exc), category="error")
        return Redirect("/chat", status_code=303)
    flash(request, f"Raum „{room.name}“ angelegt.", category="success")
    return Redirect(f"/chat/{room.id}", status_code=303)


@get("/chat/suche", guards=GUARD, include_in_schema=False)
async def search_page(request: ChatRequest, q: FromQuery[str] = "") -> Template:
    error, hits = None, []
    if q:
        try:
            hits = await service.search(request.app.state.db, request.user, q[:200])
        except ChatRefused as exc:
            error = str(exc)
    return Template("chat/search.html", context={"q": q, "hits": hits, "error": error})


def _shared_link(raw: str) -> str:
    """Only views of the analysis can be shared (a path on this portal, never another site)."""
    link = raw.strip()
    if not link.startswith("/analyse") or "//" in link or "\\" in link or any(c in link for c in "<>\"' \n"):
        raise ChatRefused("Geteilt werden können nur Ansichten des Betriebsvergleichs.")
    return link[:500]


@get("/chat/teilen", guards=GUARD, include_in_schema=False)
async def share_page(request: ChatRequest, link: FromQuery[str] = "", titel: FromQuery[str] = "") -> Template:
    """Share a chart: choose a room and add a comment; the message carries the link to the view."""
    try:
        shared = _shared_link(link)
    except ChatRefused as exc:
        raise ValidationException(str(exc)) from exc
    async with request.app.state.db.read() as session:
        rooms = [
            room
            for room in await readable_rooms(session, request.user)
            if write_refusal(room, request.user, await muted_until(session, room.id, request.user.user_id, utcnow()))
            is None
        ]
    return Template("chat/share.html", context={"link": shared, "title": titel[:200], "rooms": rooms})


@post("/chat/teilen", guards=GUARD, include_in_schema=False, status_code=200)
async def share_submit(request: ChatRequest, data: FormBody) -> Response[Any]:
    try:
        link = _shared_link(text(data, "link", 600))
        room_id = int(text(data, "room", 12))
    except ValueError:
        raise ValidationException("Bitte einen Raum wählen.") from None
    except ChatRefused as exc:
        raise ValidationException(str(exc)) from exc
    async with request.app.state.db.read() as session:
        await room_for(session, request.user, room_id)
    comment = text(data, "comment", 1500)
    try:
        sent = await service.send(request.app.state.db, request.user, room_id, f"{comment}\n{link}".strip())
    except ChatRefused as exc:
        return _back(request, room_id, exc)
    await request.app.state.publisher.chat_message(room_id, sent.payload)
    if sent.mentioned is not None:
        await request.app.state.events.publish(sent.mentioned)
    flash(request, "Ansicht geteilt.", category="success")
    return Redirect(f"/chat/{room_id}", status_code=303)


ROUTES = [
    share_page,
    share_submit,
    chat_home,
    open_conversation,
    unread_counts,
    room_page,
    older_messages,
    post_message,
    edit_message,
    delete_message,
    remove_message,
    pin_message,
    mute_user,
    room_settings,
    create_room,
    search_page,
]
