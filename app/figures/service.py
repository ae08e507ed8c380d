"""Storing a partner's month: check everything first, then write in the caller's transaction."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.audit import record
from app.models import Figure, FigureRevision, Metric, MonthReport, Partner, utcnow
from kpi.months import add_months, format_month, month_of

MAX_VALUE = 1e12
# Entered metrics that may be negative, with their allowed range.
RANGES: dict[str, tuple[float, float]] = {"expectation": (-1.0, 1.0)}


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class InvalidFigures(ValueError):
    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


class NeedsConfirmation(Exception):
    """Plausible-looking errors: the values are unusual, and the user must confirm them."""

    def __init__(self, warnings: list[FieldError]) -> None:
        super().__init__("; ".join(w.message for w in warnings))
        self.warnings = warnings


@dataclass(frozen=True)
class StoredMonth:
    partner_id: int
    partner_no: int
    month: date
    changed: tuple[str, ...]
    values: dict[str, float]
    warnings: tuple[FieldError, ...] = ()
    stored: dict[str, float] | None = None  # every entered value of the month now, by metric key


# A part may not exceed its whole (hard errors, checked on the month as it will be stored).
PARTS_OF_WHOLES = (
    ("hours_productive", "hours_attendance", "Produktive Stunden können nicht über den Anwesenheitsstunden liegen."),
    ("receivables_overdue", "receivables", "Die überfälligen Forderungen können nicht über den Forderungen liegen."),
    ("warranty_approved", "warranty_claims", "Es können nicht mehr Anträge anerkannt als eingereicht sein."),
    ("fte_service", "fte", "Die Werkstatt kann nicht mehr Mitarbeiter haben als der Betrieb."),
)
# Beyond this change against the same month a year earlier, a value needs confirming.
PLAUSIBLE_CHANGE = 0.5


def consistency_errors(month_values: dict[str, float]) -> list[FieldError]:
    return [
        FieldError(part, message)
        for part, whole, message in PARTS_OF_WHOLES
        if part in month_values and whole in month_values and month_values[part] > month_values[whole]
    ]


def plausibility_warnings(
    values: dict[str, float], prior: dict[str, float], prior_month: date, labels: dict[str, str]
) -> list[FieldError]:
    warnings = []
    for key, value in values.items():
        before = prior.get(key)
        if before is None or before == 0:
            continue
        change = (value - before) / abs(before)
        if abs(change) > PLAUSIBLE_CHANGE:
            shown = f"{before:,.0f}".replace(",", ".")
            warnings.append(
                FieldError(
                    key, f"{labels.get(key, key)}: {change:+.0%} gegenüber {prior_month:%m/%Y} ({shown}). Bitte prüfen."
                )
            )
    return warnings


async def entered_metrics(session: AsyncSession) -> dict[str, Metric]:
    rows = await session.scalars(select(Metric).where(Metric.kind == "entered", Metric.active))
    return {m.key: m for m in rows}


def check_values(metrics: dict[str, Metric], raw: dict[str, object], month: date, today: date) -> dict[str, float]:
    """Parsed values, or InvalidFigures naming every bad field."""
    errors: list[FieldError] = []
    if month > month_of(today):
        errors.append(FieldError("period", f"{format_month(month)} liegt in der Zukunft."))
    values: dict[str, float] = {}
    for key, value in raw.items():
        if key not in metrics:
            errors.append(FieldError(key, "Unbekannte Kennzahl (nicht erfassbar)."))
        elif isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            errors.append(FieldError(key, "Bitte eine Zahl angeben."))
        else:
            low, high = RANGES.get(key, (0.0, MAX_VALUE))
            if not low <= value <= high:
                errors.append(FieldError(key, f"Wert muss zwischen {low:g} und {high:g} liegen."))
            values[key] = float(value)
    if not raw:
        errors.append(FieldError("body", "Keine Werte übergeben."))
    if errors:
        raise InvalidFigures(errors)
    return values


async def store_month(
    session: AsyncSession,
    partner: Partner,
    month: date,
    raw: dict[str, object],
    *,
    by_user_id: int | None,
    source: str,
    today: date,
    correction_months: int | None = None,
    confirmed: bool = True,
    domains: Callable[[str], bool] | None = None,
    metrics: dict[str, Metric] | None = None,
    year_before: dict[str, float] | None = None,
) -> StoredMonth:
    """`store_figures` in the caller's transaction, reading what the caller did not pass."""
    if metrics is None:
        metrics = await entered_metrics(session)
    if year_before is None:
        year_before = await month_values(session, partner, add_months(month, -12))
    return await session.run_sync(
        store_figures,
        partner,
        month,
        raw,
        by_user_id=by_user_id,
        source=source,
        today=today,
        correction_months=correction_months,
        confirmed=confirmed,
        domains=domains,
        metrics=metrics,
        year_before=year_before,
    )


