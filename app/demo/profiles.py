"""Monthly figures of a demo dealer: size, seasonality, trend, and its own strengths and weaknesses.

Everything is drawn from one `random.Random`, so a seed gives the same network every time.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date


def _season_mean(series: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(series) / len(series)
    return tuple(v / mean for v in series)


# Share of the yearly business per calendar month (mean 1): spring tillage and sowing
# (Mar-May) and the grain and maize harvest (Jul-Sep) are the peaks of the dealer's year.
SEASON_NEW = _season_mean((0.62, 0.72, 1.18, 1.34, 1.22, 0.92, 1.12, 1.26, 1.12, 0.86, 0.74, 0.90))
SEASON_PARTS = _season_mean((0.70, 0.78, 1.05, 1.15, 1.10, 1.12, 1.30, 1.34, 1.08, 0.86, 0.74, 0.78))
SEASON_WORKSHOP = _season_mean((1.02, 1.16, 1.20, 1.05, 0.95, 1.02, 1.10, 1.00, 0.92, 0.90, 0.88, 0.80))
# Workshop attendance dips with holidays in August and at Christmas.
ATTENDANCE = (1.00, 1.00, 1.02, 1.00, 0.98, 1.00, 0.96, 0.86, 1.00, 1.00, 1.00, 0.84)
ANNUAL_REVENUE = {"klein": (2.5e6, 5.5e6), "mittel": (6e6, 15e6), "groß": (17e6, 38e6)}


def market_cycle(month: date) -> float:
    """The whole network's business climate: a slow wave with a dip, the same for everyone."""
    t = month.year * 12 + month.month
    return 1.0 + 0.06 * math.sin(t / 7.0)


@dataclass(frozen=True)
class DealerProfile:
    annual_revenue: float
    growth: float  # per year
    mix_new: float
    mix_used: float
    mix_parts: float
    mix_other: float
    margin_new: float
    margin_used: float
    margin_parts: float
    revenue_per_fte: float
    service_share_fte: float
    utilisation: float
    rate_per_hour: float
    unit_price: float
    stock_turnover: float
    backlog_months: float
    dso: float
    overdue_share: float
    warranty_rate: float
    warranty_days: float
    claims_per_service_fte: float
    cost_per_fte: float
    operating_cost_ratio: float
    marketing_ratio: float
    sales_area: float
    revenue_per_customer: float
    optimism: float
    noise: float

    @classmethod
    def draw(cls, rng: random.Random, size_class: str) -> DealerProfile:
        low, high = ANNUAL_REVENUE[size_class]
        annual_revenue = rng.uniform(low, high)
        mix_new = rng.uniform(0.48, 0.64)
        mix_used = rng.uniform(0.10, 0.20)
        mix_parts = rng.uniform(0.12, 0.20)
        return cls(
            annual_revenue=annual_revenue,
            growth=rng.gauss(0.03, 0.035),
            mix_new=mix_new,
            mix_used=mix_used,
            mix_parts=mix_parts,
            mix_other=rng.uniform(0.01, 0.05),
            margin_new=rng.uniform(0.08, 0.15),
            margin_used=rng.uniform(0.06, 0.16),
            margin_parts=rng.uniform(0.26, 0.36),
            revenue_per_fte=rng.uniform(320e3, 560e3),
            service_share_fte=rng.uniform(0.32, 0.46),
            utilisation=rng.uniform(0.66, 0.90),
            rate_per_hour=rng.uniform(72.0, 112.0),
            unit_price=rng.uniform(60e3, 140e3),
            stock_turnover=rng.uniform(2.2, 5.5),
            backlog_months=rng.uniform(1.5, 5.0),
            dso=rng.uniform(24.0, 70.0),
            overdue_share=rng.uniform(0.04, 0.30),
            warranty_rate=rng.uniform(0.78, 0.98),
            warranty_days=rng.uniform(12.0, 45.0),
            claims_per_service_fte=rng.uniform(0.8, 2.4),
            cost_per_fte=rng.uniform(3900.0, 5200.0),
            operating_cost_ratio=rng.uniform(0.05, 0.09),
            marketing_ratio=rng.uniform(0.003, 0.012),
            sales_area=round(annual_revenue / rng.uniform(2500.0, 7000.0), -1),
            revenue_per_customer=rng.uniform(14e3, 40e3),
            optimism=rng.uniform(-0.4, 0.5),
            noise=rng.uniform(0.05, 0.12),
        )


