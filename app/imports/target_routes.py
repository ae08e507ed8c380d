"""`/zentrale/ziele/import`: targets for the whole network from a spreadsheet (dry run, then all or nothing)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template

from app.audit import record
from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.benchmark.live import engine_of
from app.imports.reading import Cell, UnreadableFile
from app.imports.routes import MAX_UPLOAD_BYTES
from app.imports.targets_file import TargetReport, apply_targets, check_targets, targets_workbook
from app.imports.uploads import forget, keep, kept, read_upload
from app.network.visibility import visible_partners
from app.targets.routes import may_plan
from app.web.forms import client_of

TargetsRequest = Request[Principal, Any, State]
GUARD = [requires(may_plan)]
PAGE = "/zentrale/ziele/import"


def _page(error: str | None, status_code: int = 200) -> Template:
    return Template(
        "imports/targets.html", status_code=status_code, context={"error": error, "year": date.today().year}
    )


async def _check(request: TargetsRequest, table: list[list[Cell]]) -> TargetReport:
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        return await check_targets(session, engine, request.user, table, date.today())


def _report(report: TargetReport, filename: str, done: int | None, status_code: int = 200) -> Template:
    return Template(
        "imports/report.html",
        status_code=status_code,
        context={
            "report": report,
            "filename": filename,
            "done": done,
            "confirm_url": f"{PAGE}/uebernehmen",
            "again_url": PAGE,
            "unit": "Ziel(e)",
        },
    )


@get(PAGE, guards=GUARD, include_in_schema=False)
async def targets_import_page(request: TargetsRequest) -> Template:
    return _page(None)


@get("/zentrale/ziele/vorlage/{year:int}", guards=GUARD, include_in_schema=False)
async def targets_template(request: TargetsRequest, year: FromPath[int]) -> Response[bytes]:
    """The year's targets of every partner the user may plan for, as the import file expects them."""
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        partners = await visible_partners(session, request.user, Action.PLAN)
        content = await targets_workbook(session, engine, partners, year)
    return Response(
        content,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="ziele-{year}.xlsx"'},
    )


@post(f"{PAGE}/pruefen", guards=GUARD, include_in_schema=False, status_code=200)
async def targets_import_check(
    request: TargetsRequest, data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
) -> Template:
    try:
        filename, _, table = await read_upload(request, data.get("datei"), MAX_UPLOAD_BYTES)
    except UnreadableFile as exc:
        return _page(str(exc), 400)
    report = await _check(request, table)
    keep(request, "targets_import", table, filename=filename)
    return _report(report, filename, None)


@post(f"{PAGE}/uebernehmen", guards=GUARD, include_in_schema=False, status_code=200)
async def targets_import_apply(request: TargetsRequest) -> Template:
    found = kept(request, "targets_import")
    if found is None:
        return _page("Die geprüfte Datei liegt nicht mehr vor; bitte erneut hochladen.", 400)
    table, pending = found
    filename = str(pending["filename"])
    report = await _check(request, table)  # checked again: rights or partners may have changed meanwhile
    if not report.importable:
        return _report(report, filename, None, 400)
    engine = await engine_of(request.app.state)
    async with request.app.state.db.transaction() as session:
        proposed = await apply_targets(session, engine, request.user, report, f"Import {filename}"[:400])
        changed = sum(p.changed for p in proposed)
        record(
            session,
            request.user.user_id,
            "targets.imported",
            object_type="file",
            object_id=filename[:60],
            client=client_of(request),
            rows=len(report.rows),
            plans_changed=changed,
        )
    forget(request, "targets_import")
    for event in proposed:
        await request.app.state.events.publish(event)
    return _report(report, filename, changed)


ROUTES = [targets_import_page, targets_template, targets_import_check, targets_import_apply]
