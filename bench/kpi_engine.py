"""KPI engine speed at network scale: 1,000 partners, 36 months, the whole catalogue.

Prints, each as the median of several runs:
  1. group statistics of every KPI for one group (all partners), one period and span
  2. one partner's full dashboard data: every KPI in every span with prior year, plus
     the 24-month series of own value and group median
  3. the work after one submission: the partner's groups (all, region, size class)
     recomputed for the month
  4. (1) computed by a plain per-partner Python loop, the reference: results are
     checked equal, and the speed-up is printed.
Targets on a 2-core machine: 20 ms, 50 ms, 10 ms, and at least 20 times the loop.

Run: .venv/bin/python bench/kpi_engine.py [partners] [months]
"""

from __future__ import annotations

import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date

import numpy as np

from app.benchmark.data import VARIANT_BASES
from app.demo.profiles import DealerProfile, month_figures
from kpi.benchmark import engine_for
from kpi.catalogue import CATALOGUE
from kpi.cube import Cube
from kpi.formula import evaluate
from kpi.months import months_back
from kpi.periods import Span, span_months
from kpi.stats import group_stats, quantiles_many

# As the portal builds it: the catalogue plus the charts' per-employee and share-of-revenue variants.
ENGINE = engine_for(CATALOGUE, {m.key: m.label_de for m in CATALOGUE}, variant_bases=VARIANT_BASES)


def build_cube(partners: int, months: int) -> Cube:
    calendar = months_back(date(2026, 10, 1), months)
    keys = [m.key for m in CATALOGUE if m.kind != "derived"]
    cube = Cube.empty(list(range(partners)), calendar, keys)
    rng = random.Random(1)
    for p in range(partners):
        profile = DealerProfile.draw(rng, rng.choice(["klein", "mittel", "groß"]))
        for m, month in enumerate(calendar):
            values = month_figures(profile, month, calendar[0], rng)
            values.update(purchasing_power=100.0, sales_potential=profile.annual_revenue * 2)
            cube.values[p, m] = [values[k] for k in keys]
    return cube


def timed(work: Callable[[], object], runs: int = 7) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def reference_group_stats(cube: Cube, span: Span, period: date) -> dict[str, tuple[float, float, float, int]]:
    """The same numbers, one partner and one metric at a time in plain Python."""
    months = span_months(span, period)
    columns = [cube.months.index(m) for m in months]
    per_partner: list[dict[str, float]] = []
    for p in range(len(cube.partners)):
        values: dict[str, float] = {}
        for k, key in enumerate(cube.keys):
            series = [float(cube.values[p, c, k]) for c in columns]
            if any(math.isnan(v) for v in series):
                values[key] = math.nan
            elif ENGINE.time_kinds[key] == "stock":
                values[key] = series[-1]
            elif ENGINE.time_kinds[key] == "average":
                values[key] = sum(series) / len(series)
            else:
                values[key] = sum(series)
        env: dict[str, object] = {**values, "months": float(len(months))}
        for metric in ENGINE.catalogue.order:
            result = float(evaluate(metric.formula, {k: np.array([v]) for k, v in env.items()})[0])  # type: ignore[arg-type]
            env[metric.key] = values[metric.key] = result
        per_partner.append(values)
    out = {}
    for key in per_partner[0]:
        present = sorted(v[key] for v in per_partner if not math.isnan(v[key]))
        if present:
            quartiles = statistics.quantiles(present, n=4, method="inclusive")
            out[key] = (quartiles[0], quartiles[1], quartiles[2], len(present))
    return out


def main(partners: int, months: int) -> None:
    print(f"building {partners} partners x {months} months ...", flush=True)
    cube = build_cube(partners, months)
    everyone = list(range(partners))
    period = cube.months[-1]
    regions = [p for p in everyone if p % 4 == 0]
    sizes = [p for p in everyone if p % 3 == 0]

    def group() -> object:
        return ENGINE.benchmark(cube, everyone, None, Span.YTD, period)

    def dashboard() -> object:
        cells = [ENGINE.benchmark(cube, everyone, 0, span, period) for span in Span]
        series = ENGINE.series(cube, cube.months[-24:])
        keys = list(series)
        stacked = np.vstack([series[key].T for key in keys])  # (KPIs x 24 months) x partners
        (medians,) = quantiles_many(stacked, (0.5,))
        return cells, {key: (series[key][0], medians[i * 24 : (i + 1) * 24]) for i, key in enumerate(keys)}

    def after_submission() -> object:
        cube.values[0, -1, 0] += 1.0
        shared = (ENGINE.values(cube, Span.MONTH, period), ENGINE.values(cube, Span.MONTH, cube.months[-13]))
        return [
            ENGINE.benchmark(cube, members, 0, Span.MONTH, period, values=shared)
            for members in (everyone, regions, sizes)
        ]

    t_group, t_dashboard, t_after = timed(group), timed(dashboard, 3), timed(after_submission)
    start = time.perf_counter()
    reference = reference_group_stats(cube, Span.YTD, period)
    t_loop = (time.perf_counter() - start) * 1000
    engine_values = ENGINE.values(cube, Span.YTD, period)
    for key, (q1, median, q3, n) in reference.items():
        stats = group_stats(engine_values[key], None)
        assert stats is not None and stats.n == n, key
        for ours, theirs in ((stats.q1, q1), (stats.median, median), (stats.q3, q3)):
            assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-9), (key, ours, theirs)
    print(f"1. group statistics, all {len(reference)} KPIs, {partners} partners, YTD: {t_group:8.1f} ms (target 20)")
    print(f"2. one partner's dashboard (6 spans, prior year, 24-month series): {t_dashboard:8.1f} ms (target 50)")
    print(f"3. work after one submission (3 groups, month): {t_after:8.1f} ms (target 10)")
    print(
        f"4. plain per-partner loop for (1): {t_loop:8.1f} ms; results equal; speed-up {t_loop / t_group:5.1f}x "
        "(target 20x)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000, int(sys.argv[2]) if len(sys.argv) > 2 else 36)
