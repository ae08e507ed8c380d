"""The forms of a page as a browser sees them: method, action, and each named field with its value."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

# Fields a person types into or chooses from; hidden fields and buttons keep their values.
EDITABLE = {"text", "search", "number", "tel", "email", "password", "textarea", "select", "checkbox", "date", "month"}


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (type, value)

    def editable(self) -> list[str]:
        return [name for name, (kind, _) in self.fields.items() if kind in EDITABLE]


class _Parser(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__()
        self.page_url = page_url
        self.forms: list[Form] = []
        self.select: str | None = None
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        current = self.forms[-1] if self.inside else None
        if tag == "form":
            method = (a.get("method") or "get").lower()
            multipart = a.get("enctype") == "multipart/form-data"
            self.forms.append(Form(method, a.get("action") or self.page_url, multipart))
            self.inside = True
        elif current is not None and tag in ("input", "textarea", "select") and a.get("name"):
            kind = "textarea" if tag == "textarea" else "select" if tag == "select" else (a.get("type") or "text")
            current.fields.setdefault(a["name"], (kind.lower(), a.get("value", "")))
            self.select = a["name"] if tag == "select" else None
        elif tag == "option" and current is not None and self.select:
            kind, value = current.fields[self.select]
            if not value:
                current.fields[self.select] = (kind, a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        if tag == "select":
            self.select = None


def forms_of(html: str, page_url: str) -> list[Form]:
    parser = _Parser(page_url)
    parser.feed(html)
    return parser.forms
