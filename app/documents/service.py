"""Publishing documents and new versions, finding them, reading and confirming circulars."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.audit import record
from app.auth.permissions import Principal
from app.auth.principals import territory_paths
from app.documents.audience import Audience, addressed, audience_of, may_publish_to, reached_users, visibility
from app.events import DocumentPublished
from app.files.store import Received, store
from app.models import (
    ComparisonGroup,
    Document,
    DocumentFolder,
    DocumentRead,
    DocumentVersion,
    Partner,
    PermissionClass,
    Territory,
    User,
    utcnow,
)
from app.network.colleagues import may_concern
from app.web.cursor import decode, encode
from app.web.forms import InvalidForm, checked_text

PAGE = 30


@dataclass(frozen=True)
class NewDocument:
    title: str
    description: str = ""
    folder: str = ""  # a folder's name; a new name makes the folder
    circular: bool = False
    audience: Audience = field(default_factory=Audience)
    exchange_partner_id: int | None = None  # set: into this partner's exchange folder


@dataclass(frozen=True)
class Query:
    folder_id: int | None = None
    words: str = ""
    unconfirmed: bool = False  # circulars the reader has not confirmed
    partner_id: int | None = None  # one partner's exchange folder


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]


async def parse_audience(session: AsyncSession, partners: str, groups: str, territories: str, classes: str) -> Audience:
    """The audience from comma-separated partner numbers, group ids, territory codes and class keys;
    InvalidForm names the field and the value it does not know."""
    errors: dict[str, str] = {}
    numbers = _list(partners)
    known = dict((await session.execute(select(Partner.number, Partner.id).where(Partner.active))).all())
    bad = [n for n in numbers if not (n.isascii() and n.isdigit() and int(n) in known)]
    if bad:
        errors["partners"] = f"Diese Partnernummern gibt es nicht: {', '.join(bad[:5])}."
    group_ids = set(await session.scalars(select(ComparisonGroup.id).where(ComparisonGroup.active)))
    wanted_groups = _list(groups)
    if bad := [g for g in wanted_groups if not (g.isascii() and g.isdigit() and int(g) in group_ids)]:
        errors["groups"] = f"Diese Vergleichsgruppen gibt es nicht: {', '.join(bad[:5])}."
    codes = set(await session.scalars(select(Territory.code).where(Territory.active)))
    wanted_codes = [t.upper() for t in _list(territories)]
    if bad := [t for t in wanted_codes if t not in codes]:
        errors["territories"] = f"Diese Gebiete gibt es nicht: {', '.join(bad[:5])}."
    keys = set(await session.scalars(select(PermissionClass.key)))
    wanted_classes = _list(classes)
    if bad := [c for c in wanted_classes if c not in keys]:
        errors["classes"] = f"Diese Berechtigungsklassen gibt es nicht: {', '.join(bad[:5])}."
    if errors:
        raise InvalidForm(errors)
    return Audience(
        partners=frozenset(known[int(n)] for n in numbers),
        groups=frozenset(int(g) for g in wanted_groups),
        territories=frozenset(wanted_codes),
        classes=frozenset(wanted_classes),
    )


def _checked(new: NewDocument) -> tuple[str, str]:
    errors: dict[str, str] = {}
    title = checked_text(errors, "title", new.title, 200, required=True) or ""
    description = checked_text(errors, "description", new.description, 5_000) or ""
    checked_text(errors, "folder", new.folder, 120)
    if errors:
        raise InvalidForm(errors)
    return title, description


def _search_text(document: Document, text: str) -> str:
    return " ".join([document.title, document.description, text]).casefold()


async def _folder(session: AsyncSession, name: str) -> int | None:
    name = name.strip()
    if not name:
        return None
    found = await session.scalar(select(DocumentFolder).where(DocumentFolder.name == name))
    if found is None:
        found = DocumentFolder(name=name)
        session.add(found)
        await session.flush()
    return found.id


async def publish(
    session: AsyncSession, principal: Principal, new: NewDocument, received: Received, client: str | None = None
) -> tuple[Document, DocumentPublished]:
    """A new document in the library or an exchange folder, in the caller's transaction."""
    title, description = _checked(new)
    if new.exchange_partner_id is not None:
        if not await may_concern(session, principal, new.exchange_partner_id):
            raise InvalidForm({"partner": "In diesen Austauschordner dürfen Sie nichts ablegen."})
        if new.circular or not new.audience.zentrale_only:
            raise InvalidForm({"audience": "Der Austauschordner gehört dem Partner; Empfänger gibt es dort nicht."})
    elif why := await may_publish_to(session, principal, new.audience):
        raise InvalidForm({"audience": why})
    if new.circular and new.audience.zentrale_only:
        raise InvalidForm({"audience": "Ein Rundschreiben braucht Empfänger."})
    stored = await store(session, received, principal.user_id)
    document = Document(
        folder_id=None if new.exchange_partner_id else await _folder(session, new.folder),
        partner_id=new.exchange_partner_id,
        title=title,
        description=description,
        circular=new.circular,
        file_id=stored.id,
        created_by_id=principal.user_id,
    )
    document.search = _search_text(document, received.text)
    session.add(document)
    await session.flush()
    session.add_all(new.audience.rows(document.id))
    session.add(DocumentVersion(document_id=document.id, version=1, file_id=stored.id, by_id=principal.user_id))
    record(
        session,
        principal.user_id,
        "document.published",
        object_type="document",
        object_id=document.id,
        client=client,
        title=title,
        file=stored.filename,
        circular=new.circular,
        partner=new.exchange_partner_id,
        audience={k: sorted(v) for k, v in vars(new.audience).items() if v},
    )
    return document, await _told(session, principal, document, new.audience)


