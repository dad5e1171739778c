"""How far two markers agree: exact and adjacent agreement, and Cohen's weighted kappa.

Markers of reflective writing agree poorly unless they calibrate (the educator guide's
"Moderate" step), so the course reports agreement per criterion on the double-marked sample:

- exact agreement: the share of scripts given the same level;
- agreement within one level;
- Cohen's kappa, unweighted and weighted (Cohen, 1968). The levels are ordered, so a
  difference of two levels is a worse disagreement than one: linear weights count a difference
  of ``d`` levels as ``d``, quadratic weights as ``d**2``. For a table of observed proportions
  ``O`` and the proportions ``E`` expected by chance from each marker's own spread of levels,
  ``kappa = 1 - sum(w * O) / sum(w * E)``; with unweighted kappa every disagreement weighs 1.

Kappa is undefined when chance alone would give every script the same level (both markers
used one level throughout): ``None`` then. With the handful of scripts a sample holds, kappa
moves a long way with one script: read it beside the counts. The labels follow Landis and
Koch (1977), which are conventions, not tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Literal

Weights = Literal["none", "linear", "quadratic"]


def _weight(a: int, b: int, weights: Weights) -> float:
    if weights == "none":
        return 0.0 if a == b else 1.0
    distance = abs(a - b)
    return float(distance if weights == "linear" else distance**2)


def weighted_kappa(
    first: Sequence[int], second: Sequence[int], weights: Weights = "quadratic"
) -> float | None:
    """Cohen's kappa between two markers' levels for the same scripts (see the module)."""
    if len(first) != len(second):
        raise ValueError("the two markers must have marked the same scripts")
    if not first:
        return None
    count = len(first)
    observed = sum(_weight(a, b, weights) for a, b in zip(first, second, strict=True)) / count
    spread_first, spread_second = Counter(first), Counter(second)
    expected = sum(
        (n_a / count) * (n_b / count) * _weight(a, b, weights)
        for a, n_a in spread_first.items()
        for b, n_b in spread_second.items()
    )
    if expected == 0:
        return None
    return 1.0 - observed / expected


def exact_agreement(first: Sequence[int], second: Sequence[int]) -> float | None:
    pairs = list(zip(first, second, strict=True))
    return sum(1 for a, b in pairs if a == b) / len(pairs) if pairs else None


def within_one(first: Sequence[int], second: Sequence[int]) -> float | None:
    pairs = list(zip(first, second, strict=True))
    return sum(1 for a, b in pairs if abs(a - b) <= 1) / len(pairs) if pairs else None


def strength(kappa: float | None) -> str:
    """Landis and Koch's (1977) words for a kappa."""
    if kappa is None:
        return "not defined (one level throughout)"
    if kappa < 0:
        return "poor"
    for limit, word in ((0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial")):
        if kappa <= limit:
            return word
    return "almost perfect"


__all__ = ["exact_agreement", "strength", "weighted_kappa", "within_one"]
