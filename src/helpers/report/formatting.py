"""How figures are written for analysts: rates to one decimal with %, differences of
rates in ポイント, large counts in 万 (as the plan writes 51万人), money in 億円.
"""

from __future__ import annotations

import math

from helpers.data.plan import TARGET_RULES, Kpi
from helpers.engine.rates import ratio

__all__ = ["format_value", "format_change", "format_target", "format_count", "judged_target",
           "plan_number", "format_ratio", "ratio"]

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


def format_value(kpi: Kpi, value: float) -> str:
    """A KPI value with its unit.

    >>> from helpers.data.plan import load_plan
    >>> format_value(load_plan().kpi("NP04"), 69.123)
    '69.1%'
    """
    if value is None or math.isnan(value):
        return _DASH
    digits = kpi.precision
    if kpi.unit == "percent":
        return f"{value:.{digits}f}%"
    if kpi.unit == "points":
        return f"{value:.{digits}f}ポイント"
    if kpi.unit == "minutes":
        return f"{value:.{digits}f}分"
    if kpi.unit == "yen":
        return f"{value / 1e8:,.0f}億円"
    return format_count(value, kpi.unit_label)


def format_change(kpi: Kpi, change: float, scale_of: float | None = None) -> str:
    """A difference with its sign: '+1.9ポイント' for rates, '-3,400件' for counts;
    with `scale_of` (the figure it is a difference of), counts in that figure's unit.

    >>> from helpers.data.plan import load_plan
    >>> format_change(load_plan().kpi("NP04"), 1.94)
    '+1.9ポイント'
    """
    if change is None or math.isnan(change):
        return _DASH
    digits = kpi.precision
    sign = "+" if round(change, digits) >= 0 else "-"
    magnitude = abs(change)
    if kpi.unit in ("percent", "points"):
        return f"{sign}{magnitude:.{digits}f}ポイント"
    if kpi.unit == "minutes":
        return f"{sign}{magnitude:.{digits}f}分"
    if kpi.unit == "yen":
        return f"{sign}{magnitude / 1e8:,.0f}億円"
    if scale_of is not None and abs(scale_of) >= _MAN:
        return sign + format_count(magnitude, kpi.unit_label, scale_of=scale_of, difference=True)
    return sign + format_count(magnitude, kpi.unit_label, difference=True)


def format_target(kpi: Kpi, target: float | None) -> str:
    """The target in the plan's words: '前年度実績（76.1%）を上回る', '90%以上', '30分未満',
    '紐付けの完全化を目指す（年度の数値目標なし）'."""
    rule = kpi.target_rule
    if kpi.target_wording:
        return kpi.target_wording
    if rule == "track":
        return TARGET_RULES[rule]
    if rule in ("at_least", "below"):
        suffix = "以上" if rule == "at_least" else "未満"
        unit = {"percent": "%", "points": "ポイント", "minutes": "分"}.get(kpi.unit)
        if unit and target is not None:
            return f"{plan_number(target, kpi.precision)}{unit}{suffix}"
        return f"{format_value(kpi, target)}{suffix}"
    figure = format_value(kpi, target) if target is not None else "データなし"
    return {
        "above_prior_year": f"前年度実績（{figure}）を上回る",
        "at_least_prior_year": f"前年度実績（{figure}）と同等以上",
        "below_prior_year": f"前年度実績（{figure}）を下回る",
    }[rule]


def judged_target(result) -> str:
    """The target as the result is judged: in the year, a prior-year rule without a
    year-end projection compares with the same period of the prior year (NP07 at
    令和5年9月末 against 12.5ポイント, not the prior year-end 5.6), and says so."""
    kpi = result.kpi
    rule = kpi.target_rule
    if (rule.endswith("prior_year") and not result.is_final and result.projection is None
            and not math.isnan(result.prior_value)):
        verb = {"above_prior_year": "を上回る", "at_least_prior_year": "と同等以上",
                "below_prior_year": "を下回る"}[rule]
        return f"前年同期（{format_value(kpi, result.prior_value)}）{verb}"
    return format_target(kpi, result.target)
