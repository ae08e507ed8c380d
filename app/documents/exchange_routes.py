"""A partner's exchange folder: what the partner's users and the Zentrale staff who look after it
hand each other (e.g. signed contracts); no one else sees it."""

from __future__ import annotations

from litestar import get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.documents.routes import BODY_LIMIT, DocumentsRequest, Multipart, form_field, names_of
from app.documents.service import NewDocument, Query, documents, publish
from app.files.checks import ACCEPT, MAX_BYTES
from app.files.store import receive, size_de
from app.imports.reading import UnreadableFile
from app.models import Partner
from app.network.colleagues import may_concern
from app.web.cursor import BadCursor
from app.web.forms import InvalidForm, client_of


async def _exchange_partner(request: DocumentsRequest, session: AsyncSession, number: int) -> Partner:
    partner = await session.scalar(select(Partner).where(Partner.number == number))
    if partner is None or not await may_concern(session, request.user, partner.id):
        raise NotFoundException(f"Partner {number} nicht gefunden.")
    return partner


@get("/dokumente/austausch/{partner_no:int}", include_in_schema=False)
async def exchange_folder(
    request: DocumentsRequest, partner_no: FromPath[int], nach: FromQuery[str | None] = None
) -> Template:
    return await _exchange_view(request, partner_no, nach, {})


async def _exchange_view(
    request: DocumentsRequest, partner_no: int, cursor: str | None, errors: dict[str, str], status: int = 200
) -> Template:
    async with request.app.state.db.read() as session:
        partner = await _exchange_partner(request, session, partner_no)
        try:
            rows, after = await documents(session, request.user, Query(partner_id=partner.id), cursor)
        except BadCursor:
            rows, after = await documents(session, request.user, Query(partner_id=partner.id), None)
        names = await names_of(session, rows)
    return Template(
        "documents/exchange.html",
        status_code=status,
        context={
            "partner": partner,
            "rows": rows,
            "after": after,
            "names": names,
            "errors": errors,
            "accept": ACCEPT,
            "max_mb": MAX_BYTES // (1024 * 1024),
            "size_de": size_de,
        },
    )


@post(
    "/dokumente/austausch/{partner_no:int}",
    include_in_schema=False,
    status_code=200,
    request_max_body_size=BODY_LIMIT,
)
async def exchange_upload(request: DocumentsRequest, partner_no: FromPath[int], data: Multipart) -> Template | Redirect:
    try:
        async with request.app.state.db.read() as session:
            partner = await _exchange_partner(request, session, partner_no)
        received = await receive(request, data.get("file"))
        new = NewDocument(
            form_field(data, "title") or received.filename,
            form_field(data, "description"),
            exchange_partner_id=partner.id,
        )
        async with request.app.state.db.transaction() as session:
            document, event = await publish(session, request.user, new, received, client_of(request))
    except UnreadableFile as exc:
        return await _exchange_view(request, partner_no, None, {"file": str(exc)}, 400)
    except InvalidForm as exc:
        return await _exchange_view(request, partner_no, None, exc.errors, 400)
    await request.app.state.events.publish(event)
    flash(request, "Datei im Austauschordner abgelegt.", category="success")
    return Redirect(f"/dokumente/{document.id}", status_code=303)


@get("/dokumente/austausch", include_in_schema=False)
async def own_exchange_folder(request: DocumentsRequest) -> Redirect:
    """A partner user's own exchange folder."""
    if request.user.partner_number is None:
        raise PermissionDeniedException("Austauschordner gibt es je Partner; wählen Sie den Partner in seiner Akte.")
    return Redirect(f"/dokumente/austausch/{request.user.partner_number}", status_code=303)


ROUTES = [exchange_folder, exchange_upload, own_exchange_folder]