async def add_version(
    session: AsyncSession,
    principal: Principal,
    document: Document,
    received: Received,
    note: str,
    client: str | None = None,
) -> DocumentPublished:
    errors: dict[str, str] = {}
    note = checked_text(errors, "note", note, 300) or ""
    if errors:
        raise InvalidForm(errors)
    if not await may_change(session, principal, document):
        raise InvalidForm({"file": "Von diesem Dokument dürfen Sie keine neue Fassung ablegen."})
    stored = await store(session, received, principal.user_id)
    document.version += 1
    document.file_id = stored.id
    document.updated_at = utcnow()
    document.search = _search_text(document, received.text)
    session.add(
        DocumentVersion(
            document_id=document.id, version=document.version, file_id=stored.id, note=note, by_id=principal.user_id
        )
    )
    record(
        session,
        principal.user_id,
        "document.version_added",
        object_type="document",
        object_id=document.id,
        client=client,
        version=document.version,
        file=stored.filename,
        note=note,
    )
    return await _told(session, principal, document, await audience_of(session, document.id))


async def may_change(session: AsyncSession, principal: Principal, document: Document) -> bool:
    """New versions: the exchange folder's people, or whoever may publish to the document's audience."""
    if document.partner_id is not None:
        return await may_concern(session, principal, document.partner_id)
    return await may_publish_to(session, principal, await audience_of(session, document.id)) is None


async def _told(
    session: AsyncSession, principal: Principal, document: Document, audience: Audience
) -> DocumentPublished:
    """Who hears of it: the audience; in an exchange folder the other side (the partner's users, or
    the Zentrale staff who manage its territory)."""
    if document.partner_id is None:
        people = [u.id for u in await reached_users(session, audience)]
    elif principal.is_partner_user:
        partner = await session.get(Partner, document.partner_id)
        path = (await territory_paths(session))[partner.territory_id] if partner else ()
        managers = await session.scalars(
            select(User).where(User.active, User.partner_id.is_(None)).options(selectinload(User.managed_territories))
        )
        people = [u.id for u in managers if any(t.code in path for t in u.managed_territories)]
    else:
        people = list(await session.scalars(select(User.id).where(User.partner_id == document.partner_id, User.active)))
    people = [p for p in people if p != principal.user_id]
    return DocumentPublished(
        document.id, document.title, document.circular, document.version, tuple(people), principal.display_name
    )


