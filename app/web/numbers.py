"""German number input: "1.234.567,89" means 1234567.89."""

from __future__ import annotations

import re

# ASCII digits only (str.isdigit would take "²"); a thousands group never starts with 0.
_GROUPED = re.compile(r"^[1-9][0-9]{0,2}(\.[0-9]{3})+$")
_PLAIN = re.compile(r"^[0-9]+(\.[0-9]+)?$")
_DIGITS = re.compile(r"^[0-9]+$")


def parse_de(text: str) -> float:
    """The number a German user typed; ValueError with a German message when it is none."""
    raw = text.strip().replace("\u00a0", "").replace(" ", "").replace("−", "-")
    negative = raw.startswith("-")
    body = raw[1:] if negative else raw
    if "," in body:
        whole, _, fraction = body.rpartition(",")
        if (whole and not (_GROUPED.match(whole) or _DIGITS.match(whole))) or not _DIGITS.match(fraction):
            raise ValueError(f"„{text.strip()}“ ist keine Zahl (Beispiel: 1.234,56).")
        value = float(whole.replace(".", "") + "." + fraction) if whole else float("0." + fraction)
    elif _GROUPED.match(body):
        value = float(body.replace(".", ""))
    elif _PLAIN.match(body):
        value = float(body)
    else:
        raise ValueError(f"„{text.strip()}“ ist keine Zahl (Beispiel: 1.234,56).")
    return -value if negative else value
