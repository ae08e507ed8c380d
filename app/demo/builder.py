"""Filling an empty database with the demo network, deterministically from a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.conversations import build_conversations
from app.demo.library import build_library
from app.demo.network import build_groups, build_partners, build_rooms, build_territories, build_users
from app.demo.profiles import DealerProfile, month_figures
from app.demo.relationship import describe_partners, supplier_records, target_plans
from app.demo.work import build_work
from app.models import AuditEvent, Figure, MarketValue, Metric, MonthReport, Partner, Target, Territory
from app.seed import seed_reference_data
from kpi.months import add_months, format_month, month_of, months_back
from kpi.targets import is_summed

TARGET_METRICS = ("revenue_new", "revenue_used", "revenue_parts", "revenue_workshop", "units_new")
LATE_PARTNERS = 3  # have not yet reported last month
GAP_PARTNERS = 2  # skipped one month in the past


class NotEmpty(RuntimeError):
    pass


@dataclass(frozen=True)
class DemoSummary:
    partners: int
    months: int
    first_month: date
    last_month: date
    figures: int
    users: int


def _reported_at(rng: random.Random, month: date, today: date, late: bool = False) -> datetime:
    """When the month was reported: days after its end, but before the start of `today`.

    A report due later is spread over the time since the month ended (by the draws made
    anyway, so the network stays the same for a seed): stamped all at one instant, they
    made every check for changed reports read hundreds of them again
    (app.benchmark.month_reports).
    """
    month_end = add_months(month, 1) - timedelta(days=1)
    days = rng.randint(35, 60) if late else rng.randint(3, 20)
    hour, minute = 7 + rng.randint(0, 10), rng.randint(0, 59)
    at = datetime.combine(month_end + timedelta(days=days), time(hour, minute), tzinfo=UTC)
    start_of_today = datetime.combine(today, time(0), tzinfo=UTC)
    if at < start_of_today:
        return at
    window = max(1, int((start_of_today - datetime.combine(month_end, time(0), tzinfo=UTC)).total_seconds() // 60))
    return start_of_today - timedelta(minutes=1 + (days * 1440 + hour * 60 + minute) * 7919 % window)


async def has_network(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(Partner)))


async def build_demo(session: AsyncSession, *, partners: int, months: int, seed: int, today: date) -> DemoSummary:
    if partners < 1 or months < 1:
        raise ValueError("Mindestens ein Partner und ein Monat.")
    if await has_network(session):
        raise NotEmpty("Die Datenbank enthält schon ein Partnernetz; demo-data füllt nur eine leere Datenbank.")
    await seed_reference_data(session)
    rng = random.Random(seed)
    leaves = await build_territories(session)
    network = build_partners(rng, leaves, partners)
    session.add_all(network)
    await session.flush()
    groups = build_groups(network)
    session.add_all(groups)
    await session.flush()
    users = await build_users(session, network, rng)
    session.add_all(build_rooms(groups, users["admin"]))

    metric_ids = {m.key: m.id for m in await session.scalars(select(Metric))}
    last_month = add_months(month_of(today), -1)
    calendar = months_back(last_month, months)
    late = set(rng.sample(range(2, partners), min(LATE_PARTNERS, max(0, partners - 2))))
    gaps = (
        {
            i: rng.randrange(1, len(calendar) - 1)
            for i in rng.sample(range(2, partners), min(GAP_PARTNERS, max(0, partners - 2)))
        }
        if len(calendar) > 2
        else {}
    )
    newcomer = partners - 1 if partners >= 10 and months > 18 else None

    figure_rows: list[dict[str, object]] = []
    report_rows: list[dict[str, object]] = []
    target_rows: list[dict[str, object]] = []
    profiles: dict[int, DealerProfile] = {}
    for index, partner in enumerate(network):
        prng = random.Random(f"{seed}:{partner.number}")
        profile = profiles[partner.id] = DealerProfile.draw(prng, partner.size_class)
        history: dict[date, dict[str, float]] = {}
        for position, month in enumerate(calendar):
            values = month_figures(profile, month, calendar[0], prng)
            history[month] = values
            if (index in late and month == last_month) or gaps.get(index) == position:
                continue
            if index == newcomer and position < len(calendar) - 14:
                continue
            at = _reported_at(prng, month, today, late=position == len(calendar) - 2 and index % 7 == 3)
            report_rows.append({"partner_id": partner.id, "month": month, "submitted_at": at, "revision": 1})
            figure_rows.extend(
                {
                    "partner_id": partner.id,
                    "metric_id": metric_ids[key],
                    "month": month,
                    "value": value,
                    "source": "demo",
                    "set_at": at,
                }
                for key, value in values.items()
            )
        target_rows.extend(_targets(profile, partner, history, metric_ids, today, prng))

    for chunk in range(0, len(figure_rows), 5000):
        await session.execute(insert(Figure), figure_rows[chunk : chunk + 5000])
    await session.execute(insert(MonthReport), report_rows)
    await session.execute(insert(Target), target_rows)
    kinds = {m.key: m.time_kind or "" for m in await session.scalars(select(Metric))}
    # The demo's target metrics are entered flows (summed) and DSO (a derived level): no formula terms needed.
    summed = {metric_ids[k]: is_summed(k, kinds, {}) for k in (*TARGET_METRICS, "dso")}
    await target_plans(session, target_rows, network, users["admin"], seed, today, summed)
    territories = {t.id: t for t in await session.scalars(select(Territory))}
    session.add_all(describe_partners(network, users, territories, profiles, seed))
    await supplier_records(session, network, profiles, seed, today)
    await build_work(session, network, users, seed, today)
    await build_library(session, network, users, seed, today)
    await build_conversations(session, network, users, today)
    session.add_all(_market_values(network, profiles, metric_ids, today.year, rng))
    session.add(
        AuditEvent(
            action="demo.created",
            detail={
                "partners": partners,
                "months": months,
                "seed": seed,
                "last_month": format_month(last_month),
            },
        )
    )
    await session.flush()
    return DemoSummary(partners, months, calendar[0], last_month, len(figure_rows), len(users))


def _targets(
    profile: DealerProfile,
    partner: Partner,
    history: dict[date, dict[str, float]],
    metric_ids: dict[str, int],
    today: date,
    rng: random.Random,
) -> list[dict[str, object]]:
    """Monthly targets for the current year: last year's month plus the growth the Zentrale asks for."""
    ambition = rng.uniform(0.02, 0.08)
    rows = []
    for m in range(1, 13):
        month = date(today.year, m, 1)
        basis = history.get(date(today.year - 1, m, 1)) or month_figures(profile, month, month, random.Random(0))
        for key in TARGET_METRICS:
            value = round(basis[key] * (1 + ambition), 0 if key == "units_new" else -2)
            rows.append({"partner_id": partner.id, "metric_id": metric_ids[key], "month": month, "value": value})
        # DSO is a level, the same every month: the receivables staff's target, a tenth below the dealer's habit.
        rows.append(
            {
                "partner_id": partner.id,
                "metric_id": metric_ids["dso"],
                "month": month,
                "value": round(profile.dso * 0.9),
            }
        )
    return rows


def _market_values(
    network: list[Partner],
    profiles: dict[int, DealerProfile],
    metric_ids: dict[str, int],
    year: int,
    rng: random.Random,
) -> list[MarketValue]:
    """Purchasing power and sales potential per two-digit postal area, as a market-data import would bring."""
    areas: dict[str, list[Partner]] = {}
    for p in network:
        areas.setdefault(p.postal_code[:2], []).append(p)
    values = []
    for area, members in sorted(areas.items()):
        power = rng.uniform(86.0, 114.0)
        potential = sum(profiles[p.id].annual_revenue * profiles[p.id].mix_new for p in members) / rng.uniform(
            0.22, 0.5
        )
        for y in (year - 2, year - 1, year):
            drift = 1 + 0.02 * (y - year)
            values.append(
                MarketValue(
                    area_kind="postal",
                    area_code=area,
                    metric_id=metric_ids["purchasing_power"],
                    year=y,
                    value=round(power * drift, 1),
                    source="Demo-Marktdaten",
                )
            )
            values.append(
                MarketValue(
                    area_kind="postal",
                    area_code=area,
                    metric_id=metric_ids["sales_potential"],
                    year=y,
                    value=round(potential * drift, -3),
                    source="Demo-Marktdaten",
                )
            )
    return values
