"""Targets for the whole network from one spreadsheet: a row per partner, year and metric.

Columns (matched case-insensitively): Partnernummer, Jahr, Kennzahl (key or German label),
Jahreswert, and optionally the twelve months 01..12 (all twelve, or none). The dry run names
every refused cell by row and column; the import stores everything or nothing, and a file
imported twice changes nothing the second time (app.targets.service keeps unchanged plans).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, Principal
from app.auth.principals import partner_refs
from app.events import TargetsProposed
from app.imports.figures_file import Checked, Problem, column_letter
from app.imports.reading import Cell, number
from app.models import Metric, Partner
from app.targets.service import (
    MONTH_KEYS,
    InvalidTargets,
    Planned,
    check_year,
    planned,
    plans_of,
    save_targets,
    targetable,
)
from app.web.spreadsheets import append_row, new_workbook, xlsx_bytes
from kpi.benchmark import Engine

HEADERS = {
    "partner": {"partnernummer", "partner", "partner-nr.", "partner_no", "nr"},
    "year": {"jahr", "year"},
    "metric": {"kennzahl", "metric", "metric_key"},
    "yearly": {"jahreswert", "ziel", "yearly", "jahresziel"},
}


@dataclass(frozen=True)
class TargetRow:
    row: int
    partner_no: int
    year: int
    key: str
    value: float | list[float]


TargetReport = Checked[TargetRow]


def _columns(header: list[Cell]) -> tuple[dict[str, int], dict[str, int]]:
    names = [str(h or "").strip().lower() for h in header]
    fields = {name: i for name, aliases in HEADERS.items() for i, h in enumerate(names) if h in aliases}
    months = {m: i for m in MONTH_KEYS for i, h in enumerate(names) if h in (m, str(int(m)))}
    return fields, months


def parse_targets(table: list[list[Cell]], metrics: dict[str, Metric], engine: Engine, today: date) -> TargetReport:
    report = TargetReport()
    if not table:
        report.errors.append(Problem(1, "–", "Die Datei ist leer."))
        return report
    fields, months = _columns(table[0])
    missing = [
        label
        for name, label in (("partner", "Partnernummer"), ("year", "Jahr"), ("metric", "Kennzahl"))
        if name not in fields
    ]
    if missing or ("yearly" not in fields and len(months) < len(MONTH_KEYS)):
        needed = ", ".join(missing) or "Jahreswert oder die Monate 01 bis 12"
        report.errors.append(Problem(1, "Kopfzeile", f"Es fehlt die Spalte: {needed}."))
        return report
    allowed = targetable(engine)
    names = {m.key.lower(): m.key for m in metrics.values()} | {m.label_de.lower(): m.key for m in metrics.values()}
    seen: dict[tuple[int, int, str], int] = {}
    for index, cells in enumerate(table[1:], start=2):
        cells = cells + [None] * (len(table[0]) - len(cells))
        if all(c in (None, "") for c in cells):
            continue
        problems = len(report.errors)

        def refuse(column: int, message: str, row: int = index) -> None:
            report.errors.append(Problem(row, f"{column_letter(column)} ({table[0][column]})", message))

        partner_no = year = 0
        try:
            partner_no = int(number(cells[fields["partner"]]))
        except ValueError:
            refuse(fields["partner"], f"„{cells[fields['partner']]}“ ist keine Partnernummer.")
        try:
            year = int(number(cells[fields["year"]]))
            check_year(year, today)
        except ValueError:
            refuse(fields["year"], f"„{cells[fields['year']]}“ ist kein Jahr.")
        except InvalidTargets as exc:
            refuse(fields["year"], str(exc))
        key = names.get(str(cells[fields["metric"]] or "").strip().lower(), "")
        if key not in allowed:
            refuse(fields["metric"], f"„{cells[fields['metric']]}“ ist keine Kennzahl mit Ziel (mit Richtung).")
        value: float | list[float] | None = None
        filled = {m: cells[i] for m, i in months.items() if cells[i] not in (None, "")}
        try:
            if filled:
                if len(filled) < len(MONTH_KEYS):
                    refuse(months[next(m for m in MONTH_KEYS if m not in filled)], "Bitte alle zwölf Monate füllen.")
                else:
                    value = [number(filled[m]) for m in MONTH_KEYS]
            elif "yearly" in fields and cells[fields["yearly"]] not in (None, ""):
                value = number(cells[fields["yearly"]])
            else:
                refuse(fields.get("yearly", 0), "Kein Jahreswert und keine Monatswerte.")
        except ValueError as exc:
            refuse(fields.get("yearly", 0), f"Keine Zahl: {exc}")
        if len(report.errors) > problems or value is None:
            continue
        first = seen.setdefault((partner_no, year, key), index)
        if first != index:
            refuse(fields["metric"], f"Partner {partner_no}, {year}, {key} steht schon in Zeile {first}.")
            continue
        report.rows.append(TargetRow(index, partner_no, year, key, value))
    return report


async def check_targets(
    session: AsyncSession, engine: Engine, principal: Principal, table: list[list[Cell]], today: date
) -> TargetReport:
    """The dry run: every row parsed, checked against the principal's rights, its change counted."""
    metrics = {m.key: m for m in await session.scalars(select(Metric).where(Metric.active))}
    report = parse_targets(table, metrics, engine, today)
    numbers = {r.partner_no for r in report.rows}
    partners = {p.number: p for p in await session.scalars(select(Partner).where(Partner.number.in_(numbers)))}
    refs = await partner_refs(session, list(partners.values()))
    current: dict[tuple[int, int], dict[str, list[float]]] = {}
    for row in report.rows:
        partner = partners.get(row.partner_no)
        if partner is None:
            report.errors.append(Problem(row.row, "Partnernummer", f"Partner {row.partner_no} gibt es nicht."))
            continue
        if not principal.can(Action.PLAN, refs[partner.id], metrics[row.key].domain):
            report.errors.append(
                Problem(
                    row.row, "Partnernummer", f"Für Partner {row.partner_no} dürfen Sie dieses Ziel nicht vorgeben."
                )
            )
            continue
        if (partner.id, row.year) not in current:
            plans = await plans_of(session, engine, partner, row.year)
            current[(partner.id, row.year)] = {p.key: p.months for p in plans}
        (item,) = await planned(session, engine, partner, row.year, {row.key: row.value})
        if current[(partner.id, row.year)].get(row.key) == item.months:
            report.values_unchanged += 1
        else:
            report.values_changing += 1
        report.rows_ok += 1
    return report


