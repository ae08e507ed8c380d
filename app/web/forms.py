"""Reading HTML forms: the body type and small helpers shared by every feature."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body

# Repeated fields (checkboxes, multi-selects) arrive as lists.
FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


# Control characters, bidirectional overrides and zero-width characters hide or disguise text
# (a name that reads "admin" and is not, a file name that reads backwards); PostgreSQL cannot
# store NUL at all. Tabs and line breaks stay allowed for text areas.
_HIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)


def has_hidden_characters(value: str) -> bool:
    """Whether the text holds control, bidirectional or zero-width characters (refused everywhere)."""
    return bool(_HIDDEN.search(value))


def checked_text(
    errors: dict[str, str], name: str, value: str | None, limit: int, required: bool = False
) -> str | None:
    """A text of a JSON body or a form, stripped; a refusal goes into `errors` under `name` (None stays None).
    Line breaks and tabs are allowed (descriptions), other hidden characters are not."""
    if value is None:
        return None
    value = value.strip()
    if required and not value:
        errors[name] = "Bitte ausfüllen."
    elif len(value) > limit:
        errors[name] = f"Höchstens {limit} Zeichen."
    elif has_hidden_characters(value):
        errors[name] = "Enthält unsichtbare oder Steuerzeichen; bitte nur sichtbaren Text."
    return value


def form_number(value: str, digits: int = 9) -> int | None:
    """A whole number a form or query gave (a partner number, a day), or None: ASCII digits only
    ("²".isdigit() holds and int() then fails) and short (int() refuses thousands of digits)."""
    value = value.strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= digits else None


def raw(form: dict[str, Any], name: str) -> str:
    """A field exactly as sent (passwords, codes): the last value if it came more than once."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def text(form: dict[str, Any], name: str, limit: int = 200) -> str:
    """A text field, stripped; InvalidForm if it is longer than `limit` or hides characters."""
    value = raw(form, name).strip()
    if len(value) > limit:
        raise InvalidForm({name: f"„{name}“ ist zu lang ({len(value)} Zeichen, höchstens {limit})."})
    if _HIDDEN.search(value):
        raise InvalidForm(
            {name: f"„{name}“ enthält unsichtbare oder Steuerzeichen; bitte nur sichtbaren Text eingeben."}
        )
    return value


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
