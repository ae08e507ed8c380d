"""Message text: plain text in, escaped HTML out, with safe links and highlighted @mentions.

No HTML a user wrote ever passes through: the body is escaped first, then only
links with http(s) or a path on this portal become <a> elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

MAX_LENGTH = 2000
EVERYONE = "alle"

_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"']+|(?<![\w/])/(?:analyse|zentrale|chat)[^\s<>\"']*)|(?P<mention>@[\w.-]+)"
)
_TRAILING = ".,;:!?)]}"


class InvalidMessage(ValueError):
    """A message that cannot be sent as it is; the text says why (German)."""


def clean(body: object) -> str:
    """The text to store: stripped, not empty, not too long, without control characters."""
    if not isinstance(body, str):
        raise InvalidMessage("Die Nachricht muss Text sein.")
    text = "".join(ch for ch in body if ch in "\n\t" or ch.isprintable()).strip()
    # Bidirectional overrides can disguise a link or a name; they have no place in a chat line.
    text = re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)
    if not text:
        raise InvalidMessage("Die Nachricht ist leer.")
    if len(text) > MAX_LENGTH:
        raise InvalidMessage(f"Die Nachricht ist zu lang ({len(text)} Zeichen, höchstens {MAX_LENGTH}).")
    return text


def mentioned(text: str) -> set[str]:
    """Names after @ (lower case), including "alle"."""
    return {m.group("mention")[1:].lower().rstrip(_TRAILING) for m in _TOKEN.finditer(text) if m.group("mention")}


def render(text: str, members: Iterable[str] = ()) -> Markup:
    """Escaped text with clickable links and highlighted mentions of room members."""
    known = {name.lower() for name in members} | {EVERYONE}
    out: list[str] = []
    last = 0
    for match in _TOKEN.finditer(text):
        out.append(str(escape(text[last : match.start()])))
        token = match.group(0)
        if match.group("url"):
            link = token.rstrip(_TRAILING)
            rest = token[len(link) :]
            target = ' target="_blank" rel="noopener noreferrer nofollow"' if link.startswith("http") else ""
            out.append(f'<a href="{escape(link)}"{target}>{escape(link)}</a>{escape(rest)}')
        elif token[1:].lower().rstrip(_TRAILING) in known:
            out.append(f'<mark class="mention">{escape(token)}</mark>')
        else:
            out.append(str(escape(token)))
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out).replace("\n", "<br>"))
