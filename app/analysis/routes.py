"""`/analyse`: the KPI overview of the own business against a comparison group, live and exportable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from app.analysis.chart_parts import Chart, Inputs
from app.analysis.chart_specs import SPEC_BY_ID, TOPICS, Spec, build_chart, shown_specs
from app.analysis.kpi_charts import position, trend
from app.analysis.status import reporting_status
from app.analysis.subject import OutOfScope, pickable, subject_of
from app.analysis.summary import summary
from app.analysis.table import HEADERS, export_rows, rows_of
from app.analysis.trend import course
from app.analysis.views import SPAN_BUTTONS, ChartView, parse_views
from app.auth.middleware import requires
from app.auth.permissions import Action, Principal
from app.benchmark.data import metric_info
from app.benchmark.view import FuturePeriod, benchmark_for, sees_values_of
from app.chat.access import may_chat
from app.models import Partner
from app.network.groups import groups_of_partner
from app.network.visibility import visible_groups
from app.web.spreadsheets import append_row, csv_bytes, new_workbook, xlsx_bytes
from kpi.months import add_months, format_month, month_of, months_back, parse_month
from kpi.periods import CALENDAR, SPAN_LABELS, Span, is_complete, last_complete, prior_year, span_months
from kpi.variants import BASIS_LABELS, Basis

AnalysisRequest = Request[Principal, Any, State]


def may_analyse(principal: Principal) -> bool:
    return principal.may(Action.BENCHMARK) if principal.is_partner_user else principal.may(Action.VIEW)


GUARD = [requires(may_analyse)]


@dataclass(frozen=True)
class Selection:
    """What the page's filters chose: group, period, span, and for Zentrale staff the partner."""

    groups: list[Any]
    group: int
    month: date
    span: Span
    subject: Partner | None


async def _selection(
    request: AnalysisRequest, gruppe: int | None, monat: str, spanne: str, partner: int | None = None
) -> Selection:
    async with request.app.state.db.read() as session:
        try:
            subject = await subject_of(session, request.user, partner)
        except OutOfScope as exc:
            raise PermissionDeniedException(str(exc)) from exc
        groups = [g for g, _ in await visible_groups(session, request.user)]
        if subject is not None:  # the chosen partner's groups
            theirs = {g.id for g, _ in await groups_of_partner(session, subject.id)}
            groups = [g for g in groups if g.id in theirs]
    if not groups:
        raise NotFoundException("Sie sind in keiner Vergleichsgruppe.")
    group = gruppe if gruppe in {g.id for g in groups} else groups[0].id
    span = Span(spanne) if spanne in {s.value for s in Span} else Span.MONTH
    try:
        month = parse_month(monat) if monat else last_complete(span, date.today())
    except ValueError:
        month = last_complete(span, date.today())
    return Selection(groups, group, month, span, subject)


async def _rows(
    request: AnalysisRequest, chosen: Selection, month: date, span: Span, *, variants: bool = False
) -> tuple[dict[str, Any], list[Any]]:
    try:
        benchmark = await benchmark_for(
            request.app.state, request.user, chosen.group, month, span, variants=variants, subject=chosen.subject
        )
    except FuturePeriod as exc:
        raise NotFoundException(str(exc)) from exc
    async with request.app.state.db.read() as session:
        metrics = await metric_info(session)
    return benchmark, rows_of(benchmark, metrics)


class ChartSource:
    """Builds charts for one group and month, each in its own view; figures are fetched once per span."""

    def __init__(
        self, request: AnalysisRequest, chosen: Selection, month: date, status: list[tuple[str, int, int]]
    ) -> None:
        self.request, self.chosen, self.month, self.status = request, chosen, month, status
        self.has_subject = request.user.is_partner_user or chosen.subject is not None
        self._fetched: dict[tuple[date, Span], tuple[dict[str, Any], list[Any]]] = {}

    async def figures(self, month: date, span: Span) -> tuple[dict[str, Any], list[Any]]:
        if (month, span) not in self._fetched:
            self._fetched[month, span] = await _rows(self.request, self.chosen, month, span, variants=True)
        return self._fetched[month, span]

    async def chart(self, spec: Spec, view: ChartView) -> Chart | None:
        benchmark, rows = await self.figures(self.month, view.span)
        prior = (await self.figures(prior_year(self.month), view.span))[1] if view.prior else None
        return build_chart(spec, Inputs(rows, benchmark, prior, self.status, self.has_subject), view)


def _view(spec: Spec, views: dict[str, ChartView], span: Span) -> ChartView:
    """The chart's chosen view, limited to the switches it has; otherwise the page's span."""
    chosen = views.get(spec.id, ChartView(span))
    switches = spec.switches
    return ChartView(
        chosen.span if switches.spans else span,
        chosen.basis if chosen.basis in switches.bases else Basis.ABSOLUTE,
        chosen.prior and switches.prior,
    )


