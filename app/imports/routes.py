"""`/import`: upload, dry run, import; `/erfassung/{nr}/vorlage/{jahr}`: the questionnaire template."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body, FromPath
from litestar.response import Template

from app.admin.common import may_administer
from app.audit import record
from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.benchmark.data import metric_info
from app.benchmark.live import publish_submission
from app.entry.routes import may_enter
from app.figures.access import partner_for
from app.figures.service import entered_metrics
from app.imports.figures_file import parse_figures
from app.imports.market import apply_market, check_market
from app.imports.reading import Cell, UnreadableFile
from app.imports.service import apply, dry_run, template
from app.imports.uploads import forget, keep, kept, read_upload
from app.web.forms import client_of

ImportRequest = Request[Principal, Any, State]
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
FIGURES, MARKET = "zahlen", "markt"
GUARD = [requires(may_enter)]


@get("/import", guards=GUARD, include_in_schema=False)
async def import_page(request: ImportRequest) -> Template:
    return Template("imports/upload.html", context={"error": None, "year": date.today().year})


async def _report(request: ImportRequest, kind: str, table: list[list[Cell]]) -> Any:
    state = request.app.state
    async with state.db.read() as session:
        if kind == MARKET:
            if not may_administer(request.user):
                raise PermissionDeniedException("Marktdaten importiert die Administration der Zentrale.")
            return await check_market(session, table)
        parsed = parse_figures(table, await entered_metrics(session))
        return await dry_run(session, request.user, parsed, date.today(), state.settings.correction_months)


@post("/import/pruefen", guards=GUARD, include_in_schema=False, status_code=200)
async def import_check(
    request: ImportRequest, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
) -> Template:
    kind = MARKET if data.get("art") == MARKET else FIGURES
    try:
        filename, _, table = await read_upload(request, data.get("datei"), MAX_UPLOAD_BYTES)
        report = await _report(request, kind, table)
    except UnreadableFile as exc:
        return Template("imports/upload.html", status_code=400, context={"error": str(exc), "year": date.today().year})
    keep(request, "import", table, filename=filename, kind=kind)
    return Template("imports/report.html", context={"report": report, "filename": filename, "done": None})


@post("/import/uebernehmen", guards=GUARD, include_in_schema=False, status_code=200)
async def import_apply(request: ImportRequest) -> Template:
    found = kept(request, "import")
    if found is None:
        return Template(
            "imports/upload.html",
            status_code=400,
            context={
                "error": "Die geprüfte Datei liegt nicht mehr vor; bitte erneut hochladen.",
                "year": date.today().year,
            },
        )
    table, pending = found
    filename = str(pending["filename"])
    kind = str(pending.get("kind", FIGURES))
    report = await _report(request, kind, table)
    if not report.importable:
        return Template(
            "imports/report.html", status_code=400, context={"report": report, "filename": filename, "done": None}
        )
    state = request.app.state
    if kind == MARKET:
        async with state.db.transaction() as session:
            changed_values = await apply_market(session, report, f"Import {filename}"[:120])
            record(
                session,
                request.user.user_id,
                "market.imported",
                object_type="file",
                object_id=filename[:60],
                client=client_of(request),
                rows=len(report.rows),
                values_changed=changed_values,
            )
        forget(request, "import")
        return Template("imports/report.html", context={"report": report, "filename": filename, "done": changed_values})
    async with state.db.transaction() as session:
        changed = await apply(session, request.user, report.parsed, date.today(), state.settings.correction_months)
        metrics = await metric_info(session)  # once for all the months' live updates
        record(
            session,
            request.user.user_id,
            "figures.imported",
            object_type="file",
            object_id=filename[:60],
            client=client_of(request),
            rows=len(report.parsed.rows),
            months_changed=len(changed),
        )
    forget(request, "import")
    for partner_id, month in changed:
        await publish_submission(state, partner_id, month, metrics)
    return Template("imports/report.html", context={"report": report, "filename": filename, "done": len(changed)})


@get("/erfassung/{partner_no:int}/vorlage/{year:int}", guards=GUARD, include_in_schema=False)
async def download_template(request: ImportRequest, partner_no: FromPath[int], year: FromPath[int]) -> Response[bytes]:
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, partner_no, Action.ENTER)
        content = await template(session, partner, year)
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="betriebsvergleich-{partner_no}-{year}.xlsx"'},
    )


ROUTES = [import_page, import_check, import_apply, download_template]
