"""The differencing audit of one cell's release (kpi.anonymity.differencing_safe_matrix) at group scale.

Histories as the portal keeps them (tests/kpi/test_anonymity_differencing.py): every partner
at first, then per release 3-20 partners with a new value, an earlier one again, or leaving.
Per shape, printed:
  - the audit uncached (median of several runs), and a cached call (another cell of the release),
  - the audit as it was (the reference in the tests: a variable per partner and version, an
    SVD per distinct member pattern; one run, as it takes seconds), its verdict checked equal,
  - the version numbering alone, vectorised against the loop over releases it replaced,
and the same for the shape with one more release in which one partner leaves (not safe).

Run: .venv/bin/python bench/anonymity.py [--no-reference] [--shapes 60x300,100x1000,150x1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kpi.versions import numbered_versions
from tests.kpi.test_anonymity_differencing import (
    realistic_history,
    reference_safe,
    reference_versions,
)

from kpi.anonymity import _pattern_safe, differencing_safe_matrix


def timed(work: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median milliseconds of `runs` runs, and the last result."""
    samples, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = work()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), result


def uncached(matrix: np.ndarray) -> bool:
    _pattern_safe.cache_clear()
    return differencing_safe_matrix(matrix)


def measure(label: str, matrix: np.ndarray, reference: bool) -> None:
    new_ms, verdict = timed(lambda: uncached(matrix), 7)
    cached_ms, _ = timed(lambda: differencing_safe_matrix(matrix), 7)
    versions_ms, _ = timed(lambda: numbered_versions(matrix), 7)
    line = f"{label:32} {'safe' if verdict else 'unsafe':6}  new {new_ms:7.1f} ms (cached {cached_ms:5.1f})"
    if reference:
        old_ms, expected = timed(lambda: reference_safe(matrix), 1)
        loop_ms, _ = timed(lambda: reference_versions(matrix), 3)
        assert expected == verdict, label
        line += f"  old {old_ms:9.0f} ms  x{old_ms / new_ms:6.0f}  versions {versions_ms:.1f} vs {loop_ms:.1f} ms"
    else:
        line += f"  versions {versions_ms:.1f} ms"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-reference", action="store_true", help="skip the old algorithm (minutes at 150x1000)")
    parser.add_argument("--shapes", default="60x300,100x1000,150x1000", help="releases x partners, comma-separated")
    args = parser.parse_args()
    for shape in args.shapes.split(","):
        releases, partners = (int(n) for n in shape.split("x"))
        history = realistic_history(np.random.default_rng(releases * partners), releases, partners)
        measure(f"{releases} releases x {partners} partners", history, not args.no_reference)
        left = np.vstack([history, history[-1]])
        left[-1, 0] = np.nan
        measure("  + one partner leaving", left, not args.no_reference)


if __name__ == "__main__":
    main()
