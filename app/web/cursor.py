"""Opaque page cursors for keyset paging: the sort key of the last item, encoded for a URL."""

from __future__ import annotations

import base64
import json


class BadCursor(ValueError):
    pass


def encode(*values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str, count: int) -> list[object]:
    """The cursor's values; BadCursor (answered 422) for anything the portal did not hand out."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadCursor("Ungültiger Cursor.") from exc
    if not isinstance(values, list) or len(values) != count:
        raise BadCursor("Ungültiger Cursor.")
    return values