async def apply_targets(
    session: AsyncSession, engine: Engine, principal: Principal, report: TargetReport, note: str
) -> list[TargetsProposed]:
    """Store every row of a checked report in the caller's transaction; per partner and year, how many
    plans changed (for the partners' managing directors to confirm)."""
    numbers = {r.partner_no for r in report.rows}
    partners = {p.number: p for p in await session.scalars(select(Partner).where(Partner.number.in_(numbers)))}
    grouped: dict[tuple[int, int], list[TargetRow]] = {}
    for row in report.rows:
        grouped.setdefault((row.partner_no, row.year), []).append(row)
    proposed = []
    for (number_, year), rows in grouped.items():
        partner = partners[number_]
        items: list[Planned] = await planned(session, engine, partner, year, {r.key: r.value for r in rows})
        if changed := await save_targets(session, principal, partner, year, items, note=note):
            proposed.append(TargetsProposed(partner.id, year, changed))
    return proposed


async def targets_workbook(session: AsyncSession, engine: Engine, partners: list[Partner], year: int) -> bytes:
    """The import file, filled with the year's current targets of these partners (a row per target)."""
    book, sheet = new_workbook(f"Ziele {year}")
    append_row(sheet, ["Partnernummer", "Name", "Jahr", "Kennzahl", "Bezeichnung", "Jahreswert", *MONTH_KEYS])
    for partner in partners:
        for plan in await plans_of(session, engine, partner, year):
            monthly = plan.months if plan.typed_per_month else [None] * len(MONTH_KEYS)
            yearly = None if plan.typed_per_month else plan.yearly
            append_row(sheet, [partner.number, partner.name, year, plan.key, plan.label, yearly, *monthly])
    return xlsx_bytes(book)
