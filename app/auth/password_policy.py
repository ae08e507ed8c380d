"""What a new password must be: long, not common, not a common word with digits tacked on."""

from __future__ import annotations

import gzip
import re
from functools import cache
from pathlib import Path

MIN_LENGTH = 12
MAX_LENGTH = 200
_LIST = Path(__file__).with_name("data") / "common-passwords.txt.gz"
# German and portal words that the English-heavy list lacks.
_LOCAL = {
    "passwort",
    "kennwort",
    "hallo",
    "geheim",
    "willkommen",
    "schatz",
    "sommer",
    "winter",
    "fruehling",
    "herbst",
    "fussball",
    "deutschland",
    "mausi",
    "hase",
    "landtechnik",
    "partnerportal",
    "portal",
    "traktor",
    "zentrale",
    "passwort123",
    "ichliebedich",
}
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(_LIST, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip()) | _LOCAL


def password_problems(password: str, username: str = "") -> list[str]:
    """German reasons a password is not acceptable; empty when it is."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Das Passwort muss mindestens {MIN_LENGTH} Zeichen lang sein.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Das Passwort darf höchstens {MAX_LENGTH} Zeichen lang sein.")
    lowered = password.lower()
    core = _DECORATION.sub("", lowered)
    common = common_passwords()
    if lowered in common or core in common or len(set(lowered)) <= 3:
        problems.append("Dieses Passwort ist zu verbreitet und leicht zu erraten.")
    elif username and username.lower() in lowered:
        problems.append("Das Passwort darf den Benutzernamen nicht enthalten.")
    return problems
