"""German number input: "1.234.567,89" means 1234567.89."""

from __future__ import annotations

import re

_GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")
_PLAIN = re.compile(r"^\d+([.,]\d+)?$")


def parse_de(text: str) -> float:
    """The number a German user typed; ValueError with a German message when it is none."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "").replace("−", "-")
    negative = raw.startswith("-")
    body = raw[1:] if negative else raw
    if "," in body:
        whole, _, fraction = body.rpartition(",")
        if (whole and not (_GROUPED.match(whole) or whole.isdigit())) or not fraction.isdigit():
            raise ValueError(f"„{text.strip()}“ ist keine Zahl (Beispiel: 1.234,56).")
        value = float(whole.replace(".", "") + "." + fraction) if whole else float("0." + fraction)
    elif _GROUPED.match(body):
        value = float(body.replace(".", ""))
    elif _PLAIN.match(body):
        value = float(body)
    else:
        raise ValueError(f"„{text.strip()}“ ist keine Zahl (Beispiel: 1.234,56).")
    return -value if negative else value
