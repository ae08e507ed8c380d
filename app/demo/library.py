"""The demo network's document library: folders, circulars with their read confirmations (most
managing directors have confirmed, gf1001 not yet), a price list for everyone, the Zentrale's own
papers, and a signed contract in partner 1001's exchange folder."""

from __future__ import annotations

import hashlib
import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.pdf import simple_pdf
from app.files.text import text_of
from app.models import (
    ComparisonGroup,
    Document,
    DocumentAudience,
    DocumentFolder,
    DocumentRead,
    DocumentVersion,
    FileContent,
    Partner,
    StoredFile,
    User,
)

# title, folder, circular, audience (kind, ref) pairs, lines of the file, days ago
PAPERS = (
    (
        "Rundschreiben: Garantiebedingungen ab Januar",
        "Rundschreiben",
        True,
        (("class", "managing_director"),),
        [
            "Garantiebedingungen ab 1. Januar",
            "Ersatzteile: 24 Monate Gewährleistung statt 12.",
            "Anträge nur noch über das Portal.",
        ],
        12,
    ),
    (
        "Rundschreiben: Frühjahrsausstellung Süd",
        "Rundschreiben",
        True,
        (("territory", "SUED"),),
        [
            "Frühjahrsausstellung Süd",
            "Anmeldung bis Ende Januar bei der Gebietsleitung.",
            "Messestand und Vorführgeräte stellt die Zentrale.",
        ],
        5,
    ),
    (
        "Preisliste Ersatzteile 2027",
        "Preislisten",
        False,
        (("group", "Alle Partner"),),
        ["Preisliste Ersatzteile 2027", "Gültig ab 1. Januar; Preise in Euro ohne Umsatzsteuer."],
        20,
    ),
    (
        "Händlervertrag (Muster)",
        "Verträge und Formulare",
        False,
        (),
        ["Händlervertrag Muster", "Nur für die Zentrale: Vorlage mit Anlagen A bis D."],
        40,
    ),
)


def _file(session: AsyncSession, name: str, lines: list[str], by: User | None, at: datetime) -> StoredFile:
    content = simple_pdf(lines)
    digest = hashlib.sha256(content).hexdigest()
    session.add(FileContent(sha256=digest, content=content))
    return StoredFile(
        sha256=digest,
        filename=name,
        media_type="application/pdf",
        size=len(content),
        text=text_of(name, content),
        uploaded_by_id=by.id if by else None,
        uploaded_at=at,
    )


async def build_library(
    session: AsyncSession, network: list[Partner], users: dict[str, User], seed: int, today: date
) -> None:
    rng = random.Random(f"{seed}:library")
    author = users.get("vertrieb") or users["admin"]
    groups = dict((await session.execute(select(ComparisonGroup.name, ComparisonGroup.id))).all())
    folders: dict[str, DocumentFolder] = {}
    directors = [u for u in users.values() if u.partner_id and u.username.startswith("gf")]
    for title, folder_name, circular, audience, lines, days in PAPERS:
        at = datetime.combine(today - timedelta(days=days), time(10), UTC)
        folder = folders.get(folder_name)
        if folder is None:
            folder = folders[folder_name] = DocumentFolder(name=folder_name, created_at=at)
            session.add(folder)
        stored = _file(session, f"{title.split(':')[-1].strip()}.pdf", lines, author, at)
        session.add(stored)
        await session.flush()
        document = Document(
            folder_id=folder.id,
            title=title,
            circular=circular,
            file_id=stored.id,
            search=" ".join([title, stored.text]).casefold(),
            created_by_id=author.id,
            created_at=at,
            updated_at=at,
        )
        session.add(document)
        await session.flush()
        session.add(DocumentVersion(document_id=document.id, version=1, file_id=stored.id, by_id=author.id, at=at))
        for kind, ref in audience:
            session.add(DocumentAudience(document_id=document.id, kind=kind, ref=str(groups.get(ref, ref))))
        if circular and audience == (("class", "managing_director"),):
            for user in directors:
                if user.username in ("gf1001",) or rng.random() < 0.35:
                    continue  # has not confirmed yet
                read_at = at + timedelta(hours=rng.randint(1, 24 * days))
                session.add(
                    DocumentRead(
                        document_id=document.id,
                        user_id=user.id,
                        opened_at=read_at,
                        confirmed_version=1,
                        confirmed_at=read_at,
                    )
                )
    await _exchange(session, network, users, today)


async def _exchange(session: AsyncSession, network: list[Partner], users: dict[str, User], today: date) -> None:
    director = users.get("gf1001")
    if director is None or director.partner_id is None:
        return
    at = datetime.combine(today - timedelta(days=9), time(16), UTC)
    stored = _file(
        session,
        "Händlervertrag unterschrieben.pdf",
        ["Händlervertrag", "Unterschrieben von der Geschäftsführung."],
        director,
        at,
    )
    session.add(stored)
    await session.flush()
    document = Document(
        partner_id=director.partner_id,
        title="Händlervertrag, unterschrieben",
        file_id=stored.id,
        search="händlervertrag, unterschrieben " + stored.text.casefold(),
        created_by_id=director.id,
        created_at=at,
        updated_at=at,
    )
    session.add(document)
    await session.flush()
    session.add(DocumentVersion(document_id=document.id, version=1, file_id=stored.id, by_id=director.id, at=at))
