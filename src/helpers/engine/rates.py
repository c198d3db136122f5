"""The one rate rule: a rate is summed numerators over summed denominators, never a mean
of rates (README「判定の意味」)."""

from __future__ import annotations

import math

__all__ = ["ratio"]


def ratio(numerator: float, denominator: float, scale: float = 100.0) -> float:
    """The one rate rule for views: summed numerator over summed denominator (never a
    mean of rates), NaN when there is no denominator.

    >>> ratio(125, 160), ratio(1, 0)
    (78.125, nan)
    """
    if denominator is None or math.isnan(denominator) or denominator == 0 or math.isnan(numerator):
        return math.nan
    return scale * numerator / denominator
