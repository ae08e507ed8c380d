"""The demo network's relationship data: addresses, contacts, contracts and staff per partner, a year
of open items, warranty claims, purchases and marketing, and target plans in every state."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.demo.profiles import DealerProfile
from app.models import (
    MarketingActivity,
    OpenItem,
    Partner,
    PartnerAddress,
    PartnerContact,
    PartnerStaff,
    Purchase,
    TargetPlan,
    TargetPlanRevision,
    Territory,
    User,
    WarrantyClaim,
)
from kpi.months import add_months
from kpi.targets import yearly_of

STREETS = ("Industriestraße", "Am Landhandel", "Raiffeisenstraße", "Gewerbering", "Hauptstraße", "Dorfstraße")
ROLES = ("Geschäftsführung", "Verkaufsleitung", "Werkstattleitung", "Teiledienst", "Buchhaltung")
FIRST = ("Jan", "Heike", "Klaus", "Sabine", "Thomas", "Anke", "Peter", "Maren", "Stefan", "Julia", "Lars", "Frauke")
LAST = ("Meyer", "Schulze", "Hansen", "Petersen", "Brandt", "Vogt", "Kröger", "Lange", "Wolf", "Friedrich")
BRANDS = ("Fendt", "Claas", "John Deere", "Kubota", "Kverneland", "Amazone", "Pöttinger", "Krone")
CONTRACTS = ("vertragshaendler", "vertragshaendler", "servicepartner", "agentur", "werkstatt")
GROUPS = ("Traktoren", "Erntetechnik", "Ersatzteile")
CAMPAIGNS = ("Frühjahrsaktion Bodenbearbeitung", "Feldtag", "Erntetechnik-Vorführung", "Winter-Check Werkstatt")


def describe_partners(
    network: list[Partner],
    users: dict[str, User],
    territories: dict[int, Territory],
    profiles: dict[int, DealerProfile],
    seed: int,
) -> list[object]:
    """Addresses, contacts, staff; the contract fields are set on the partners themselves."""
    rows: list[object] = []
    for partner in network:
        rng = random.Random(f"{seed}:relation:{partner.number}")
        partner.contract_type = CONTRACTS[rng.randrange(len(CONTRACTS))]
        partner.contract_since = date(rng.randint(1995, 2022), rng.randint(1, 12), 1)
        partner.brands = sorted(rng.sample(BRANDS, rng.randint(1, 3)))
        partner.service_authorised = partner.contract_type != "agentur"
        # About two months of business: a few partners run close to it (open items are up to ~5 weeks').
        partner.credit_limit = float(round(profiles[partner.id].annual_revenue / 12 * rng.uniform(1.2, 2.4), -4))
        partner.coop_budget = float(rng.choice((5_000, 10_000, 15_000, 25_000)))
        street = f"{STREETS[rng.randrange(len(STREETS))]} {rng.randint(1, 120)}"
        rows.append(
            PartnerAddress(
                partner_id=partner.id, kind="main", street=street, postal_code=partner.postal_code, city=partner.city
            )
        )
        if rng.random() < 0.3:
            rows.append(
                PartnerAddress(
                    partner_id=partner.id,
                    kind="billing",
                    street=f"Postfach {rng.randint(100, 9999)}",
                    postal_code=partner.postal_code,
                    city=partner.city,
                )
            )
        domain = f"haendler-{partner.number}.demo.invalid"
        for i, role in enumerate(rng.sample(ROLES, rng.randint(2, 4))):
            first, last = FIRST[rng.randrange(len(FIRST))], LAST[rng.randrange(len(LAST))]
            rows.append(
                PartnerContact(
                    partner_id=partner.id,
                    name=f"{first} {last}",
                    role=role,
                    phone=f"+49 {rng.randint(30, 9999)} {rng.randint(10000, 999999)}",
                    email=f"{first.lower()}.{last.lower()}@{domain}".replace("ö", "oe"),
                    consent=i == 0 or rng.random() < 0.4,
                    consent_at=datetime(2024, 1, 15, 9, tzinfo=UTC) if i == 0 else None,
                )
            )
        rows.append(PartnerStaff(partner_id=partner.id, role="receivables", user_id=users["debitoren"].id))
        path_codes = _path(territories, partner.territory_id)
        if "SUED" in path_codes:
            rows.append(PartnerStaff(partner_id=partner.id, role="territory_manager", user_id=users["gebiet-sued"].id))
    return rows


def _path(territories: dict[int, Territory], territory_id: int) -> list[str]:
    codes = []
    node: Territory | None = territories[territory_id]
    while node is not None:
        codes.append(node.code)
        node = territories.get(node.parent_id) if node.parent_id else None
    return codes


async def supplier_records(
    session: AsyncSession, network: list[Partner], profiles: dict[int, DealerProfile], seed: int, today: date
) -> None:
    """A year of the supplier's records per partner, in bulk."""
    items: list[dict[str, object]] = []
    claims: list[dict[str, object]] = []
    purchases: list[dict[str, object]] = []
    activities: list[dict[str, object]] = []
    this_month = date(today.year, today.month, 1)
    months = [add_months(this_month, -i) for i in range(1, 13 + today.month)]  # back to January of last year
    for partner in network:
        rng = random.Random(f"{seed}:supplier:{partner.number}")
        profile = profiles[partner.id]
        monthly = profile.annual_revenue / 12
        for n in range(rng.randint(2, 9)):
            overdue = rng.choice((-20, -10, 0, 5, 12, 25, 40, 75))
            due = today - timedelta(days=overdue)
            items.append(
                {
                    "partner_id": partner.id,
                    "document_no": f"RE-{partner.number}-{n + 1:03d}",
                    "document_date": due - timedelta(days=30),
                    "due_date": due,
                    "amount": round(monthly * rng.uniform(0.02, 0.12), 2),
                    "dunning_level": 0 if overdue <= 0 else min(3, 1 + overdue // 30),
                }
            )
        for n in range(rng.randint(4, 14)):
            received = today - timedelta(days=rng.randint(1, 360))
            state = "open" if received > today - timedelta(days=25) else rng.choice(("approved",) * 4 + ("rejected",))
            claims.append(
                {
                    "partner_id": partner.id,
                    "claim_no": f"GA-{partner.number}-{n + 1:03d}",
                    "received": received,
                    "status": state,
                    "amount": round(rng.uniform(150, 6000), 2),
                    "decided": None if state == "open" else received + timedelta(days=rng.randint(3, 30)),
                }
            )
        for month in months:
            for group, share in zip(GROUPS, (profile.mix_new * 0.7, 0.15, profile.mix_parts * 0.6), strict=True):
                purchases.append(
                    {
                        "partner_id": partner.id,
                        "month": month,
                        "product_group": group,
                        "amount": round(monthly * share * rng.uniform(0.6, 1.4), 2),
                    }
                )
        for year in (today.year - 1, today.year):
            for campaign in rng.sample(CAMPAIGNS, rng.randint(1, 3)):
                start = date(year, rng.randint(1, 12 if year < today.year else today.month), 1)
                activities.append(
                    {
                        "partner_id": partner.id,
                        "campaign": campaign,
                        "start": start,
                        "coop_funds": float(rng.choice((500, 1000, 1500, 2500))),
                    }
                )
    for model, rows in (
        (OpenItem, items),
        (WarrantyClaim, claims),
        (Purchase, purchases),
        (MarketingActivity, activities),
    ):
        for chunk in range(0, len(rows), 5000):
            await session.execute(insert(model), rows[chunk : chunk + 5000])


async def target_plans(
    session: AsyncSession,
    targets: list[dict[str, object]],
    network: list[Partner],
    admin: User,
    seed: int,
    today: date,
    summed: dict[int, bool],
) -> None:
    """Plans for the demo's monthly targets: 1001's proposed (its managing director confirms them in the
    portal), 1002's agreed, the others proposed, agreed or revised; every version a revision row."""
    months: dict[tuple[int, int], list[float]] = {}
    for row in targets:
        key = (int(row["partner_id"]), int(row["metric_id"]))  # type: ignore[call-overload]
        months.setdefault(key, [0.0] * 12)[row["month"].month - 1] = float(row["value"])  # type: ignore[attr-defined, arg-type]
    numbers = {p.id: p.number for p in network}
    at = datetime.combine(date(today.year, 1, 10), time(9), tzinfo=UTC)
    plans = []
    for (partner_id, metric_id), values in months.items():
        rng = random.Random(f"{seed}:plan:{partner_id}:{metric_id}")
        number = numbers[partner_id]
        state = (
            "proposed"
            if number == 1001
            else "agreed"
            if number == 1002
            else rng.choice(("proposed", "agreed", "agreed", "revised"))
        )
        plans.append(
            (
                TargetPlan(
                    partner_id=partner_id,
                    metric_id=metric_id,
                    year=today.year,
                    state=state,
                    # Set as a yearly value, phased by the prior year (as the demo's months are).
                    yearly=round(yearly_of(values, summed[metric_id]), 2),
                    version=2 if state == "revised" else 1,
                    changed_by_id=admin.id,
                    changed_at=at,
                    agreed_at=at + timedelta(days=7) if state == "agreed" else None,
                ),
                values,
            )
        )
    session.add_all(plan for plan, _ in plans)
    await session.flush()
    revisions = []
    for plan, values in plans:
        # A revised plan was agreed at 3 % less, then raised: the stored months are its latest version.
        first = [round(v / 1.03, 2) for v in values] if plan.state == "revised" else values
        first_yearly = round(yearly_of(first, summed[plan.metric_id]), 2)
        history: list[tuple[int, str, list[float], float | None, int | None, datetime, str]] = [
            (1, "proposed", first, first_yearly, admin.id, at, "Jahresplanung")
        ]
        if plan.state in ("agreed", "revised"):
            history.append((1, "agreed", first, first_yearly, None, at + timedelta(days=7), "bestätigt"))
        if plan.state == "revised":
            history.append((2, "revised", values, plan.yearly, admin.id, at + timedelta(days=60), "angepasst"))
        revisions += [
            {
                "plan_id": plan.id,
                "version": v,
                "state": st,
                "months": m,
                "yearly": y,
                "by_id": by,
                "at": when,
                "note": n,
            }
            for v, st, m, y, by, when, n in history
        ]
    for chunk in range(0, len(revisions), 5000):
        await session.execute(insert(TargetPlanRevision), revisions[chunk : chunk + 5000])
