"""Perturbed group figures: the cell key method of the statistical offices, for a benchmark.

Definitions follow sdcTools' R packages `cellKey` and `ptable` and the ABS paper of
Thompson, Broadfoot and Elazar (2013); where this module departs from them it says why.

- **Record key.** Every partner carries a secret random key, here a 64-bit integer
  (cellKey: a uniform number in (0, 1) with 8 digits).
- **Cell key.** The record keys of a cell's contributors summed (mod 2^64; cellKey: mod 1),
  then mixed with the cell's identity (statistic, KPI, scale class) into a number in
  [0, 1). The same contributors always give the same key, so asking again averages
  nothing out; a cell with one partner more or less has an independent key. cellKey
  rotates the sum's digits for its further noise terms; the mix does that job for every
  identity, so that one cell's noise tells nothing about another's.
- **Noise table.** A cell key picks a noise value v from a symmetric distribution on
  [-1, -smallest] ∪ [smallest, 1] with the largest entropy for its variance (ptable's
  construction). ptable's magnitude tables are discrete and keep small values; here the
  values form a continuum, so two cells never cancel exactly, and values below `smallest`
  are blocked (as ptable blocks them in count tables), so a single cell is never nearly exact.
- **Sums and means.** x' = x + share × s × v, where s is the largest contribution rounded
  up to a power of √2 (cellKey's "top_contr" with one term: noise of the order of the
  largest partner, so taking any partner out by differences leaves noise of the order of
  its own value). The rounding, and its class in the cell key, are ours: with a scale that
  moved with the largest contribution, the largest partner could vary its own figure and
  read v off the change of the sum, then every other partner's total exactly. Now a
  change within a class moves the sum by exactly the change, and a change across
  classes draws a new noise. A mean is the perturbed sum over the exact n.
- **Additivity.** A KPI that is a sum of others (revenue_total, gross_profit) takes the
  same combination of its terms' noises: the released table adds up, and such relations
  give no second, independently perturbed view of a total.
- **Best quarter.** The perturbed sum of the best set (its own key) over its size.
- **Quantiles.** Not in cellKey. q' = q + width × g × v, g the distance between the rank
  neighbours of the quantile's position: no released quantile is a member's exact value or
  an exact interpolation between two, and in a large group g, and so the noise, is small.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np

_EXACT_HALVES = 1 << 21  # partners whose 32-bit key halves still sum exactly in a float64
_UNIT = 2.0**-53  # a 53-bit integer times this is a float in [0, 1)


@cache
def identity(*parts: object) -> int:
    """A 64-bit number naming a cell's identity (public: the record keys are the secret)."""
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def set_keys(record_keys: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per row of `present` (cells × partners, bool), the sum of the contributors' record keys mod 2^64."""
    keys = np.asarray(record_keys, dtype=np.uint64)
    if keys.ndim != 1 or present.ndim == 1 or present.shape[-1] > _EXACT_HALVES:
        sums: np.ndarray = np.where(present, keys, np.uint64(0)).sum(axis=-1, dtype=np.uint64)
        return sums
    # As two matrix products of 32-bit halves in floating point (exact below 2^53: up to 2^21
    # partners), a tenth of the time of the masked integer sum on a 1,000-partner release.
    weights = present.astype(np.float64)
    low = (weights @ (keys & np.uint64(0xFFFFFFFF)).astype(np.float64)).astype(np.uint64)
    high = (weights @ (keys >> np.uint64(32)).astype(np.float64)).astype(np.uint64)
    with np.errstate(over="ignore"):
        combined: np.ndarray = low + (high << np.uint64(32))
    return combined


def cell_keys(sums: np.ndarray, identities: np.ndarray | int) -> np.ndarray:
    """The cell keys in [0, 1) of cells with these key sums and identities (SplitMix64's finaliser)."""
    z = np.asarray(sums, dtype=np.uint64) ^ np.asarray(identities, dtype=np.uint64)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * _UNIT


@dataclass(frozen=True)
class NoiseTable:
    """Noise values by cell key: symmetric on [-1, -smallest] ∪ [smallest, 1], variance `variance`,
    density ∝ exp(-λ v²) (the largest entropy on that support for that variance)."""

    smallest: float = 0.5
    variance: float = 0.6

    def __post_init__(self) -> None:
        if not 0 <= self.smallest < 1 or not self.smallest**2 < self.variance < 1:
            raise ValueError("need 0 <= smallest < 1 and smallest² < variance < 1")

    @cached_property
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        magnitudes = np.linspace(self.smallest, 1.0, 4097)
        lam = _entropy_parameter(magnitudes, self.variance)
        weights = np.exp(-lam * (magnitudes**2 - magnitudes.mean() ** 2))
        cdf = np.concatenate([[0.0], np.cumsum((weights[1:] + weights[:-1]) / 2)])
        return cdf / cdf[-1], magnitudes

    def lookup(self, keys: np.ndarray | float) -> np.ndarray:
        """The noise value of each cell key: keys below ½ negative, the rest positive, magnitude by
        the inverse of the distribution function (cell keys are uniform, so v has this density)."""
        k = np.asarray(keys, dtype=np.float64)
        cdf, magnitudes = self._grid
        doubled = 2 * k
        negative = doubled < 1
        magnitude = np.interp(np.where(negative, 1 - doubled, doubled - 1), cdf, magnitudes)
        values: np.ndarray = np.where(negative, -magnitude, magnitude)
        return values


def _entropy_parameter(magnitudes: np.ndarray, variance: float) -> float:
    """λ such that the density ∝ exp(-λ v²) on `magnitudes` has the mean square `variance` (bisection)."""

    def mean_square(lam: float) -> float:
        weights = np.exp(-lam * (magnitudes**2 - magnitudes.mean() ** 2))
        return float((weights * magnitudes**2).sum() / weights.sum())

    low, high = -200.0, 200.0  # mean_square falls as λ rises
    for _ in range(100):
        middle = (low + high) / 2
        if mean_square(middle) > variance:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class Perturbation:
    """The parameters of the perturbation (docs/anonymity.md explains the choice)."""

    share: float = 0.25  # of the largest contribution, rounded to its scale class
    quantile_width: float = 0.02  # of the gap between a quantile's rank neighbours
    table: NoiseTable = field(default_factory=NoiseTable)
    classes_per_doubling: int = 2  # the scale is rounded up to a power of 2^(1/this)

    @classmethod
    def for_margin(cls, percent: float) -> Perturbation:
        """The perturbation promising a median error of at least `percent` (docs/anonymity.md): the
        default's share, 0.25, was measured to keep 10 % against the attack suite; noise scales with it."""
        return cls(share=0.25 * max(percent, 10.0) / 10.0)

    def scale(self, largest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The rounded scale of each largest |contribution| and its class (0 for nothing: no noise)."""
        largest = np.asarray(largest, dtype=np.float64)
        positive = largest > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            classes = np.where(
                positive, np.round(np.log2(np.where(positive, largest, 1)) * self.classes_per_doubling), 0
            )
        scales = np.where(positive, np.exp2(classes / self.classes_per_doubling), 0.0)
        return scales, classes.astype(np.int64)

    def sum_noise(
        self, values: np.ndarray, present: np.ndarray, record_keys: np.ndarray, ident: np.ndarray | int
    ) -> np.ndarray:
        """The noise to add to each row's sum (rows: cells, columns: partners; `present`: contributors).

        Contributions of 0 take no part in the key (cellKey's default): a partner's 0 adds
        nothing to a sum, and a 0 corrected to a value then draws a new noise.
        """
        magnitudes = np.where(present, values, 0.0)  # contributors have values: no NaN left
        np.abs(magnitudes, out=magnitudes)
        largest = magnitudes.max(axis=-1, initial=0.0)
        scales, classes = self.scale(largest)
        keys = cell_keys(set_keys(record_keys, magnitudes > 0), _with_class(ident, classes))
        noise: np.ndarray = self.share * scales * self.table.lookup(keys)
        return noise

    def quantile_noise(
        self,
        ordered: np.ndarray,
        n: np.ndarray,
        share: float,
        key_sums: np.ndarray,
        ident: np.ndarray | int,
        spread: np.ndarray | None = None,
    ) -> np.ndarray:
        """The noise to add to each row's quantile `share` (rows sorted ascending, NaN last, `n` values each).

        Its scale is the larger of `quantile_width` × the gap to the quantile's rank
        neighbours, and `share` × (5 / n)² × the interquartile range: in a group of five as
        large as a sum's noise, relative to how far the members lie apart; in a group of
        thirty some 0.7 % of that. `spread`: the rows' interquartile ranges, if known.
        """
        last = np.maximum(n - 1, 0)
        position = last * share
        low, high = np.floor(position).astype(np.intp), np.ceil(position).astype(np.intp)
        values = [_interpolated(ordered, np.clip(i, 0, last)) for i in (low - 1, low, high, high + 1)]
        before, lowest, highest, after = values
        # Between two members: how far apart they are; at a member: the nearer of its neighbours.
        nearer = np.minimum(np.where(low > 0, lowest - before, np.inf), np.where(high < last, after - highest, np.inf))
        gap = np.where(low < high, highest - lowest, np.where(np.isinf(nearer), 0.0, nearer))
        if spread is None:
            spread = _interpolated(ordered, last * 0.75) - _interpolated(ordered, last * 0.25)
        with np.errstate(divide="ignore", invalid="ignore"):
            floor = np.nan_to_num(self.share * (5 / np.maximum(n, 1)) ** 2 * spread)
        scale = np.maximum(self.quantile_width * np.nan_to_num(gap), floor)
        noise: np.ndarray = scale * self.table.lookup(cell_keys(key_sums, ident))
        return noise


def _interpolated(ordered: np.ndarray, position: np.ndarray) -> np.ndarray:
    low = np.floor(position).astype(np.intp)
    high = np.ceil(position).astype(np.intp)
    below = np.take_along_axis(ordered, low[:, None], axis=1)[:, 0]
    above = np.take_along_axis(ordered, high[:, None], axis=1)[:, 0]
    result: np.ndarray = below + (above - below) * (position - low)
    return result


def _with_class(ident: np.ndarray | int, classes: np.ndarray) -> np.ndarray:
    """The identity of each cell's term with its scale class folded in."""
    mixed = (np.asarray(classes, dtype=np.int64).astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    return np.asarray(ident, dtype=np.uint64) ^ mixed
