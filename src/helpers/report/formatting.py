"""How figures other than a KPI's are written for analysts (breakdown tables): rates of
summed counts to one decimal with %, large counts in 万 (as the plan writes 51万人).
A KPI's own figures are written by its `DisplayScale` in the report model.
"""

from __future__ import annotations

import math

from helpers.engine.rates import ratio

__all__ = ["format_count", "plan_number", "format_ratio", "ratio"]

_DASH = "—"
_MAN = 100_000  # from 10万 up, counts are written in 万
_ABOUT = 10_000_000  # from 1,000万 up, as 約1,726万件 (the plan's own rounding)


def format_count(value: float, unit: str, scale_of: float | None = None, difference: bool = False) -> str:
    """'26,231事業所' below 10万, '51.0万人' from 10万 up, '約1,726万件' from 1,000万 up.

    `scale_of` writes a figure in the unit of the largest figure it is shown with (a
    row of a table), and a difference (`difference=True`) in the unit of the figure it
    is a difference of, so that a sentence reads 「49.8万人（1.2万人減少）」, never
    「49.8万人（12,000人減少）」. A difference is never written with 約.

    >>> format_count(26231, "事業所"), format_count(510000, "人"), format_count(17_260_000, "件")
    ('26,231事業所', '51.0万人', '約1,726万件')
    >>> format_count(12000, "人", scale_of=498000, difference=True)
    '1.2万人'
    >>> format_count(99_125_000, "件", scale_of=106_750_000)
    '約9,912万件'
    """
    size = abs(value) if scale_of is None else max(abs(scale_of), abs(value))
    if size >= _ABOUT and not difference:
        return f"約{value / 10_000:,.0f}万{unit}"
    if size >= _MAN:
        return f"{value / 10_000:,.1f}万{unit}"
    return f"{value:,.0f}{unit}"


def format_ratio(numerator: float, denominator: float, digits: int = 1) -> str:
    """A rate of summed counts as table text: '78.1%', '—' without a denominator.

    >>> format_ratio(125, 160), format_ratio(3, 0)
    ('78.1%', '—')
    """
    value = ratio(numerator, denominator)
    return _DASH if math.isnan(value) else f"{value:.{digits}f}%"


def plan_number(value: float, digits: int) -> str:
    """A target as the plan writes it: '70', '30', '80' for whole numbers, else with
    the KPI's decimals.

    >>> plan_number(70.0, 1), plan_number(99.5, 1)
    ('70', '99.5')
    """
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.{digits}f}"
