"""`/admin/lieferantendaten`: upload the supplier's exports (dry run, then import), the runs with their
reports, and the column mappings saved per source system."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.admin.common import ADMIN_ONLY
from app.audit import record
from app.auth.permissions import Principal
from app.imports.reading import UnreadableFile
from app.imports.uploads import forget, keep, kept, read_upload
from app.models import ImportSource, SupplierImportRun, utcnow
from app.supplier.api import MAX_BYTES
from app.supplier.records import KINDS, Problem
from app.supplier.service import Origin, RunResult, run_import
from app.web.forms import FormBody, InvalidForm, client_of, raw, text

SupplierRequest = Request[Principal, Any, State]
PAGE = "/admin/lieferantendaten"


async def _page(request: SupplierRequest, error: str | None = None, status_code: int = 200) -> Template:
    async with request.app.state.db.read() as session:
        runs = list(await session.scalars(select(SupplierImportRun).order_by(SupplierImportRun.id.desc()).limit(50)))
        sources = list(await session.scalars(select(ImportSource).order_by(ImportSource.kind, ImportSource.name)))
    return Template(
        "supplier/index.html",
        status_code=status_code,
        context={"runs": runs, "sources": sources, "kinds": KINDS, "error": error},
    )


@get(PAGE, guards=ADMIN_ONLY, include_in_schema=False)
async def supplier_page(request: SupplierRequest) -> Template:
    return await _page(request)


def _report(result: RunResult, filename: str, *, done: bool, status_code: int = 200) -> Template:
    return Template(
        "supplier/report.html",
        status_code=status_code,
        context={"result": result, "filename": filename, "done": done, "title": KINDS[result.kind].title},
    )


@post(
    f"{PAGE}/pruefen",
    guards=ADMIN_ONLY,
    include_in_schema=False,
    status_code=200,
    request_max_body_size=MAX_BYTES + 1024 * 1024,  # Litestar allows 10 MB by default
)
async def supplier_check(
    request: SupplierRequest, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
) -> Template:
    kind, source = str(data.get("art", "")), str(data.get("quelle", "") or "") or None
    if kind not in KINDS:
        return await _page(request, "Bitte die Art der Daten wählen.", 400)
    try:
        filename, content, table = await read_upload(request, data.get("datei"), MAX_BYTES)
    except UnreadableFile as exc:
        return await _page(request, str(exc), 400)
    digest = hashlib.sha256(content).hexdigest()
    origin = Origin("upload", filename, digest, request.user.user_id, client_of(request))
    async with request.app.state.db.transaction() as session:
        result = await run_import(session, kind, table, origin, dry_run=True, source=source)
    keep(request, "supplier_import", table, filename=filename, kind=kind, source=source, sha256=digest)
    return _report(result, filename, done=False)


@post(f"{PAGE}/uebernehmen", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def supplier_apply(request: SupplierRequest) -> Template:
    found = kept(request, "supplier_import")
    if found is None:
        return await _page(request, "Die geprüfte Datei liegt nicht mehr vor; bitte erneut hochladen.", 400)
    table, pending = found
    filename = str(pending["filename"])
    origin = Origin("upload", filename, str(pending["sha256"]), request.user.user_id, client_of(request))
    async with request.app.state.db.transaction() as session:
        result = await run_import(
            session, str(pending["kind"]), table, origin, dry_run=False, source=pending.get("source")
        )
    if result.errors:
        return _report(result, filename, done=False, status_code=400)
    forget(request, "supplier_import")
    return _report(result, filename, done=True)


@get(f"{PAGE}/laeufe/{{run_id:int}}", guards=ADMIN_ONLY, include_in_schema=False)
async def supplier_run(request: SupplierRequest, run_id: FromPath[int]) -> Template:
    async with request.app.state.db.read() as session:
        run = await session.get(SupplierImportRun, run_id)
    if run is None:
        raise NotFoundException("Diesen Importlauf gibt es nicht.")
    result = RunResult(run.kind, run.rows_ok, run.changes, [Problem(**e) for e in run.errors], run.dry_run, run.id)
    return Template(
        "supplier/report.html",
        context={"result": result, "filename": run.file_name, "done": None, "title": KINDS[run.kind].title, "run": run},
    )


@post(f"{PAGE}/quellen", guards=ADMIN_ONLY, include_in_schema=False, status_code=200)
async def save_source(request: SupplierRequest, data: FormBody) -> Template | Redirect:
    """Save a source system's column mapping: per field the header its exports use (empty: the default)."""
    try:
        kind, name = raw(data, "art"), text(data, "name", 80)
        if kind not in KINDS:
            raise InvalidForm({"art": "Bitte die Art der Daten wählen."})
        if not name:
            raise InvalidForm({"name": "Bitte die Quelle benennen (z. B. „SAP FI“)."})
        mapping = {f.name: header for f in KINDS[kind].fields if (header := text(data, f"feld_{f.name}", 80))}
    except InvalidForm as exc:
        return await _page(request, str(exc), 400)
    async with request.app.state.db.transaction() as session:
        source = await session.scalar(select(ImportSource).where(ImportSource.kind == kind, ImportSource.name == name))
        if source is None:
            source = ImportSource(kind=kind, name=name)
            session.add(source)
        source.mapping, source.changed_at = mapping, utcnow()
        record(
            session,
            request.user.user_id,
            "supplier.mapping_saved",
            object_type="import_source",
            object_id=name,
            client=client_of(request),
            kind=kind,
            mapping=mapping,
        )
    flash(request, f"Zuordnung für „{name}“ gespeichert.", category="success")
    return Redirect(PAGE, status_code=303)


ROUTES = [supplier_page, supplier_check, supplier_apply, supplier_run, save_source]