def store_figures(
    session: Session,
    partner: Partner,
    month: date,
    raw: dict[str, object],
    *,
    by_user_id: int | None,
    source: str,
    today: date,
    metrics: dict[str, Metric],
    year_before: dict[str, float],
    correction_months: int | None = None,
    confirmed: bool = True,
    domains: Callable[[str], bool] | None = None,
) -> StoredMonth:
    """Store entered values of one month; a changed value keeps its predecessor as a revision.

    Refuses (InvalidFigures) what cannot be right, and, unless `confirmed`, asks
    (NeedsConfirmation) about values far from the same month a year earlier. `metrics` (the
    active metrics) and `year_before` (the month's values a year earlier) are read before:
    synchronous code for `Database.write`, which on SQLite holds the one write lock meanwhile.
    """
    metrics = {k: m for k, m in metrics.items() if m.kind == "entered"}
    values = check_values(metrics, raw, month, today)
    refused = [key for key in values if domains is not None and not domains(metrics[key].domain)]
    if refused:
        raise InvalidFigures(
            [FieldError(key, "Für diesen Bereich dürfen Sie keine Zahlen erfassen.") for key in refused]
        )
    # Submissions of one partner queue here (PostgreSQL row lock; SQLite's BEGIN IMMEDIATE
    # already serialises writers), so the revision count and history never lose an update.
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(Partner.id).where(Partner.id == partner.id).with_for_update())
    # Plain rows and statements: the ORM's objects and unit of work cost more than the
    # writes themselves, and on SQLite every other writer waits meanwhile.
    existing_rows = session.execute(
        select(Figure.id, Figure.metric_id, Figure.value, Figure.source, Figure.set_by_id, Figure.set_at, Metric.key)
        .join(Metric, Metric.id == Figure.metric_id)
        .where(Figure.partner_id == partner.id, Figure.month == month)
    ).all()
    existing = {row.metric_id: row for row in existing_rows}
    stored_now = {row.key: row.value for row in existing_rows}
    new_values = {key: value for key, value in values.items() if stored_now.get(key) != value}
    # A closed month may come again unchanged (a whole year's questionnaire); only changes are refused.
    if new_values and correction_months is not None and month < add_months(month_of(today), -correction_months):
        raise InvalidFigures(
            [
                FieldError(
                    "period",
                    f"{format_month(month)} ist abgeschlossen: Korrekturen sind "
                    f"nur für die letzten {correction_months} Monate möglich.",
                )
            ]
        )
    errors = consistency_errors({**stored_now, **values})
    if errors:
        raise InvalidFigures(errors)
    prior_month = add_months(month, -12)
    labels = {k: m.label_de for k, m in metrics.items()}
    warnings = plausibility_warnings(new_values, year_before, prior_month, labels)
    if warnings and not confirmed:
        raise NeedsConfirmation(warnings)
    now = utcnow()
    changed: list[str] = []
    added: list[dict[str, object]] = []
    replaced: list[dict[str, object]] = []  # the values before, kept as revisions
    updated: list[dict[str, object]] = []
    for key, value in values.items():
        metric = metrics[key]
        row = existing.get(metric.id)
        if row is None:
            added.append(
                {
                    "partner_id": partner.id,
                    "metric_id": metric.id,
                    "month": month,
                    "value": value,
                    "source": source,
                    "set_by_id": by_user_id,
                    "set_at": now,
                }
            )
        elif row.value != value:
            replaced.append(
                {
                    "figure_id": row.id,
                    "value": row.value,
                    "source": row.source,
                    "set_by_id": row.set_by_id,
                    "set_at": row.set_at,
                    "replaced_by_id": by_user_id,
                    "replaced_at": now,
                }
            )
            updated.append({"id": row.id, "value": value, "source": source, "set_by_id": by_user_id, "set_at": now})
        else:
            continue
        changed.append(key)
    report = session.execute(
        select(MonthReport.id).where(MonthReport.partner_id == partner.id, MonthReport.month == month)
    ).scalar()
    if report is not None and not changed:
        # The same values again (e.g. a re-imported file): nothing changes, not even the revision.
        return StoredMonth(partner.id, partner.number, month, (), values, tuple(warnings), {**stored_now, **values})
    if added:
        session.execute(insert(Figure), added)
    if replaced:
        session.execute(insert(FigureRevision), replaced)
        session.execute(update(Figure), updated)  # by primary key, as one statement for all
    if report is None:
        session.execute(
            insert(MonthReport).values(
                partner_id=partner.id, month=month, submitted_by_id=by_user_id, submitted_at=now, revision=1
            )
        )
    else:
        session.execute(
            update(MonthReport)
            .where(MonthReport.id == report)
            .values(revision=MonthReport.revision + 1, submitted_by_id=by_user_id, submitted_at=now)
        )
    record(
        session,
        by_user_id,
        "figures.saved",
        object_type="partner",
        object_id=partner.number,
        month=format_month(month),
        changed=changed,
        source=source,
    )
    session.flush()
    return StoredMonth(
        partner.id, partner.number, month, tuple(changed), values, tuple(warnings), {**stored_now, **values}
    )


async def month_values(
    session: AsyncSession, partner: Partner, month: date, domains: Callable[[str], bool] = lambda _: True
) -> dict[str, float]:
    """The entered values of a partner's month, limited to the data domains `domains` admits."""
    rows = await session.execute(
        select(Metric.key, Metric.domain, Figure.value)
        .join(Figure, Figure.metric_id == Metric.id)
        .where(Figure.partner_id == partner.id, Figure.month == month)
        .order_by(Metric.position)
    )
    return {key: value for key, domain, value in rows if domains(domain)}
