"""`POST /api/v1/imports/{kind}`: the supplier's systems push their exports (administration's token)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from litestar import Request, Response, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery

from app.admin.common import ADMIN_ONLY
from app.auth.permissions import Principal
from app.imports.reading import UnreadableFile
from app.imports.uploads import read_upload
from app.supplier.records import KINDS
from app.supplier.service import Origin, run_import
from app.web.api_input import InvalidInput
from app.web.forms import client_of

MAX_BYTES = 20 * 1024 * 1024
ImportRequest = Request[Principal, Any, State]


@post(
    "/api/v1/imports/{kind:str}",
    guards=ADMIN_ONLY,
    tags=["Lieferantendaten"],
    status_code=200,
    request_max_body_size=MAX_BYTES + 1024 * 1024,  # Litestar allows 10 MB by default
)
async def push_import(
    request: ImportRequest,
    kind: FromPath[str],
    data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)],
    dry_run: FromQuery[int] = 0,
    source: FromQuery[str | None] = None,
) -> Response[dict[str, Any]]:
    """Open items, warranty claims or purchases as CSV (`;`) or XLSX in the multipart field `file`.

    Answers `{"rows_ok", "errors": [{"row", "column", "message"}], "changes"}`: 200 when the file
    is fine (stored unless `dry_run=1`), 422 when it is refused, and then nothing is stored."""
    if kind not in KINDS:
        raise NotFoundException(f"Importart „{kind}“ gibt es nicht ({', '.join(KINDS)}).")
    try:
        filename, content, table = await read_upload(request, data.get("file"), MAX_BYTES)
    except UnreadableFile as exc:
        raise InvalidInput(str(exc), extra=[{"key": "file", "message": str(exc)}]) from exc
    digest = hashlib.sha256(content).hexdigest()
    origin = Origin("api", filename, digest, request.user.user_id, client_of(request))
    async with request.app.state.db.transaction() as session:
        result = await run_import(session, kind, table, origin, dry_run=bool(dry_run), source=source)
    body = result.as_json()
    if result.errors:
        return Response({"detail": "Die Datei wurde abgelehnt; nichts wurde gespeichert.", **body}, status_code=422)
    return Response(body, status_code=200)


ROUTES = [push_import]
