"""Statistical arithmetic used by the consistency checks. Pure functions on Decimals and floats.

Rounding is explicit: a value written with d decimals stands for an interval of half-width
0.5·10^-d, and every check asks whether *some* values inside those intervals are consistent
(statcheck's rule), so only true disagreements are flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from itertools import product
from statistics import NormalDist

# Altman & Bland's approximation of P from z is itself approximate (and CIs from exact or
# profile methods are not perfectly symmetric): allow this factor on top of rounding.
P_APPROXIMATION_FACTOR = 2.0


def half_unit(decimals: int) -> float:
    return 0.5 * 10.0 ** (-decimals)


def z_critical(level: float = 95.0) -> float:
    return NormalDist().inv_cdf(1 - (1 - level / 100) / 2)


def p_from_z(z: float) -> float:
    """Altman & Bland (BMJ 2011): P = exp(-0.717 z - 0.416 z^2)."""
    z = abs(z)
    return math.exp(-0.717 * z - 0.416 * z * z)


def p_from_ci(estimate: float, lower: float, upper: float, *, ratio: bool,
              level: float = 95.0) -> float | None:
    """P recomputed from an estimate and its CI (on the log scale for ratio measures)."""
    if ratio:
        if min(estimate, lower, upper) <= 0:
            return None
        estimate, lower, upper = math.log(estimate), math.log(lower), math.log(upper)
    se = (upper - lower) / (2 * z_critical(level))
    if se <= 0:
        return None
    return p_from_z(estimate / se)


@dataclass(frozen=True)
class Written:
    """A number with the precision it was written with."""

    value: float
    decimals: int

    @classmethod
    def of(cls, value: Decimal | float, decimals: int) -> Written:
        return cls(float(value), decimals)

    @property
    def low(self) -> float:
        return self.value - half_unit(self.decimals)

    @property
    def high(self) -> float:
        return self.value + half_unit(self.decimals)


def p_range_from_ci(estimate: Written, lower: Written, upper: Written, *, ratio: bool,
                    level: float = 95.0) -> tuple[float, float] | None:
    """The smallest and largest recomputed P over the rounding box of the three numbers."""
    values = []
    for e, lo, hi in product((estimate.low, estimate.high), (lower.low, lower.high),
                             (upper.low, upper.high)):
        if lo >= hi:
            continue
        p = p_from_ci(e, lo, hi, ratio=ratio, level=level)
        if p is not None:
            values.append(p)
    exact = p_from_ci(estimate.value, lower.value, upper.value, ratio=ratio, level=level)
    if exact is not None:
        values.append(exact)
    return (min(values), max(values)) if values else None


def reported_p_range(value: float, decimals: int, comparator: str) -> tuple[float, float]:
    """The values a reported P stands for: 'P=0.04' -> [0.035, 0.045]; 'P<0.001' -> (0, 0.001]."""
    if comparator in ("<", "<="):
        return (0.0, value)
    if comparator in (">", ">="):
        return (value, 1.0)
    h = half_unit(decimals)
    return (max(0.0, value - h), min(1.0, value + h))


@dataclass(frozen=True)
class PAgreement:
    agrees: bool
    recomputed: float
    reason: str


def p_agrees_with_ci(p: Written, comparator: str, estimate: Written, lower: Written,
                     upper: Written, *, ratio: bool, level: float = 95.0,
                     alpha: float | None = None) -> PAgreement | None:
    """Does a reported P agree with its CI? None when it cannot be recomputed."""
    box = p_range_from_ci(estimate, lower, upper, ratio=ratio, level=level)
    exact = p_from_ci(estimate.value, lower.value, upper.value, ratio=ratio, level=level)
    if box is None or exact is None:
        return None
    alpha = alpha if alpha is not None else 1 - level / 100
    p_lo, p_hi = reported_p_range(p.value, p.decimals, comparator)
    null = 1.0 if ratio else 0.0
    if excludes_null(lower, upper, ratio=ratio) and p_lo >= alpha:
        return PAgreement(False, exact, f"the CI excludes {null:g} but P is not below {alpha:g}")
    if crosses_null(lower, upper, ratio=ratio) and p_hi < alpha:
        return PAgreement(False, exact, f"the CI includes {null:g} but P is below {alpha:g}")
    f = P_APPROXIMATION_FACTOR
    if p_hi * f < box[0] or p_lo > box[1] * f:
        return PAgreement(False, exact, "P and CI disagree beyond rounding")
    return PAgreement(True, exact, "")


def estimate_inside(estimate: Written, lower: Written, upper: Written) -> bool:
    return lower.low <= estimate.high and estimate.low <= upper.high


def centre_offset(estimate: Written, lower: Written, upper: Written, *,
                  ratio: bool) -> float | None:
    """How far the estimate sits from the CI's centre, as a share of the CI's half-width,
    at the most favourable rounding (0 = centred; 1 = on a bound)."""
    best: float | None = None
    for e, lo, hi in product((estimate.low, estimate.value, estimate.high),
                             (lower.low, lower.value, lower.high),
                             (upper.low, upper.value, upper.high)):
        if lo >= hi or (ratio and min(e, lo) <= 0):
            continue
        if ratio:
            e, lo, hi = math.log(e), math.log(lo), math.log(hi)
        half = (hi - lo) / 2
        offset = abs(e - (lo + hi) / 2) / half
        best = offset if best is None else min(best, offset)
    return best


def percent_possible(percent: Written, n: int) -> tuple[bool, float]:
    """GRIM: is `percent` (as written) k/n for some integer k? Returns (ok, closest gap)."""
    if n <= 0:
        return True, 0.0
    k = round(percent.value * n / 100)
    best = min(abs(100.0 * kk / n - percent.value) for kk in (k - 1, k, k + 1) if 0 <= kk <= n)
    return best <= half_unit(percent.decimals) + 1e-9, best


def rrr_matches_ratio(rrr_percent: Written, ratio: Written, *, slack: float = 1.5) -> bool:
    """A relative reduction of X% agrees with a ratio r when X ≈ 100·(1 − r)."""
    implied_low = 100 * (1 - ratio.high)
    implied_high = 100 * (1 - ratio.low)
    return implied_low - slack - half_unit(rrr_percent.decimals) <= rrr_percent.value <= (
        implied_high + slack + half_unit(rrr_percent.decimals)
    )


def crosses_null(lower: Written, upper: Written, *, ratio: bool) -> bool:
    """True when the CI includes the null value whatever the rounding."""
    null = 1.0 if ratio else 0.0
    return lower.high <= null <= upper.low


def excludes_null(lower: Written, upper: Written, *, ratio: bool) -> bool:
    """True when the CI excludes the null value whatever the rounding."""
    null = 1.0 if ratio else 0.0
    return lower.low > null or upper.high < null
