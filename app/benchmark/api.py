"""`GET /api/v1/benchmark`: a group's released figures and the caller's own place (shared/CONTRACT.md)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.datastructures import State
from litestar.params import FromQuery

from app.auth.permissions import Principal
from app.benchmark.view import FuturePeriod, benchmark_for
from app.web.api_input import InvalidInput, month_or_422
from kpi.periods import Span


def _span(text: str) -> Span:
    try:
        return Span(text)
    except ValueError as exc:
        allowed = ", ".join(s.value for s in Span)
        raise InvalidInput(
            f"Unbekannte Spanne „{text}“ (erlaubt: {allowed}).",
            extra=[{"key": "span", "message": f"erlaubt: {allowed}"}],
        ) from exc


@get("/api/v1/benchmark", tags=["Betriebsvergleich"])
async def benchmark(
    request: Request[Principal, Any, State],
    group: FromQuery[int],
    period: FromQuery[str],
    span: FromQuery[str] = "month",
) -> dict[str, Any]:
    """Per KPI the group figures the caller may see (hidden cells say why), and the own value, rank, percentile."""
    month, chosen = month_or_422(period), _span(span)
    try:
        return await benchmark_for(request.app.state, request.user, group, month, chosen)
    except FuturePeriod as exc:
        raise InvalidInput(str(exc), extra=[{"key": "period", "message": str(exc)}]) from exc
