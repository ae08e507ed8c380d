"""What every JSON endpoint answers for input it refuses: 422 naming the field, nothing stored."""

from __future__ import annotations

from datetime import date

from litestar.exceptions import HTTPException

from app.web.forms import InvalidForm
from kpi.months import parse_month


class InvalidInput(HTTPException):
    """422: the request was understood, but a value is not acceptable; `extra` names each field."""

    status_code = 422


def month_or_422(text: str) -> date:
    try:
        return parse_month(text)
    except ValueError as exc:
        raise InvalidInput(str(exc), extra=[{"key": "period", "message": str(exc)}]) from exc


def refused(exc: InvalidForm) -> InvalidInput:
    """A form's refusal as the API answers it: every field with its message."""
    return InvalidInput(str(exc), extra=[{"key": key, "message": message} for key, message in exc.errors.items()])
