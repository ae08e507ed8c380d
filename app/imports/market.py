"""Market data per postal area or territory and year (purchasing power, sales potential) from a file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.imports.figures_file import Checked, Problem, column_letter
from app.imports.reading import Cell, number
from app.models import MarketValue, Metric, Territory

AREA_HEADERS = {
    "plz-bereich": "postal",
    "plz": "postal",
    "postal_area": "postal",
    "gebiet": "territory",
    "territory": "territory",
}
YEAR_HEADERS = {"jahr", "year"}
_POSTAL = re.compile(r"^\d{2}$")


@dataclass(frozen=True)
class MarketRow:
    row: int
    area_kind: str
    area_code: str
    year: int
    values: dict[str, float]


MarketReport = Checked[MarketRow]


async def check_market(session: AsyncSession, table: list[list[Cell]]) -> MarketReport:
    report = MarketReport()
    metrics = {m.key: m for m in await session.scalars(select(Metric).where(Metric.kind == "imported"))}
    names = {m.key.lower(): m.key for m in metrics.values()} | {m.label_de.lower(): m.key for m in metrics.values()}
    header = [str(h or "").strip().lower() for h in (table[0] if table else [])]
    area_col = next((i for i, h in enumerate(header) if h in AREA_HEADERS), None)
    year_col = next((i for i, h in enumerate(header) if h in YEAR_HEADERS), None)
    keys = {i: names[h] for i, h in enumerate(header) if h in names}
    if area_col is None or year_col is None or not keys:
        report.errors.append(
            Problem(
                1,
                "",
                "Erste Zeile braucht „PLZ-Bereich“ oder „Gebiet“, „Jahr“ und "
                "mindestens eine Spalte Kaufkraftindex oder Absatzpotenzial.",
            )
        )
        return report
    kind = AREA_HEADERS[header[area_col]]
    territories = set(await session.scalars(select(Territory.code)))
    stored = {
        (v.area_kind, v.area_code, v.metric_id, v.year): v.value for v in await session.scalars(select(MarketValue))
    }
    for line, cells in enumerate(table[1:], start=2):
        cells = cells + [None] * (len(header) - len(cells))
        if all(c in (None, "") for c in cells):
            continue
        area = cells[area_col]
        code = f"{int(area):02d}" if isinstance(area, float) else str(area or "").strip()
        problems = []
        if kind == "postal" and not _POSTAL.match(code):
            problems.append(Problem(line, column_letter(area_col), f"„{code}“ ist kein zweistelliger PLZ-Bereich."))
        if kind == "territory" and code not in territories:
            problems.append(Problem(line, column_letter(area_col), f"Gebiet „{code}“ gibt es nicht."))
        try:
            year = int(number(cells[year_col]))
            if not 2000 <= year <= 2100:
                raise ValueError
        except (ValueError, TypeError):
            problems.append(Problem(line, column_letter(year_col), f"„{cells[year_col]}“ ist kein Jahr."))
            year = 0
        values = {}
        for i, key in keys.items():
            if cells[i] in (None, ""):
                continue
            try:
                values[key] = number(cells[i])
            except ValueError as exc:
                problems.append(Problem(line, column_letter(i), str(exc)))
        if problems:
            report.errors.extend(problems)
            continue
        row = MarketRow(line, kind, code, year, values)
        report.rows.append(row)
        report.rows_ok += 1
        for key, value in values.items():
            same = stored.get((kind, code, metrics[key].id, year)) == value
            report.values_unchanged += same
            report.values_changing += not same
    return report


async def apply_market(session: AsyncSession, report: MarketReport, source: str) -> int:
    """Store the rows (in the caller's transaction); returns how many values changed."""
    ids = {m.key: m.id for m in await session.scalars(select(Metric).where(Metric.kind == "imported"))}
    changed = 0
    for row in report.rows:
        for key, value in row.values.items():
            existing = await session.scalar(
                select(MarketValue).where(
                    MarketValue.area_kind == row.area_kind,
                    MarketValue.area_code == row.area_code,
                    MarketValue.metric_id == ids[key],
                    MarketValue.year == row.year,
                )
            )
            if existing is None:
                session.add(
                    MarketValue(
                        area_kind=row.area_kind,
                        area_code=row.area_code,
                        metric_id=ids[key],
                        year=row.year,
                        value=value,
                        source=source,
                    )
                )
            elif existing.value != value:
                existing.value, existing.source = value, source
            else:
                continue
            changed += 1
    return changed
