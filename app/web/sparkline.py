"""A small trend line as inline SVG: drawn on the server, no script, readable by its title."""

from __future__ import annotations

import math
from collections.abc import Sequence

WIDTH, HEIGHT, PAD = 96, 22, 2


def sparkline(values: Sequence[float], title: str) -> str:
    """Months left to right; a month without a value breaks the line. Empty string if nothing to draw."""
    known = [v for v in values if not math.isnan(v)]
    if len(known) < 2:
        return ""
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    step = (WIDTH - 2 * PAD) / max(1, len(values) - 1)
    runs: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if math.isnan(v):
            runs.append([])
            continue
        y = HEIGHT - PAD - (v - low) / span * (HEIGHT - 2 * PAD)
        runs[-1].append(f"{PAD + i * step:.1f},{y:.1f}")
    lines = "".join(f'<polyline points="{" ".join(run)}"/>' for run in runs if len(run) > 1)
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    return (
        f'<svg class="spark" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'aria-label="{safe_title}"><title>{safe_title}</title>{lines}</svg>'
    )
