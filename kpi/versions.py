"""Partners' versions in a cell's history of releases: which value of its own each partner
contributed to each release, numbered, and which partners share a whole column of them.

The differencing audit (kpi.anonymity) depends only on this pattern, not on the values or
on who the partners are; it is kept from release to release, one new row at a time.
"""

from __future__ import annotations

import numpy as np


def column_versions(matrix: np.ndarray) -> np.ndarray:
    """Per partner (column), its versions numbered in order of first appearance, -1 where absent;
    a partner returning to an earlier value has that version again. Same shape as `matrix`."""
    kept = ~np.isnan(matrix).all(axis=0)
    if kept.all():  # the usual case: a history holds only partners that contributed
        return numbered_versions(matrix)
    versions = np.full(matrix.shape, -1, dtype=np.int64)
    versions[:, kept] = numbered_versions(matrix)
    return versions


def next_versions(earlier: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """`column_versions(matrix)`, given `earlier`: those of all its rows but the last.

    A cell's history grows by one release at a time; numbering only the new row costs a
    comparison per partner and a look-up for the few that changed, instead of numbering the
    whole history again (most of a 1,000-partner release's audit)."""
    if len(matrix) < 2 or earlier.shape != (len(matrix) - 1, matrix.shape[1]):
        return column_versions(matrix)
    return np.vstack([earlier, next_versions_row(earlier, matrix)])


def next_versions_row(earlier: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The last row of `next_versions(earlier, matrix)`; `earlier` has one row less than `matrix`, at least one."""
    before, last = matrix[:-1], matrix[-1]
    row = np.full(matrix.shape[1], -1, dtype=np.int64)
    present = ~np.isnan(last)
    kept = present & (before[-1] == last)  # the usual case: the value of the release before
    row[kept] = earlier[-1][kept]
    changed = np.nonzero(present & ~kept)[0]  # or back after an absence: an earlier value's version, or a new one
    if len(changed):
        equal = before[:, changed] == last[changed]
        row[changed] = np.where(
            equal.any(axis=0), earlier[equal.argmax(axis=0), changed], earlier[:, changed].max(axis=0) + 1
        )
    return row


def numbered_versions(matrix: np.ndarray) -> np.ndarray:
    """Per partner, its versions numbered in order of first appearance, -1 where absent; partners
    that never contributed are dropped. A partner returning to an earlier value has that version again."""
    matrix = matrix[:, ~np.isnan(matrix).all(axis=0)]
    present = ~np.isnan(matrix)
    # A partner mostly keeps its value from one release to the next: only where it (re)appears
    # or changes must its value be looked up among its earlier ones.
    starts = present.copy()
    starts[1:] &= matrix[1:] != matrix[:-1]
    r, c = np.nonzero(starts)
    values = matrix[r, c]
    order = np.lexsort((r, values, c))
    r, c, values = r[order], c[order], values[order]
    # Sorted by partner, value and release, the first of each (partner, value) is where it first appears.
    leading = np.ones(len(r), dtype=bool)
    leading[1:] = (c[1:] != c[:-1]) | (values[1:] != values[:-1])
    earliest, partner = r[leading], c[leading]
    by_appearance = np.lexsort((earliest, partner))
    in_order = partner[by_appearance]
    number = np.empty(len(in_order), dtype=np.int64)
    number[by_appearance] = np.arange(len(in_order)) - np.searchsorted(in_order, in_order)
    # The number where a run of one value starts, carried down the run.
    numbered = np.zeros(matrix.shape, dtype=np.int64)
    numbered[r, c] = number[np.cumsum(leading) - 1]
    run = np.maximum.accumulate(np.where(starts, np.arange(len(matrix))[:, None], 0), axis=0)
    return np.where(present, np.take_along_axis(numbered, run, axis=0), -1)


_WEIGHTS = np.random.default_rng(20261127).random(4096) + 1.0


def distinct_columns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct columns as in np.unique(..., axis=1): a column of each, which one each column
    equals, and how many columns equal each. Many partners share a few patterns."""
    rows = len(matrix)
    if rows <= len(_WEIGHTS):
        # A random weighting of each column groups equal ones at once; the grouping is then checked.
        _, index, inverse, counts = np.unique(
            _WEIGHTS[:rows] @ matrix, return_index=True, return_inverse=True, return_counts=True
        )
        if np.array_equal(matrix, matrix[:, index[inverse]]):
            return index, inverse, counts
    _, index, inverse, counts = np.unique(matrix, axis=1, return_index=True, return_inverse=True, return_counts=True)
    return index, inverse.reshape(-1), counts


def distinct_columns_after(earlier: np.ndarray | None, versions: np.ndarray) -> np.ndarray:
    """Per column of `versions`, the number of its distinct column (0, 1, ...: equal columns, equal
    numbers), given `earlier`: those numbers for all rows but the last (None: found afresh).

    A release adds a row, so two columns equal until then stay equal only where the new row
    agrees: the numbers are refined by the new row alone, without comparing whole columns."""
    return distinct_groups_after(earlier, versions)[0]


def distinct_groups_after(
    earlier: np.ndarray | None, versions: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`distinct_columns_after`, with a column of each number and how many columns have it
    (what kpi.anonymity.releasable_versions needs of them: found by the same sort)."""
    if earlier is None or len(versions) < 2:
        index, numbers, counts = distinct_columns(versions)
        return numbers, index, counts
    last = versions[-1].astype(np.int64)
    _, index, numbers, counts = np.unique(
        earlier.astype(np.int64) * (int(last.max(initial=0)) + 2) + (last + 1),
        return_index=True,
        return_inverse=True,
        return_counts=True,
    )
    return numbers.reshape(-1), index, counts
