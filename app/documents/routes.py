"""Document pages: the library (folders, search, unconfirmed circulars), a document with its
versions and, for the Zentrale, who has not yet confirmed a circular; publishing; downloads
(audited). A partner's exchange folder: app.documents.exchange_routes."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.audit import record
from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.documents.audience import audience_of
from app.documents.service import (
    NewDocument,
    Query,
    add_version,
    documents,
    may_change,
    opened,
    parse_audience,
    publish,
    readers,
    reads_of,
    visible_document,
)
from app.files.checks import ACCEPT, MAX_BYTES
from app.files.store import download, receive, size_de
from app.imports.reading import UnreadableFile
from app.models import (
    ComparisonGroup,
    Document,
    DocumentFolder,
    DocumentVersion,
    Partner,
    PermissionClass,
    StoredFile,
    Territory,
    User,
)
from app.web.cursor import BadCursor
from app.web.forms import InvalidForm, client_of, form_number

DocumentsRequest = Request[Principal, Any, State]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
BODY_LIMIT = MAX_BYTES + 1024 * 1024  # the file and the form's other fields


def may_publish(principal: Principal) -> bool:
    return not principal.is_partner_user and principal.may(Action.PUBLISH)


PUBLISHERS = [requires(may_publish)]


def form_field(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


async def names_of(session: AsyncSession, rows: list[Document]) -> dict[str, dict[int, Any]]:
    files = {d.file_id for d in rows}
    partners = {d.partner_id for d in rows if d.partner_id}
    folders = {d.folder_id for d in rows if d.folder_id}
    return {
        "files": {f.id: f for f in await session.scalars(select(StoredFile).where(StoredFile.id.in_(files)))},
        "partners": {p.id: p for p in await session.scalars(select(Partner).where(Partner.id.in_(partners)))},
        "folders": {
            r.id: r.name
            for r in await session.execute(
                select(DocumentFolder.id, DocumentFolder.name).where(DocumentFolder.id.in_(folders))
            )
        },
    }


@get("/dokumente", include_in_schema=False)
async def library(
    request: DocumentsRequest,
    ordner: FromQuery[str] = "",
    q: FromQuery[str] = "",
    offen: FromQuery[str] = "",
    nach: FromQuery[str | None] = None,
) -> Template:
    query = Query(folder_id=form_number(ordner), words=q[:200], unconfirmed=offen == "1")
    async with request.app.state.db.read() as session:
        try:
            rows, after = await documents(session, request.user, query, nach)
        except BadCursor:
            rows, after = await documents(session, request.user, query, None)
        folders = list(await session.scalars(select(DocumentFolder).order_by(DocumentFolder.name)))
        reads = await reads_of(session, request.user.user_id, [d.id for d in rows])
        names = await names_of(session, rows)
    return Template(
        "documents/library.html",
        context={
            "rows": rows,
            "after": after,
            "folders": folders,
            "reads": reads,
            "names": names,
            "query": {"ordner": ordner, "q": q[:200], "offen": offen},
            "may_publish": may_publish(request.user),
            "size_de": size_de,
        },
    )


async def _form(request: DocumentsRequest, form: dict[str, Any], errors: dict[str, str], status: int = 200) -> Template:
    async with request.app.state.db.read() as session:
        context = {
            "form": form,
            "errors": errors,
            "accept": ACCEPT,
            "max_mb": MAX_BYTES // (1024 * 1024),
            "folders": list(await session.scalars(select(DocumentFolder).order_by(DocumentFolder.name))),
            "groups": list(
                await session.scalars(
                    select(ComparisonGroup).where(ComparisonGroup.active).order_by(ComparisonGroup.name)
                )
            ),
            "territories": list(
                await session.scalars(
                    select(Territory).where(Territory.active).order_by(Territory.level, Territory.name)
                )
            ),
            "classes": list(await session.scalars(select(PermissionClass).order_by(PermissionClass.name))),
        }
    return Template("documents/form.html", status_code=status, context=context)


@get("/dokumente/neu", guards=PUBLISHERS, include_in_schema=False)
async def new_document_page(request: DocumentsRequest) -> Template:
    return await _form(request, {"groups": [], "territories": [], "classes": []}, {})


@post("/dokumente/neu", guards=PUBLISHERS, include_in_schema=False, status_code=200, request_max_body_size=BODY_LIMIT)
async def new_document(request: DocumentsRequest, data: Multipart) -> Template | Redirect:
    title, description, folder = form_field(data, "title"), form_field(data, "description"), form_field(data, "folder")
    circular, partners = form_field(data, "circular") == "1", form_field(data, "partners")
    groups, territories, classes = (
        form_field(data, "groups"),
        form_field(data, "territories"),
        form_field(data, "classes"),
    )
    form: dict[str, Any] = {
        "title": title,
        "description": description,
        "folder": folder,
        "circular": circular,
        "partners": partners,
        "groups": groups.split(","),
        "territories": territories.split(","),
        "classes": classes.split(","),
    }
    try:
        async with request.app.state.db.read() as session:
            audience = await parse_audience(session, partners, groups, territories, classes)
        received = await receive(request, data.get("file"))
        new = NewDocument(title, description, folder, circular, audience)
        async with request.app.state.db.transaction() as session:
            document, event = await publish(session, request.user, new, received, client_of(request))
    except UnreadableFile as exc:
        return await _form(request, form, {"file": str(exc)}, 400)
    except InvalidForm as exc:
        return await _form(request, form, exc.errors, 400)
    await request.app.state.events.publish(event)
    told = len(event.user_ids)
    flash(request, f"Dokument bereitgestellt; {told} Empfänger benachrichtigt.", category="success")
    return Redirect(f"/dokumente/{document.id}", status_code=303)


async def _document(request: DocumentsRequest, session: AsyncSession, document_id: int) -> Document:
    document = await visible_document(session, request.user, document_id)
    if document is None:
        raise NotFoundException("Dieses Dokument gibt es nicht oder Sie sehen es nicht.")
    return document


@get("/dokumente/{document_id:int}", include_in_schema=False)
async def document_page(request: DocumentsRequest, document_id: FromPath[int]) -> Template:
    return await _document_view(request, document_id, {})


async def _document_view(
    request: DocumentsRequest, document_id: int, errors: dict[str, str], status: int = 200
) -> Template:
    async with request.app.state.db.transaction() as session:
        document = await _document(request, session, document_id)
        await opened(session, request.user.user_id, document)
        versions = list(
            await session.scalars(
                select(DocumentVersion)
                .where(DocumentVersion.document_id == document.id)
                .order_by(DocumentVersion.version.desc())
            )
        )
        files = {
            f.id: f
            for f in await session.scalars(select(StoredFile).where(StoredFile.id.in_([v.file_id for v in versions])))
        }
        people = {v.by_id for v in versions} | {document.created_by_id}
        who = dict((await session.execute(select(User.id, User.display_name).where(User.id.in_(people)))).all())
        read = (await reads_of(session, request.user.user_id, [document.id])).get(document.id)
        audience = await audience_of(session, document.id)
        staff = not request.user.is_partner_user
        audience_people = await readers(session, document) if document.partner_id is None else []
        in_audience = any(r.user.id == request.user.user_id for r in audience_people)
        partner = await session.get(Partner, document.partner_id) if document.partner_id else None
        folder = await session.get(DocumentFolder, document.folder_id) if document.folder_id else None
        labels = await _audience_labels(session, audience) if staff else []
        changeable = await may_change(session, request.user, document)
    return Template(
        "documents/document.html",
        status_code=status,
        context={
            "document": document,
            "versions": versions,
            "files": files,
            "who": who,
            "read": read,
            "partner": partner,
            "folder": folder,
            "staff": staff,
            "audience": labels,
            "readers": audience_people if staff else [],
            "may_confirm": document.circular and in_audience,
            "may_change": changeable,
            "errors": errors,
            "accept": ACCEPT,
            "size_de": size_de,
        },
    )


async def _audience_labels(session: AsyncSession, audience: Any) -> list[str]:
    labels = []
    if audience.partners:
        rows = await session.execute(select(Partner.number, Partner.name).where(Partner.id.in_(audience.partners)))
        labels += [f"Partner {nr} {name}" for nr, name in sorted(rows.all())]
    if audience.groups:
        names = await session.scalars(select(ComparisonGroup.name).where(ComparisonGroup.id.in_(audience.groups)))
        labels += [f"Gruppe {n}" for n in sorted(names)]
    if audience.territories:
        names = await session.scalars(select(Territory.name).where(Territory.code.in_(audience.territories)))
        labels += [f"Gebiet {n}" for n in sorted(names)]
    if audience.classes:
        names = await session.scalars(select(PermissionClass.name).where(PermissionClass.key.in_(audience.classes)))
        labels += [f"Klasse {n}" for n in sorted(names)]
    return labels


@post("/dokumente/{document_id:int}/gelesen", include_in_schema=False, status_code=200)
async def confirm_read(request: DocumentsRequest, document_id: FromPath[int]) -> Redirect:
    async with request.app.state.db.transaction() as session:
        document = await _document(request, session, document_id)
        await opened(session, request.user.user_id, document, confirm=True)
    flash(request, "Kenntnisnahme bestätigt.", category="success")
    return Redirect(f"/dokumente/{document_id}", status_code=303)


@post(
    "/dokumente/{document_id:int}/fassung", include_in_schema=False, status_code=200, request_max_body_size=BODY_LIMIT
)
async def new_version(request: DocumentsRequest, document_id: FromPath[int], data: Multipart) -> Template | Redirect:
    async with request.app.state.db.read() as session:
        await _document(request, session, document_id)  # before the file is read: 404 for others
    try:
        received = await receive(request, data.get("file"))
        async with request.app.state.db.transaction() as session:
            document = await _document(request, session, document_id)
            event = await add_version(
                session, request.user, document, received, form_field(data, "note"), client_of(request)
            )
    except UnreadableFile as exc:
        return await _document_view(request, document_id, {"file": str(exc)}, 400)
    except InvalidForm as exc:
        return await _document_view(request, document_id, exc.errors, 400)
    await request.app.state.events.publish(event)
    flash(request, f"Fassung {event.version} abgelegt.", category="success")
    return Redirect(f"/dokumente/{document_id}", status_code=303)


@get("/dokumente/{document_id:int}/datei", include_in_schema=False)
async def document_file(
    request: DocumentsRequest, document_id: FromPath[int], fassung: FromQuery[str] = ""
) -> Response[bytes]:
    """The current version's file, or an earlier one (`fassung`); every download is in the audit log."""
    async with request.app.state.db.transaction() as session:
        document = await _document(request, session, document_id)
        return await file_of(session, request.user, document, form_number(fassung), client_of(request))


async def file_of(
    session: AsyncSession, principal: Principal, document: Document, version: int | None, client: str | None
) -> Response[bytes]:
    file_id = document.file_id
    if version is not None:
        found = await session.scalar(
            select(DocumentVersion.file_id).where(
                DocumentVersion.document_id == document.id, DocumentVersion.version == version
            )
        )
        if found is None:
            raise NotFoundException(f"Fassung {version} gibt es nicht.")
        file_id = found
    stored = await session.get(StoredFile, file_id)
    if stored is None:
        raise NotFoundException("Die Datei fehlt.")
    await opened(session, principal.user_id, document)
    record(
        session,
        principal.user_id,
        "document.downloaded",
        object_type="document",
        object_id=document.id,
        client=client,
        version=version or document.version,
        file=stored.filename,
    )
    return await download(session, stored)


ROUTES = [
    library,
    new_document_page,
    new_document,
    document_page,
    confirm_read,
    new_version,
    document_file,
]
