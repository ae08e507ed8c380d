"""An uploaded spreadsheet between its dry run and its import: read once (in the upload worker,
app.imports.parsing), its checked rows kept under a token in the session, so that the confirm
step imports exactly what was checked without parsing the file a second time."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

from litestar import Request
from litestar.datastructures import State, UploadFile

from app.imports.parsing import Parser
from app.imports.reading import Cell, UnreadableFile, check_archive, rows_from_json, rows_to_json

AnyRequest = Request[Any, Any, State]


def _folder(request: AnyRequest) -> Path:
    folder: Path = request.app.state.settings.var_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def parser_of(request: AnyRequest) -> Parser:
    parser: Parser = request.app.state.setdefault("upload_parser", Parser())
    return parser


async def read_upload(request: AnyRequest, upload: object, max_bytes: int) -> tuple[str, bytes, list[list[Cell]]]:
    """The file's name, bytes and rows; UnreadableFile says in German why not (none, too big, broken)."""
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UnreadableFile("Bitte eine Datei auswählen.")
    content = await upload.read()
    if len(content) > max_bytes:
        raise UnreadableFile(f"Die Datei ist größer als {max_bytes // (1024 * 1024)} MB.")
    if upload.filename.lower().endswith(".xlsx"):
        check_archive(content)  # a zip bomb is refused in milliseconds, before any worker is asked
    return upload.filename, content, await parser_of(request).table(upload.filename, content)


def keep(request: AnyRequest, key: str, table: list[list[Cell]], **meta: Any) -> None:
    """Keep the checked rows for the confirm step (`meta`: what else that step needs)."""
    token = secrets.token_urlsafe(16)
    (_folder(request) / token).write_text(json.dumps(rows_to_json(table)))
    request.session[key] = {"token": token, **meta}


def kept(request: AnyRequest, key: str) -> tuple[list[list[Cell]], dict[str, Any]] | None:
    """The rows kept under `key` and their meta data, or None if there are none (any more)."""
    pending = request.session.get(key) or {}
    path = _folder(request) / str(pending.get("token", "-"))
    if not pending or not path.exists():
        return None
    return rows_from_json(json.loads(path.read_text())), pending


def forget(request: AnyRequest, key: str) -> None:
    pending = request.session.pop(key, None) or {}
    (_folder(request) / str(pending.get("token", "-"))).unlink(missing_ok=True)