def month_figures(profile: DealerProfile, month: date, start: date, rng: random.Random) -> dict[str, float]:
    """The entered metrics of one month, consistent with each other (e.g. workshop revenue = hours x rate)."""
    years = ((month.year - start.year) * 12 + month.month - start.month) / 12
    level = profile.annual_revenue / 12 * (1 + profile.growth) ** years * market_cycle(month)
    m = month.month - 1

    def jitter(scale: float = 1.0) -> float:
        return math.exp(rng.gauss(0.0, profile.noise * scale))

    revenue_new = level * profile.mix_new * SEASON_NEW[m] * jitter(1.6)
    revenue_used = level * profile.mix_used * SEASON_NEW[m] * jitter(1.8)
    revenue_parts = level * profile.mix_parts * SEASON_PARTS[m] * jitter()
    revenue_other = level * profile.mix_other * jitter(2.0)
    fte = profile.annual_revenue / profile.revenue_per_fte * (1 + profile.growth) ** years
    fte_service = fte * profile.service_share_fte
    hours_attendance = fte_service * 142.0 * ATTENDANCE[m] * jitter(0.3)
    utilisation = min(0.97, profile.utilisation * SEASON_WORKSHOP[m] ** 0.5 * jitter(0.5))
    hours_productive = hours_attendance * utilisation
    revenue_workshop = hours_productive * profile.rate_per_hour * (1 + 0.025 * years)
    revenue_total = revenue_new + revenue_used + revenue_parts + revenue_workshop + revenue_other
    cogs = (
        revenue_new * (1 - profile.margin_new)
        + revenue_used * (1 - profile.margin_used)
        + revenue_parts * (1 - profile.margin_parts)
        + revenue_other * 0.55
    )
    annual_cogs_new = level * 12 * profile.mix_new * (1 - profile.margin_new)
    claims = max(0, round(fte_service * profile.claims_per_service_fte * jitter(1.5)))
    approved = min(claims, round(claims * profile.warranty_rate * jitter(0.3)))
    receivables = revenue_total / 30 * profile.dso * jitter(0.6)
    mood = profile.optimism + 4 * (market_cycle(month) - 1) + rng.gauss(0, 0.5)
    return {
        "revenue_new": round(revenue_new, 2),
        "revenue_used": round(revenue_used, 2),
        "revenue_parts": round(revenue_parts, 2),
        "revenue_workshop": round(revenue_workshop, 2),
        "revenue_other": round(revenue_other, 2),
        "cogs": round(cogs, 2),
        "units_new": float(max(0, round(revenue_new / profile.unit_price))),
        "order_backlog": round(
            level * profile.mix_new * profile.backlog_months * SEASON_NEW[(m + 2) % 12] * jitter(), 2
        ),
        "stock_new": round(annual_cogs_new / profile.stock_turnover * SEASON_NEW[(m + 1) % 12] ** 0.5 * jitter(0.5), 2),
        "stock_used": round(level * profile.mix_used * 2.6 * jitter(0.8), 2),
        "stock_parts": round(level * 12 * profile.mix_parts * (1 - profile.margin_parts) / 3.2 * jitter(0.3), 2),
        "hours_attendance": round(hours_attendance, 1),
        "hours_productive": round(hours_productive, 1),
        "warranty_claims": float(claims),
        "warranty_approved": float(approved),
        "warranty_value": round(approved * rng.uniform(380.0, 920.0), 2),
        "warranty_days": round(profile.warranty_days * jitter(1.5), 1),
        "receivables": round(receivables, 2),
        "receivables_overdue": round(receivables * min(0.9, profile.overdue_share * jitter(2.0)), 2),
        "personnel_costs": round(fte * profile.cost_per_fte * (1 + 0.03 * years) * (1.45 if m == 10 else 1.0), 2),
        "operating_costs": round(revenue_total * profile.operating_cost_ratio * jitter(0.8), 2),
        "marketing_spend": round(
            revenue_total * profile.marketing_ratio * (1.6 if m in (1, 2) else 1.0) * jitter(2.0), 2
        ),
        "fte": round(fte, 1),
        "fte_service": round(fte_service, 1),
        "apprentices": float(round(fte * 0.08)),
        "sales_area": profile.sales_area,
        "customers_active": float(
            round(profile.annual_revenue / profile.revenue_per_customer * (1 + profile.growth * 0.5) ** years)
        ),
        "expectation": float(max(-1, min(1, round(mood)))),
    }