def period_choices(span: Span, chosen: date) -> list[tuple[str, str]]:
    """The periods to pick, newest first: months, or for a calendar quarter, half or year the
    last month of each complete one (the newest complete one first), and the chosen one."""
    today = date.today()
    choices = [m for m in months_back(add_months(month_of(today), -1), 36)][::-1]
    if span in CALENDAR:
        choices = [m for m in choices if m == span_months(span, m)[-1] and is_complete(span, m, today)]
    if chosen not in choices:
        choices = sorted({*choices, chosen}, reverse=True)
    return [(format_month(m), _period_label(span, m)) for m in choices]


def _period_label(span: Span, month: date) -> str:
    if span is Span.QUARTER:
        return f"Q{(month.month - 1) // 3 + 1}/{month.year}"
    if span is Span.HALF:
        return f"H{(month.month - 1) // 6 + 1}/{month.year}"
    if span is Span.YEAR:
        return str(month.year)
    return f"{month:%m/%Y}"


@get("/analyse", guards=GUARD, include_in_schema=False)
async def analysis_page(
    request: AnalysisRequest,
    gruppe: FromQuery[int | None] = None,
    monat: FromQuery[str] = "",
    spanne: FromQuery[str] = "",
    ansicht: FromQuery[list[str] | None] = None,
    partner: FromQuery[int | None] = None,
) -> Template:
    chosen = await _selection(request, gruppe, monat, spanne, partner)
    groups, group, month, span = chosen.groups, chosen.group, chosen.month, chosen.span
    unfinished = None
    if not is_complete(span, month, date.today()):
        # A quarter, half or year still running has no group figures yet: show the last complete one.
        shown = last_complete(span, date.today())
        unfinished = (
            f"{_period_label(span, month)} ist noch nicht abgeschlossen; gezeigt wird {_period_label(span, shown)}."
        )
        month = shown
    async with request.app.state.db.read() as session:
        status = await reporting_status(session, group, month_of(date.today()))
        partners = await pickable(session, request.user)  # the partner choice: on the page only
    source = ChartSource(request, chosen, month, status)
    benchmark, all_rows = await source.figures(month, span)
    rows = [r for r in all_rows if "variant_of" not in benchmark["kpis"][r.key]]
    views = parse_views(ansicht or [])
    charts = {
        spec.id: chart
        for spec in shown_specs(rows, benchmark)
        if (chart := await source.chart(spec, _view(spec, views, span))) is not None
    }
    topics = [(slug, title, [charts[c] for c in ids if c in charts]) for slug, title, ids in TOPICS]
    context = {
        "groups": groups,
        "group": group,
        "month": month,
        "period": format_month(month),
        "span": span,
        "spans": SPAN_LABELS,
        "span_buttons": SPAN_BUTTONS,
        "basis_labels": BASIS_LABELS,
        "months": period_choices(span, month),
        "benchmark": benchmark,
        "rows": rows,
        "topics": [topic for topic in topics if topic[2] or topic[0] == "ueberblick"],
        "summary": summary(rows, source.has_subject),
        # The course the page opens with: total revenue, or the first KPI this user sees.
        "course_key": "revenue_total" if any(r.key == "revenue_total" for r in rows) else (rows[0].key if rows else ""),
        "may_share": may_chat(request.user),
        # A shared link to a group this user does not see opens the user's own group instead.
        "foreign_group": gruppe is not None and gruppe != group,
        "unfinished": unfinished,
        "subject": chosen.subject,
        "partners": partners,
        "query": _query(chosen, month, span),
    }
    partial = request.headers.get("hx-request") and request.headers.get("hx-target") == "analysis"
    return Template("analysis/_content.html" if partial else "analysis/page.html", context=context)


@get("/analyse/diagramm/{chart_id:str}", guards=GUARD, include_in_schema=False)
async def analysis_chart(
    request: AnalysisRequest,
    chart_id: FromPath[str],
    gruppe: FromQuery[int | None] = None,
    monat: FromQuery[str] = "",
    spanne: FromQuery[str] = "",
    ansicht: FromQuery[list[str] | None] = None,
    partner: FromQuery[int | None] = None,
) -> Template:
    """One chart in the view its switch buttons ask for (swapped in place by HTMX)."""
    spec = SPEC_BY_ID.get(chart_id)
    if spec is None:
        raise NotFoundException(f"Diagramm „{chart_id}“ gibt es nicht.")
    chosen = await _selection(request, gruppe, monat, spanne, partner)
    group, month, span = chosen.group, chosen.month, chosen.span
    status = []
    if spec.id == "reporting":  # the only chart that shows who has reported
        async with request.app.state.db.read() as session:
            status = await reporting_status(session, group, month_of(date.today()))
    source = ChartSource(request, chosen, month, status)
    chart = await source.chart(spec, _view(spec, parse_views(ansicht or []), span))
    if chart is None:
        raise NotFoundException("Für dieses Diagramm gibt es keine Kennzahlen, die Sie sehen dürfen.")
    context = {
        "chart": chart,
        "group": group,
        "period": format_month(month),
        "span": span,
        "span_buttons": SPAN_BUTTONS,
        "basis_labels": BASIS_LABELS,
        "may_share": may_chat(request.user),
        "query": _query(chosen, month, span),
        "subject": chosen.subject,
    }
    return Template("analysis/_chart.html", context=context)


