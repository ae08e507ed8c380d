"""Dry run and import of figure files; the questionnaire template per partner and year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from openpyxl.styles import Font, PatternFill
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.permissions import Action, PartnerRef, Principal
from app.auth.principals import partner_refs
from app.figures.access import entering_allowed
from app.figures.service import (
    InvalidFigures,
    check_values,
    consistency_errors,
    entered_metrics,
    month_values,
    plausibility_warnings,
    store_month,
)
from app.imports.figures_file import TEMPLATE_MARK, FigureRow, Parsed, Problem
from app.models import Figure, Metric, Partner
from app.web.spreadsheets import append_row, new_workbook, xlsx_bytes
from kpi.months import add_months, format_month, month_of


@dataclass
class Report:
    parsed: Parsed
    rows_ok: int = 0
    values_changing: int = 0
    values_unchanged: int = 0
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def importable(self) -> bool:
        return not self.errors and bool(self.parsed.rows)


async def dry_run(
    session: AsyncSession, principal: Principal, parsed: Parsed, today: date, correction_months: int
) -> Report:
    """Everything the import would do and refuse, without storing anything."""
    report = Report(parsed, errors=list(parsed.errors), warnings=list(parsed.warnings))
    metrics = await entered_metrics(session)
    labels = {k: m.label_de for k, m in metrics.items()}
    numbers = {r.partner_no for r in parsed.rows}
    partners = {p.number: p for p in await session.scalars(select(Partner).where(Partner.number.in_(numbers)))}
    refs = await partner_refs(session, list(partners.values()))
    seen: set[tuple[int, date]] = set()
    for row in parsed.rows:
        problems = await _row_problems(session, principal, row, partners, refs, seen, metrics, today, correction_months)
        if problems:
            report.errors.extend(problems)
            continue
        partner = partners[row.partner_no]
        stored = await month_values(session, partner, row.month)
        changing = sum(1 for k, v in row.values.items() if stored.get(k) != v)
        report.values_changing += changing
        report.values_unchanged += len(row.values) - changing
        prior = add_months(row.month, -12)
        for warning in plausibility_warnings(row.values, await month_values(session, partner, prior), prior, labels):
            report.warnings.append(
                Problem(
                    row.row,
                    labels.get(warning.field, warning.field),
                    f"Partner {row.partner_no}, {format_month(row.month)}: {warning.message}",
                )
            )
        report.rows_ok += 1
    return report


async def _row_problems(
    session: AsyncSession,
    principal: Principal,
    row: FigureRow,
    partners: dict[int, Partner],
    refs: dict[int, PartnerRef],
    seen: set[tuple[int, date]],
    metrics: dict[str, Metric],
    today: date,
    correction_months: int,
) -> list[Problem]:
    partner = partners.get(row.partner_no)
    ref = refs.get(partner.id) if partner else None
    if partner is None or ref is None or not principal.can(Action.ENTER, ref):
        return [
            Problem(
                row.row,
                "Partner",
                f"Partner {row.partner_no} gibt es nicht oder Sie dürfen für ihn keine Zahlen erfassen.",
            )
        ]
    if (row.partner_no, row.month) in seen:
        return [
            Problem(
                row.row, "Monat", f"Partner {row.partner_no}, {format_month(row.month)} steht doppelt in der Datei."
            )
        ]
    seen.add((row.partner_no, row.month))
    labels = {k: m.label_de for k, m in metrics.items()}
    try:
        check_values(metrics, dict(row.values), row.month, today)
    except InvalidFigures as exc:
        return [Problem(row.row, labels.get(e.field, e.field), e.message) for e in exc.errors]
    refused = [k for k in row.values if not principal.can(Action.ENTER, ref, metrics[k].domain)]
    if refused:
        return [Problem(row.row, labels[k], "Für diesen Bereich dürfen Sie keine Zahlen erfassen.") for k in refused]
    stored = await month_values(session, partner, row.month)
    changes = any(stored.get(k) != v for k, v in row.values.items())
    if changes and row.month < add_months(month_of(today), -correction_months):
        return [
            Problem(
                row.row,
                "Monat",
                f"{format_month(row.month)} ist abgeschlossen (Korrekturfenster "
                f"{correction_months} Monate); nur unveränderte Werte sind möglich.",
            )
        ]
    merged = {**stored, **row.values}
    return [Problem(row.row, labels.get(e.field, e.field), e.message) for e in consistency_errors(merged)]


async def apply(
    session: AsyncSession, principal: Principal, parsed: Parsed, today: date, correction_months: int
) -> list[tuple[int, date]]:
    """Store every row in the caller's transaction; returns the (partner id, month) pairs that changed."""
    numbers = {r.partner_no for r in parsed.rows}
    partners = {p.number: p for p in await session.scalars(select(Partner).where(Partner.number.in_(numbers)))}
    changed = []
    for row in parsed.rows:
        stored = await store_month(
            session,
            partners[row.partner_no],
            row.month,
            dict(row.values),
            by_user_id=principal.user_id,
            source="import",
            today=today,
            correction_months=correction_months,
            domains=await entering_allowed(session, principal, partners[row.partner_no]),
        )
        if stored.changed:
            changed.append((partners[row.partner_no].id, row.month))
    return changed


async def template(session: AsyncSession, partner: Partner, year: int) -> bytes:
    """The yearly questionnaire as XLSX: metrics down, months across, filled with what is stored."""
    metrics = list(
        await session.scalars(select(Metric).where(Metric.kind == "entered", Metric.active).order_by(Metric.position))
    )
    months = [date(year, m, 1) for m in range(1, 13)]
    stored = {
        (f.metric_id, f.month): f.value
        for f in await session.scalars(select(Figure).where(Figure.partner_id == partner.id, Figure.month.in_(months)))
    }
    book, sheet = new_workbook(f"Betriebsvergleich {year}")
    append_row(sheet, [TEMPLATE_MARK, partner.number, partner.name])
    append_row(sheet, ["Jahr", year, "Zahlen bitte monatlich eintragen; Spalten A–C nicht ändern."])
    append_row(sheet, [])
    append_row(sheet, ["Kennzahl", "Schlüssel", "Einheit", *[f"{m.month:02d}/{year}" for m in months]])
    for cell in sheet[4]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE8DF")
    for metric in metrics:
        append_row(sheet, [metric.label_de, metric.key, metric.unit, *[stored.get((metric.id, m)) for m in months]])
    sheet.column_dimensions["A"].width = 48
    sheet.column_dimensions["B"].width = 20
    sheet.freeze_panes = "D5"
    return xlsx_bytes(book)
