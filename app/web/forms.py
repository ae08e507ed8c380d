"""Reading HTML forms: the body type and small helpers shared by every feature."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body

# Repeated fields (checkboxes, multi-selects) arrive as lists.
FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def text(form: dict[str, Any], name: str, limit: int = 200) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip()[:limit]


def values(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v).strip()]


def client_of(request: Request[Any, Any, State]) -> str | None:
    return request.client.host if request.client else None


class InvalidForm(Exception):
    """Input refused, per form field; every message names its field and is safe to show."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors
