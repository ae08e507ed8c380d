"""Reading the supplier's exports: open items, warranty claims and purchases, one kind per file.

Each kind has fields; a field is found by the column mapping the Zentrale saved for the file's
source, else by its German default header or one of the usual aliases (DATEV: "Konto",
"Belegfeld 1", "Umsatz (ohne Soll/Haben-Kz)" with "Soll/Haben-Kennzeichen"). A DATEV file's
first line ("EXTF" ...) is skipped. Every refused cell is named by row and column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from app.imports.figures_file import column_letter
from app.imports.reading import Cell, number
from app.web.forms import has_hidden_characters

MONTH_TEXT = re.compile(r"^(?:(\d{4})-(\d{1,2})|(\d{1,2})[./](\d{4}))$")
DATE_TEXT = re.compile(r"^(?:(\d{4})-(\d{2})-(\d{2})|(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4}))$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    header: str  # the default German header of the contract
    aliases: tuple[str, ...] = ()
    required: bool = True


@dataclass(frozen=True)
class KindSpec:
    key: str
    title: str
    fields: tuple[FieldSpec, ...]


PARTNER = FieldSpec("partner", "Partnernummer", ("partner", "konto", "kontonummer", "debitor", "kundennummer"))
KINDS: dict[str, KindSpec] = {
    spec.key: spec
    for spec in (
        KindSpec(
            "open-items",
            "Offene Posten",
            (
                PARTNER,
                FieldSpec("document_no", "Belegnummer", ("belegfeld 1", "beleg", "rechnungsnummer", "belegnr.")),
                FieldSpec("document_date", "Belegdatum", ("datum", "rechnungsdatum")),
                FieldSpec("due_date", "Fälligkeit", ("fällig am", "faelligkeit", "fälligkeitsdatum", "due")),
                FieldSpec("amount", "Betrag", ("umsatz (ohne soll/haben-kz)", "offener betrag", "saldo", "betrag eur")),
                FieldSpec("dunning_level", "Mahnstufe", ("mahnstufe", "mahnlevel"), required=False),
                FieldSpec("debit_credit", "Soll/Haben-Kennzeichen", ("s/h",), required=False),
            ),
        ),
        KindSpec(
            "warranty-claims",
            "Garantieanträge",
            (
                PARTNER,
                FieldSpec("claim_no", "Antragsnummer", ("antrag", "claim", "antragsnr.")),
                FieldSpec("received", "Eingang", ("eingangsdatum", "eingegangen")),
                FieldSpec("status", "Status", ("bearbeitungsstatus",)),
                FieldSpec("amount", "Betrag", ("antragsbetrag", "betrag eur")),
                FieldSpec("decided", "Erledigt", ("erledigt am", "entschieden am"), required=False),
            ),
        ),
        KindSpec(
            "purchases",
            "Einkäufe beim Hersteller",
            (
                PARTNER,
                FieldSpec("month", "Monat", ("periode", "buchungsmonat")),
                FieldSpec("product_group", "Warengruppe", ("produktgruppe", "sparte")),
                FieldSpec("amount", "Betrag", ("umsatz", "nettobetrag", "betrag eur")),
            ),
        ),
    )
}
CLAIM_STATES = {
    "offen": "open",
    "in bearbeitung": "open",
    "open": "open",
    "genehmigt": "approved",
    "anerkannt": "approved",
    "approved": "approved",
    "abgelehnt": "rejected",
    "rejected": "rejected",
}


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str


@dataclass
class Parsed:
    kind: str
    records: list[dict[str, object]] = field(default_factory=list)  # each with "row" and "partner"
    errors: list[Problem] = field(default_factory=list)


def _key(text: object) -> str:
    return str(text or "").strip().lower()


def find_columns(header: list[Cell], spec: KindSpec, mapping: Mapping[str, str]) -> tuple[dict[str, int], list[str]]:
    """Field -> column index; and the required fields not found."""
    names = [_key(h) for h in header]
    found: dict[str, int] = {}
    for f in spec.fields:
        wanted = [_key(mapping[f.name])] if mapping.get(f.name) else [_key(f.header), *f.aliases]
        index = next((names.index(w) for w in wanted if w in names), None)
        if index is not None:
            found[f.name] = index
    missing = [
        f"{f.header}" + (f" (Zuordnung: „{mapping[f.name]}“)" if mapping.get(f.name) else "")
        for f in spec.fields
        if f.required and f.name not in found
    ]
    return found, missing


def _header_row(table: list[list[Cell]], spec: KindSpec, mapping: Mapping[str, str]) -> int:
    """The first of the top rows that holds the partner column (a DATEV file starts with its "EXTF" line)."""
    for i, row in enumerate(table[:3]):
        if find_columns(row, spec, mapping)[0].get("partner") is not None:
            return i
    return 0


def day_of(cell: Cell) -> date:
    if isinstance(cell, date):
        return cell
    text = str(cell or "").strip()
    match = DATE_TEXT.match(text)
    if not match:
        raise ValueError(f"„{text}“ ist kein Datum (TT.MM.JJJJ)")
    if match.group(1):
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    year = int(match.group(6))
    return date(year + 2000 if year < 100 else year, int(match.group(5)), int(match.group(4)))


def month_of_cell(cell: Cell) -> date:
    if isinstance(cell, date):
        return date(cell.year, cell.month, 1)
    text = str(cell or "").strip()
    match = MONTH_TEXT.match(text)
    if not match:
        day = day_of(cell)  # a date stands for its month
        return date(day.year, day.month, 1)
    year, month = (int(match[1]), int(match[2])) if match[1] else (int(match[4]), int(match[3]))
    if not 1 <= month <= 12:
        raise ValueError(f"„{text}“ ist kein Monat")
    return date(year, month, 1)


def _partner(cell: Cell) -> int:
    value = number(cell)
    if value != int(value) or value <= 0:
        raise ValueError("keine Partnernummer")
    return int(value)


def _value(name: str, cell: Cell) -> object:
    """One cell read as its field; ValueError with a German message."""
    if name == "partner":
        return _partner(cell)
    if name in ("document_date", "due_date", "received", "decided"):
        return day_of(cell)
    if name == "month":
        return month_of_cell(cell)
    if name == "amount":
        value = number(cell)
        if abs(value) >= 1e10:
            raise ValueError("der Betrag ist zu groß")
        return value
    if name == "dunning_level":
        level = number(cell)
        if level != int(level) or not 0 <= level <= 9:
            raise ValueError("eine Mahnstufe von 0 bis 9")
        return int(level)
    if name == "status":
        state = CLAIM_STATES.get(_key(cell))
        if state is None:
            raise ValueError(f"„{cell}“ ist kein Status (offen, genehmigt, abgelehnt)")
        return state
    if name == "debit_credit":
        flag = _key(cell)
        if flag not in ("s", "h"):
            raise ValueError(f"„{cell}“: S (Soll) oder H (Haben)")
        return flag
    text = str(cell).strip() if not isinstance(cell, float) else f"{cell:g}"
    if not text or len(text) > 60:
        raise ValueError("leer oder länger als 60 Zeichen")
    if has_hidden_characters(text):
        raise ValueError("enthält unsichtbare oder Steuerzeichen")
    return text


def parse_records(table: list[list[Cell]], kind: str, mapping: Mapping[str, str]) -> Parsed:
    spec = KINDS[kind]
    parsed = Parsed(kind)
    if not table:
        parsed.errors.append(Problem(1, "–", "Die Datei ist leer."))
        return parsed
    top = _header_row(table, spec, mapping)
    header = table[top]
    columns, missing = find_columns(header, spec, mapping)
    if missing:
        parsed.errors.append(Problem(top + 1, "Kopfzeile", f"Es fehlen die Spalten: {', '.join(missing)}."))
        return parsed
    for index, cells in enumerate(table[top + 1 :], start=top + 2):
        if all(c in (None, "") for c in cells):
            continue
        record: dict[str, object] = {"row": index}
        for f in spec.fields:
            column = columns.get(f.name)
            cell = cells[column] if column is not None and column < len(cells) else None
            if cell in (None, ""):
                if f.required:
                    parsed.errors.append(Problem(index, f"{f.header} ({_letter(column)})", "Das Feld ist leer."))
                continue
            try:
                record[f.name] = _value(f.name, cell)
            except ValueError as exc:
                parsed.errors.append(Problem(index, f"{f.header} ({_letter(column)})", str(exc)))
        if record.pop("debit_credit", "s") == "h" and isinstance(record.get("amount"), float):
            record["amount"] = -float(record["amount"])  # type: ignore[arg-type]
        parsed.records.append(record)
    return parsed


def _letter(column: int | None) -> str:
    return "–" if column is None else column_letter(column)
