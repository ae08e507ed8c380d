"""`/api/v1/documents`: list and search (by cursor), publish (multipart), read, download, new
versions and read confirmations (shared/CONTRACT.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Principal
from app.documents.audience import audience_of
from app.documents.routes import BODY_LIMIT, file_of
from app.documents.service import (
    NewDocument,
    Query,
    add_version,
    documents,
    opened,
    parse_audience,
    publish,
    readers,
    reads_of,
    visible_document,
)
from app.files.store import receive
from app.imports.reading import UnreadableFile
from app.models import Document, DocumentFolder, Partner, StoredFile
from app.web.api_input import InvalidInput, refused
from app.web.cursor import BadCursor
from app.web.forms import InvalidForm, client_of, form_number

DocumentsRequest = Request[Principal, Any, State]


class AudienceOut(msgspec.Struct):
    partners: list[int]
    groups: list[int]
    territories: list[str]
    classes: list[str]


class DocumentOut(msgspec.Struct):
    id: int
    title: str
    description: str
    folder: str | None
    exchange_partner: int | None  # set: the document lies in this partner's exchange folder
    circular: bool
    version: int
    filename: str
    media_type: str
    size: int
    created_at: str
    updated_at: str
    file_url: str
    confirmed: bool | None  # circulars: whether the caller confirmed the current version
    audience: AudienceOut | None  # Zentrale staff only: partners never learn who else got it


@dataclass
class DocumentUpload:
    """`POST /api/v1/documents` (multipart/form-data)."""

    file: UploadFile | None = None
    title: str = ""
    description: str = ""
    folder: str = ""  # a folder's name; a new one is made
    circular: str = ""  # "1" or "true": read confirmation asked
    partners: str = ""  # partner numbers, comma-separated
    groups: str = ""  # comparison group ids
    territories: str = ""  # territory codes
    classes: str = ""  # permission class keys
    exchange: str = ""  # a partner number: into its exchange folder


@dataclass
class VersionUpload:
    file: UploadFile | None = None
    note: str = ""


class DocumentPage(msgspec.Struct):
    items: list[DocumentOut]
    next: str | None


async def as_json(session: AsyncSession, principal: Principal, rows: list[Document]) -> list[DocumentOut]:
    files = {
        f.id: f for f in await session.scalars(select(StoredFile).where(StoredFile.id.in_({d.file_id for d in rows})))
    }
    folders = dict((await session.execute(select(DocumentFolder.id, DocumentFolder.name))).all())
    numbers = dict((await session.execute(select(Partner.id, Partner.number))).all())
    reads = await reads_of(session, principal.user_id, [d.id for d in rows])
    out = []
    for d in rows:
        audience = None
        if not principal.is_partner_user and d.partner_id is None:
            a = await audience_of(session, d.id)
            audience = AudienceOut(
                sorted(numbers[p] for p in a.partners if p in numbers),
                sorted(a.groups),
                sorted(a.territories),
                sorted(a.classes),
            )
        read = reads.get(d.id)
        f = files[d.file_id]
        out.append(
            DocumentOut(
                d.id,
                d.title,
                d.description,
                folders.get(d.folder_id) if d.folder_id else None,
                numbers.get(d.partner_id) if d.partner_id else None,
                d.circular,
                d.version,
                f.filename,
                f.media_type,
                f.size,
                d.created_at.isoformat(),
                d.updated_at.isoformat(),
                f"/api/v1/documents/{d.id}/file",
                (read is not None and read.confirmed_version == d.version) if d.circular else None,
                audience,
            )
        )
    return out


@get("/api/v1/documents", tags=["Dokumente"])
async def list_documents_api(
    request: DocumentsRequest,
    q: FromQuery[str] = "",
    folder: FromQuery[str | None] = None,
    partner: FromQuery[int | None] = None,
    unconfirmed: FromQuery[bool] = False,
    cursor: FromQuery[str | None] = None,
) -> DocumentPage:
    """The documents the caller may see, newest first: `q` searches titles and text, `folder` by
    name, `partner` a partner's exchange folder, `unconfirmed` the caller's open circulars."""
    async with request.app.state.db.read() as session:
        folder_id = None
        if folder is not None:
            folder_id = await session.scalar(select(DocumentFolder.id).where(DocumentFolder.name == folder))
            if folder_id is None:
                raise InvalidInput(
                    f"Den Ordner „{folder}“ gibt es nicht.", extra=[{"key": "folder", "message": "unbekannt"}]
                )
        partner_id = None
        if partner is not None:
            partner_id = await session.scalar(select(Partner.id).where(Partner.number == partner))
            if partner_id is None:
                raise InvalidInput(
                    f"Partner {partner} gibt es nicht.", extra=[{"key": "partner", "message": "unbekannt"}]
                )
        try:
            rows, after = await documents(
                session, request.user, Query(folder_id, q[:200], unconfirmed, partner_id), cursor
            )
        except BadCursor as exc:
            raise InvalidInput(str(exc), extra=[{"key": "cursor", "message": str(exc)}]) from exc
        return DocumentPage(await as_json(session, request.user, rows), after)


@post("/api/v1/documents", tags=["Dokumente"], status_code=201, request_max_body_size=BODY_LIMIT)
async def publish_api(
    request: DocumentsRequest, data: Annotated[DocumentUpload, Body(media_type=RequestEncodingType.MULTI_PART)]
) -> DocumentOut:
    """A document for the library, with its audience (none: the Zentrale only), or a file for a
    partner's exchange folder (`exchange`; a partner's own users always upload there)."""
    try:
        async with request.app.state.db.read() as session:
            audience = await parse_audience(session, data.partners, data.groups, data.territories, data.classes)
            exchange = None
            if request.user.is_partner_user:
                exchange = request.user.partner_id
            elif data.exchange:
                number = form_number(data.exchange)
                exchange = await session.scalar(select(Partner.id).where(Partner.number == (number or -1)))
                if exchange is None:
                    raise InvalidForm({"exchange": f"Partner „{data.exchange[:20]}“ gibt es nicht."})
        received = await receive(request, data.file)
        new = NewDocument(
            data.title or received.filename,
            data.description,
            data.folder,
            data.circular.lower() in ("1", "true", "ja"),
            audience,
            exchange,
        )
        async with request.app.state.db.transaction() as session:
            document, event = await publish(session, request.user, new, received, client_of(request))
            out = (await as_json(session, request.user, [document]))[0]
    except UnreadableFile as exc:
        raise InvalidInput(str(exc), extra=[{"key": "file", "message": str(exc)}]) from exc
    except InvalidForm as exc:
        raise refused(exc) from exc
    await request.app.state.events.publish(event)
    return out


async def _visible(session: AsyncSession, principal: Principal, document_id: int) -> Document:
    document = await visible_document(session, principal, document_id)
    if document is None:
        raise NotFoundException("Dieses Dokument gibt es nicht.")
    return document


@get("/api/v1/documents/{document_id:int}", tags=["Dokumente"])
async def show_document(request: DocumentsRequest, document_id: FromPath[int]) -> DocumentOut:
    async with request.app.state.db.read() as session:
        return (await as_json(session, request.user, [await _visible(session, request.user, document_id)]))[0]


@get("/api/v1/documents/{document_id:int}/file", tags=["Dokumente"])
async def document_file_api(
    request: DocumentsRequest, document_id: FromPath[int], version: FromQuery[int | None] = None
) -> Response[bytes]:
    """The file of the current version (or `version`); every download is in the audit log."""
    async with request.app.state.db.transaction() as session:
        document = await _visible(session, request.user, document_id)
        return await file_of(session, request.user, document, version, client_of(request))


@post(
    "/api/v1/documents/{document_id:int}/versions",
    tags=["Dokumente"],
    status_code=201,
    request_max_body_size=BODY_LIMIT,
)
async def new_version_api(
    request: DocumentsRequest,
    document_id: FromPath[int],
    data: Annotated[VersionUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
) -> DocumentOut:
    """The document's next version (`file`, `note`); the audience hears of it."""
    async with request.app.state.db.read() as session:
        await _visible(session, request.user, document_id)  # before the file is read: 404 for others
    try:
        received = await receive(request, data.file)
        async with request.app.state.db.transaction() as session:
            document = await _visible(session, request.user, document_id)
            event = await add_version(session, request.user, document, received, data.note, client_of(request))
            out = (await as_json(session, request.user, [document]))[0]
    except UnreadableFile as exc:
        raise InvalidInput(str(exc), extra=[{"key": "file", "message": str(exc)}]) from exc
    except InvalidForm as exc:
        raise refused(exc) from exc
    await request.app.state.events.publish(event)
    return out


