"""Property tests of the release rules: what partners may see of their group."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kpi.anonymity import AnonymityPolicy, differencing_safe, may_release, primary_reason
from kpi.stats import group_stats, position

POLICY = AnonymityPolicy()
amounts = st.floats(min_value=0.0, max_value=1e7, allow_nan=False, allow_infinity=False)


@given(st.lists(amounts, min_size=1, max_size=60), st.sampled_from(["higher", "lower", None]))
def test_quartiles_are_ordered_and_the_best_quarter_is_never_one_partner(
    values: list[float], better: str | None
) -> None:
    stats = group_stats(np.array(values), better)
    assert stats is not None and stats.n == len(values)
    assert min(values) <= stats.q1 <= stats.median <= stats.q3 <= max(values)
    if stats.n >= POLICY.min_contributors:
        assert stats.best_n >= 2


@given(st.lists(st.one_of(amounts, st.just(float("nan"))), min_size=1, max_size=60), st.data())
def test_rank_is_within_one_and_n(values: list[float], data: st.DataObject) -> None:
    vector = np.array(values)
    index = data.draw(st.integers(0, len(values) - 1))
    where = position(vector, index, data.draw(st.sampled_from(["higher", "lower", None])))
    n = int((~np.isnan(vector)).sum())
    if np.isnan(vector[index]):
        assert where is None
    else:
        assert where is not None and 1 <= where.rank <= n and 0 <= where.percentile <= 100


@given(st.lists(amounts, min_size=1, max_size=30), st.lists(amounts, min_size=1, max_size=30))
def test_no_released_figure_has_fewer_than_five_or_a_dominant_contributor(
    sizes: list[float], other: list[float]
) -> None:
    n = min(len(sizes), len(other))
    inputs = {"revenue": np.array(sizes[:n]), "hours": np.array(other[:n])}
    if primary_reason(n, inputs, POLICY) is not None:
        return
    assert n >= 5
    for values in inputs.values():
        total = values.sum()
        if total > 0:
            shares = sorted(values / total, reverse=True)
            assert shares[0] <= 0.33 and shares[0] + shares[1] < 0.60


def _determined(rows: list[dict[int, int]], known: set[int], variables: set[int]) -> set[int]:
    """The unknown variables whose exact value follows from the released sums (linear algebra)."""
    unknown = sorted(variables - known)
    if not rows or not unknown:
        return set()
    column = {v: i for i, v in enumerate(unknown)}
    matrix = np.zeros((len(rows), len(unknown)))
    for r, row in enumerate(rows):
        for variable, coefficient in row.items():
            if variable in column:
                matrix[r, column[variable]] = coefficient
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for variable, i in column.items():
        unit = np.zeros((1, len(unknown)))
        unit[0, i] = 1
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(variable)
    return found


@settings(max_examples=1000, deadline=None)
@given(st.integers(6, 9), st.lists(st.tuples(st.integers(0, 8), st.booleans()), min_size=5, max_size=30))
def test_a_partner_recording_every_release_cannot_compute_anothers_value(
    partners: int, events: list[tuple[int, bool]]
) -> None:
    """Partner 0 records the group sum after every single submission (the worst case: exact sums,
    knowing who contributed). No other partner's value may ever follow exactly."""
    attacker = 0
    current: dict[int, int] = {}  # partner -> id of the contribution (version) it has now
    owner: dict[int, int] = {}
    released: list[dict[int, int]] = []
    rows: list[dict[int, int]] = []
    next_version = 0
    for partner, withdraws in events:
        partner %= partners
        if withdraws and partner in current:
            del current[partner]
        else:
            current[partner] = next_version
            owner[next_version] = partner
            next_version += 1
        if (
            len(current) >= POLICY.min_contributors
            and may_release(released, current, POLICY)
            and differencing_safe(released, current)
        ):
            released.append(dict(current))
            rows.append({version: 1 for version in current.values()})
    known = {v for v, p in owner.items() if p == attacker}
    assert _determined(rows, known, set(owner)) == set()


def _every_member_attacks(history: list[dict[int, float]], candidate: dict[int, float]) -> bool:
    """The differencing audit written plainly: every member tries, over the exact values."""
    releases = [*history, candidate]
    variables = sorted({(p, v) for release in releases for p, v in release.items()})
    matrix = np.array([[1.0 if release.get(p) == v else 0.0 for p, v in variables] for release in releases])
    for attacker in {p for p, _ in variables}:
        reduced = matrix[:, [i for i, (p, _) in enumerate(variables) if p != attacker]]
        if reduced.size == 0:
            continue
        _, singular, vt = np.linalg.svd(reduced, full_matrices=False)
        basis = vt[singular > 1e-9 * max(singular.max(initial=0.0), 1.0)]
        if np.any((basis**2).sum(axis=0) > 1 - 1e-9):
            return False
    return True


releases_of_few_partners = st.lists(
    st.dictionaries(st.integers(0, 7), st.sampled_from([1.0, 2.0, 3.0]), min_size=1, max_size=8),
    min_size=1,
    max_size=5,
)


@settings(max_examples=400, deadline=None)
@given(releases_of_few_partners)
def test_the_cached_pattern_audit_decides_as_every_member_attacking_would(releases: list[dict[int, float]]) -> None:
    *history, candidate = releases
    assert differencing_safe(history, candidate) == _every_member_attacks(history, candidate)