@get("/analyse/export/{fmt:str}", guards=GUARD, include_in_schema=False)
async def analysis_export(
    request: AnalysisRequest,
    fmt: FromPath[str],
    gruppe: FromQuery[int | None] = None,
    monat: FromQuery[str] = "",
    spanne: FromQuery[str] = "",
    partner: FromQuery[int | None] = None,
) -> Response[bytes]:
    if fmt not in ("csv", "xlsx"):
        raise NotFoundException("Export als CSV oder XLSX.")
    chosen = await _selection(request, gruppe, monat, spanne, partner)
    span = chosen.span
    benchmark, rows = await _rows(request, chosen, chosen.month, span)
    whose = f"-{chosen.subject.number}" if chosen.subject else ""
    name = f"betriebsvergleich{whose}-{benchmark['group']}-{benchmark['period']}-{span.value}"
    title = f"{benchmark['group_name']} · {SPAN_LABELS[span]} bis {format_month(chosen.month)}"
    if chosen.subject:
        title = f"{chosen.subject.number} {chosen.subject.name} · {title}"
    if fmt == "csv":
        return Response(
            csv_bytes([[title], HEADERS, *export_rows(rows)]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    book, sheet = new_workbook("Betriebsvergleich")
    append_row(sheet, [title])
    append_row(sheet, list(HEADERS))
    for line in export_rows(rows):
        append_row(sheet, line)
    return Response(
        xlsx_bytes(book),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@get("/analyse/verlauf", guards=GUARD, include_in_schema=False)
async def analysis_course(
    request: AnalysisRequest,
    gruppe: FromQuery[int | None] = None,
    monat: FromQuery[str] = "",
    kennzahl: FromQuery[str] = "revenue_total",
    partner: FromQuery[int | None] = None,
) -> Template:
    """The course chart, loaded after the page (it needs a release per month)."""
    chosen = await _selection(request, gruppe, monat, "month", partner)
    async with request.app.state.db.read() as session:
        metrics = await metric_info(session)
        whose = await _whose(request, chosen, session)
    metric = metrics.get(kennzahl) or metrics["revenue_total"]
    if chosen.subject is not None and not await sees_values_of(
        request.app.state, request.user, chosen.subject, metric.key
    ):
        whose = None
    history = await course(request.app.state, request.user, chosen.group, chosen.month, metric.key, whose)
    chart = trend(metric.label_de, metric.unit, metric.decimals, history, _own_name(chosen))
    return Template("analysis/_chart.html", context={"chart": chart})


async def _whose(request: AnalysisRequest, chosen: Selection, session: Any) -> Partner | None:
    """The partner whose own values are shown: the chosen one, or a partner user's own business."""
    if chosen.subject is not None:
        return chosen.subject
    return await session.get(Partner, request.user.partner_id) if request.user.partner_id else None


def _own_name(chosen: Selection) -> str:
    return f"Partner {chosen.subject.number}" if chosen.subject else "Eigener Betrieb"


@get("/analyse/kennzahl/{key:str}", guards=GUARD, include_in_schema=False)
async def kpi_page(
    request: AnalysisRequest,
    key: FromPath[str],
    gruppe: FromQuery[int | None] = None,
    monat: FromQuery[str] = "",
    partner: FromQuery[int | None] = None,
) -> Template:
    """One KPI: the month's figures in the group (own, median, quartiles, rank, prior year, target),
    where the own value sits, and its course over 24 months against the group's median and middle half."""
    chosen = await _selection(request, gruppe, monat, "month", partner)
    benchmark, rows = await _rows(request, chosen, chosen.month, Span.MONTH)
    row = next((r for r in rows if r.key == key), None)
    if row is None:
        raise NotFoundException(f"Die Kennzahl „{key[:40]}“ gibt es nicht oder Sie sehen sie nicht.")
    cell = benchmark["kpis"][key]
    return Template(
        "analysis/kpi.html",
        context={
            "row": row,
            "cell": cell,
            "where": position(row, cell.get("target"), cell.get("own_prior_year"), _own_name(chosen)),
            "groups": chosen.groups,
            "group": chosen.group,
            "month": chosen.month,
            "period": format_month(chosen.month),
            "group_name": benchmark["group_name"],
            "subject": chosen.subject,
            "query": _query(chosen, chosen.month, Span.MONTH),
        },
    )


def _query(chosen: Selection, month: date, span: Span) -> str:
    """The page's choice as a query string for its links (group, period, span, partner)."""
    parts = {"gruppe": chosen.group, "monat": format_month(month), "spanne": span.value}
    if chosen.subject is not None:
        parts["partner"] = chosen.subject.number
    return urlencode(parts)


ROUTES = [analysis_page, analysis_chart, analysis_export, analysis_course, kpi_page]
