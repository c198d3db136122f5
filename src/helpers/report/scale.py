"""How one KPI's figures are shown: the display unit, its divisor and the one precision,
chosen once per KPI row so that a value, its prior and their difference never mix units
(「10.2万件 | 9.9万件 | +0.3万件」, never 「10.2万件 | 98,900件」).

Rates are shown in % with their differences in ポイント; minutes in 分; amounts in 億円;
counts from 10万 up in 万 (as the plan writes 51万人), from 1,000万 up as 約1,726万件 (the
plan's own rounding; a difference is never written with 約).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from helpers.data.plan import Kpi

__all__ = ["DisplayScale", "scale_for", "DASH", "is_missing"]

DASH = "—"  # a value that does not exist (the reason is in a footnote)
_MAN = 100_000  # from 10万 up, counts are written in 万
_ABOUT = 10_000_000  # from 1,000万 up, 約 and whole 万


def is_missing(value: float | None) -> bool:
    """True for None, NaN and infinities: figures no page may print."""
    return value is None or not math.isfinite(value)


@dataclass(frozen=True)
class DisplayScale:
    """The unit a KPI's row is shown in.

    Attributes:
        unit: written after a value: '%', 'ポイント', '分', '億円', '万人', '事業所' ...
        change_unit: written after a difference: 'ポイント' for rates, else `unit`.
        divisor: base value ÷ divisor = the figure in `unit` (1e4 for 万, 1e8 for 億円).
        digits: decimals of a value in `unit`.
        change_digits: decimals of a difference in `change_unit`.
        about: values are written 約… (rounded to whole 万, as the plan does).
    """

    unit: str
    change_unit: str
    divisor: float
    digits: int
    change_digits: int
    about: bool = False

    def scaled(self, value: float | None) -> float | None:
        """A base value in the display unit, unrounded (None when it does not exist)."""
        return None if is_missing(value) else value / self.divisor

    def text(self, value: float | None) -> str:
        """A value with its unit: '77.6%', '862.9万人', '約1,726万件', '—'.

        >>> DisplayScale("万人", "万人", 1e4, 1, 1).text(8_629_412.0)
        '862.9万人'
        """
        if is_missing(value):
            return DASH
        number = f"{value / self.divisor:,.{self.digits}f}"
        return f"{'約' if self.about else ''}{number}{self.unit}"

    def number(self, value: float | None) -> str:
        """A value without its unit (a chart's legend appends the unit itself)."""
        return DASH if is_missing(value) else f"{value / self.divisor:,.{self.digits}f}"

    def rounded(self, value: float | None) -> float | None:
        """A value in the display unit as shown (rounded to `digits`)."""
        return None if is_missing(value) else round(value / self.divisor, self.digits)

    def change_text(self, change: float | None) -> str:
        """A difference with its sign: '+1.6ポイント', '-0.3万件', '+0.0ポイント', '—'.

        >>> DisplayScale("%", "ポイント", 1.0, 1, 1).change_text(1.54)
        '+1.5ポイント'
        """
        if is_missing(change):
            return DASH
        sign = "+" if round(change / self.divisor, self.change_digits) >= 0 else "-"
        return sign + self.magnitude_text(change)

    def magnitude_text(self, change: float) -> str:
        """A difference's size without a sign, for sentences (「1.2万人減少した」)."""
        return f"{abs(change) / self.divisor:,.{self.change_digits}f}{self.change_unit}"

    def is_level(self, change: float) -> bool:
        """Whether a difference rounds to zero at the difference's precision."""
        return round(change / self.divisor, self.change_digits) == 0


def scale_for(kpi: Kpi, *figures: float | None) -> DisplayScale:
    """The scale of a KPI's row, from the largest of the figures shown in it (value,
    prior, target, projection), so that all of them are written in one unit."""
    digits = kpi.precision
    if kpi.unit == "percent":
        return DisplayScale("%", "ポイント", 1.0, digits, digits)
    if kpi.unit in ("points", "minutes"):
        unit = kpi.unit_label
        return DisplayScale(unit, unit, 1.0, digits, digits)
    size = max((abs(f) for f in figures if not is_missing(f)), default=0.0)
    if kpi.unit == "yen":  # 6,920億円 as the plan writes it; an office's 13.4億円 with a decimal
        digits = 0 if size >= 1e10 else 1
        return DisplayScale("億円", "億円", 1e8, digits, digits)
    unit = kpi.unit_label
    if size >= _ABOUT:
        return DisplayScale(f"万{unit}", f"万{unit}", 1e4, 0, 1, about=True)
    if size >= _MAN:
        return DisplayScale(f"万{unit}", f"万{unit}", 1e4, 1, 1)
    return DisplayScale(unit, unit, 1.0, 0, 0)