async def visible_document(session: AsyncSession, principal: Principal, document_id: int) -> Document | None:
    return await session.scalar(
        select(Document).where(Document.id == document_id, await visibility(session, principal))
    )


async def documents(
    session: AsyncSession, principal: Principal, query: Query, cursor: str | None, limit: int = PAGE
) -> tuple[list[Document], str | None]:
    """Newest change first (then id), by cursor; BadCursor for one that was not ours."""
    select_ = select(Document).where(await visibility(session, principal))
    if query.partner_id is not None:
        select_ = select_.where(Document.partner_id == query.partner_id)
    elif query.folder_id is not None:
        select_ = select_.where(Document.folder_id == query.folder_id, Document.partner_id.is_(None))
    for word in query.words.casefold().split()[:8]:
        select_ = select_.where(Document.search.contains(word, autoescape=True))
    if query.unconfirmed:
        confirmed = exists().where(
            DocumentRead.document_id == Document.id,
            DocumentRead.user_id == principal.user_id,
            DocumentRead.confirmed_version == Document.version,
        )
        select_ = select_.where(Document.circular, ~confirmed, await addressed(session, principal))
    if cursor:
        at, before = decode(cursor, 2)
        after = datetime.fromisoformat(str(at))
        select_ = select_.where(
            (Document.updated_at < after) | ((Document.updated_at == after) & (Document.id < int(str(before))))
        )
    rows = list(
        await session.scalars(select_.order_by(Document.updated_at.desc(), Document.id.desc()).limit(limit + 1))
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode(rows[-1].updated_at.isoformat(), rows[-1].id) if more else None


async def reads_of(session: AsyncSession, user_id: int, document_ids: list[int]) -> dict[int, DocumentRead]:
    rows = await session.scalars(
        select(DocumentRead).where(DocumentRead.user_id == user_id, DocumentRead.document_id.in_(document_ids))
    )
    return {r.document_id: r for r in rows}


async def opened(session: AsyncSession, user_id: int, document: Document, confirm: bool = False) -> None:
    """Note the reader's first opening (and, asked for, the confirmation of the current version)."""
    found = await session.scalar(
        select(DocumentRead).where(DocumentRead.document_id == document.id, DocumentRead.user_id == user_id)
    )
    if found is None:
        found = DocumentRead(document_id=document.id, user_id=user_id)
        try:
            async with session.begin_nested():
                session.add(found)
                await session.flush()
        except IntegrityError:  # opened in another tab at the same moment
            found = await session.scalar(
                select(DocumentRead).where(DocumentRead.document_id == document.id, DocumentRead.user_id == user_id)
            )
            if found is None:
                raise
    if confirm and found.confirmed_version != document.version:
        found.confirmed_version = document.version
        found.confirmed_at = utcnow()
        record(
            session,
            user_id,
            "document.confirmed",
            object_type="document",
            object_id=document.id,
            version=document.version,
        )


@dataclass(frozen=True)
class Reader:
    user: User
    opened_at: datetime | None
    confirmed: bool


async def readers(session: AsyncSession, document: Document) -> list[Reader]:
    """The audience of a circular with what each has done: opened, confirmed (the current version)."""
    people = await reached_users(session, await audience_of(session, document.id))
    reads = {
        r.user_id: r for r in await session.scalars(select(DocumentRead).where(DocumentRead.document_id == document.id))
    }
    return [
        Reader(
            u,
            reads[u.id].opened_at if u.id in reads else None,
            u.id in reads and reads[u.id].confirmed_version == document.version,
        )
        for u in people
    ]