@post("/api/v1/documents/{document_id:int}/confirmation", tags=["Dokumente"], status_code=200)
async def confirm_api(request: DocumentsRequest, document_id: FromPath[int]) -> DocumentOut:
    """The caller confirms having read the current version of a circular."""
    async with request.app.state.db.transaction() as session:
        document = await _visible(session, request.user, document_id)
        if not document.circular:
            raise InvalidInput(
                "Nur Rundschreiben werden bestätigt.", extra=[{"key": "id", "message": "kein Rundschreiben"}]
            )
        await opened(session, request.user.user_id, document, confirm=True)
        return (await as_json(session, request.user, [document]))[0]


class ReaderOut(msgspec.Struct):
    username: str
    name: str
    partner: int | None
    opened_at: str | None
    confirmed: bool


@get("/api/v1/documents/{document_id:int}/readers", tags=["Dokumente"])
async def readers_api(request: DocumentsRequest, document_id: FromPath[int]) -> list[ReaderOut]:
    """Zentrale staff: the audience of a library document, each with whether they opened it and
    confirmed its current version (a circular's list of who has not read it)."""
    async with request.app.state.db.read() as session:
        document = await _visible(session, request.user, document_id)
        if request.user.is_partner_user:
            raise NotFoundException("Dieses Dokument gibt es nicht.")
        return [
            ReaderOut(
                r.user.username,
                r.user.display_name,
                r.user.partner.number if r.user.partner else None,
                r.opened_at.isoformat() if r.opened_at else None,
                r.confirmed,
            )
            for r in await readers(session, document)
        ]


ROUTES = [
    list_documents_api,
    publish_api,
    show_document,
    document_file_api,
    new_version_api,
    confirm_api,
    readers_api,
]
