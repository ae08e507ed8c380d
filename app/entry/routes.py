"""`/erfassung`: the monthly entry form (the accountant's only page)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.benchmark.data import metric_info
from app.benchmark.live import engine_of, publish_submission
from app.entry.form import entry_sections, parse_entry, preview_kpis
from app.figures.access import entering_allowed, partner_for
from app.figures.service import InvalidFigures, NeedsConfirmation, store_month
from app.models import Metric
from app.network.visibility import visible_partners
from app.web.forms import FormBody
from app.web.templating import count_de, month_de
from kpi.months import add_months, format_month, month_of, months_back, parse_month

EntryRequest = Request[Principal, Any, State]


def may_enter(principal: Principal) -> bool:
    return principal.may(Action.ENTER)


def enters_only(principal: Principal) -> bool:
    """Whoever may only enter figures (the accountant) has one page: the entry form."""
    return may_enter(principal) and not (principal.may(Action.VIEW) or principal.may(Action.BENCHMARK))


def _month(period: str) -> date:
    try:
        return parse_month(period)
    except ValueError as exc:
        raise NotFoundException(str(exc)) from exc


@get("/erfassung", guards=[requires(may_enter)], include_in_schema=False)
async def entry_start(request: EntryRequest) -> Template | Redirect:
    this_month = format_month(month_of(date.today()))
    if request.user.partner_number is not None:
        return Redirect(f"/erfassung/{request.user.partner_number}/{this_month}")
    async with request.app.state.db.read() as session:
        partners = await visible_partners(session, request.user, Action.ENTER)
    return Template("entry/choose.html", context={"partners": partners, "month": this_month})


async def _page(
    request: EntryRequest,
    partner_no: int,
    period: str,
    *,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    warnings: dict[str, str] | None = None,
    status_code: int = 200,
) -> Template:
    month = _month(period)
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, partner_no, Action.ENTER)
        sections = await entry_sections(session, partner, month, typed)
    months = [format_month(m) for m in months_back(month_of(date.today()), 13)][::-1]
    return Template(
        "entry/form.html",
        status_code=status_code,
        context={
            "partner": partner,
            "month": month,
            "period": period,
            "sections": sections,
            "errors": errors or {},
            "warnings": warnings or {},
            "months": months,
            "locked": locked_because(month, date.today(), request.app.state.settings.correction_months),
        },
    )


def locked_because(month: date, today: date, correction_months: int | None) -> str | None:
    """Why a month's form is read-only: in the future, or closed for corrections; None if open."""
    if month > month_of(today):
        return f"{month_de(month)} liegt in der Zukunft; erfassen lässt sich bis {month_de(month_of(today))}."
    if correction_months is not None and month < add_months(month_of(today), -correction_months):
        return (
            f"{month_de(month)} ist abgeschlossen: Korrekturen sind nur für die letzten "
            f"{correction_months} Monate möglich. Die Werte stehen hier zum Nachsehen."
        )
    return None


@get("/erfassung/{partner_no:int}/{period:str}", guards=[requires(may_enter)], include_in_schema=False)
async def entry_page(request: EntryRequest, partner_no: FromPath[int], period: FromPath[str]) -> Template:
    return await _page(request, partner_no, period)


async def _entered_keys(request: EntryRequest) -> list[str]:
    async with request.app.state.db.read() as session:
        return list(await session.scalars(select(Metric.key).where(Metric.kind == "entered", Metric.active)))


@post(
    "/erfassung/{partner_no:int}/{period:str}", guards=[requires(may_enter)], include_in_schema=False, status_code=200
)
async def entry_submit(
    request: EntryRequest, partner_no: FromPath[int], period: FromPath[str], data: FormBody
) -> Template | Redirect:
    month = _month(period)
    keys = await _entered_keys(request)
    values, problems = parse_entry(data, keys)
    typed = {key: str(data.get(key, ""))[:40] for key in keys}
    if not values and not problems:
        return await _page(
            request,
            partner_no,
            period,
            typed=typed,
            errors={"": "Bitte mindestens einen Wert eintragen."},
            status_code=400,
        )
    if not problems:
        try:
            async with request.app.state.db.transaction() as session:
                partner = await partner_for(session, request.user, partner_no, Action.ENTER)
                metrics = await metric_info(session)  # read once: for storing, and for the live update
                stored = await store_month(
                    session,
                    partner,
                    month,
                    values,
                    by_user_id=request.user.user_id,
                    source="form",
                    today=date.today(),
                    correction_months=request.app.state.settings.correction_months,
                    confirmed=data.get("bestaetigt") == "1",
                    domains=await entering_allowed(session, request.user, partner),
                    metrics=metrics,
                )
        except InvalidFigures as exc:
            problems = exc.errors
        except NeedsConfirmation as exc:
            return await _page(
                request,
                partner_no,
                period,
                typed=typed,
                status_code=200,  # a question, not a failure: the same form asks to confirm
                warnings={w.field: w.message for w in exc.warnings},
            )
    if problems:
        return await _page(
            request, partner_no, period, typed=typed, errors={e.field: e.message for e in problems}, status_code=400
        )
    await publish_submission(request.app.state, partner.id, month, metrics)
    flash(
        request,
        f"{month_de(month)} gespeichert und als gemeldet markiert: "
        f"{count_de(len(stored.changed), 'Wert', 'Werte')} geändert.",
        category="success",
    )
    return Redirect(f"/erfassung/{partner_no}/{period}", status_code=303)


@post(
    "/erfassung/{partner_no:int}/{period:str}/vorschau",
    guards=[requires(may_enter)],
    include_in_schema=False,
    status_code=200,
)
async def entry_preview(
    request: EntryRequest, partner_no: FromPath[int], period: FromPath[str], data: FormBody
) -> Template:
    """The derived KPIs as they would be with what is typed so far (HTMX, while typing)."""
    month = _month(period)
    keys = await _entered_keys(request)
    values, problems = parse_entry(data, keys)
    engine = await engine_of(request.app.state)
    async with request.app.state.db.read() as session:
        partner = await partner_for(session, request.user, partner_no, Action.ENTER)
        kpis = await preview_kpis(session, engine, partner, month, values)
    return Template("entry/_preview.html", context={"kpis": kpis, "problems": problems})


ROUTES = [entry_start, entry_page, entry_submit, entry_preview]
