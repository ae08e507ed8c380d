"""Taking an upload in (read, checked, its text found) and handing a stored file out again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import State, UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from app.files.checks import MAX_BYTES, checked_type, clean_name
from app.files.text import text_of
from app.imports.reading import UnreadableFile
from app.imports.uploads import parser_of
from app.models import FileContent, StoredFile


@dataclass(frozen=True)
class Received:
    filename: str
    media_type: str
    content: bytes
    text: str


async def receive(request: Request[Any, Any, State], upload: object) -> Received:
    """The checked upload with its text; UnreadableFile says in German why it is refused."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UnreadableFile("Bitte eine Datei auswählen.")
    content = await upload.read(MAX_BYTES + 1)
    filename = clean_name(upload.filename)
    kind = checked_type(filename, content)
    text = await parser_of(request).run(text_of, filename, content)
    return Received(filename, kind.media_type, content, text)


async def store(session: AsyncSession, received: Received, by_id: int | None) -> StoredFile:
    """The file's row (its bytes kept once per content), in the caller's transaction."""
    digest = hashlib.sha256(received.content).hexdigest()
    if await session.get(FileContent, digest) is None:
        session.add(FileContent(sha256=digest, content=received.content))
    stored = StoredFile(
        sha256=digest,
        filename=received.filename,
        media_type=received.media_type,
        size=len(received.content),
        text=received.text,
        uploaded_by_id=by_id,
    )
    session.add(stored)
    await session.flush()
    return stored


async def download(session: AsyncSession, stored: StoredFile) -> Response[bytes]:
    """The file as an attachment: the browser saves it, never renders it in the portal's origin."""
    content = await session.get(FileContent, stored.sha256)
    ascii_name = stored.filename.encode("ascii", "replace").decode().replace('"', "'").replace("?", "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.filename)}"
    return Response(
        content.content if content else b"",
        media_type=stored.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "private, no-store"},
    )


def size_de(size: int) -> str:
    """„12 KB“, „3,4 MB“."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
