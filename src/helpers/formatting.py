"""How figures are written for analysts: rates to one decimal with %, differences of
rates in ポイント, large counts in 万 (as the plan writes 51万人), money in 億円.
"""

from __future__ import annotations

import math

from helpers.plan import TARGET_RULES, Kpi

__all__ = ["format_value", "format_change", "format_target", "format_count"]

_DASH = "—"


def format_count(value: float, unit: str) -> str:
    """'26,231事業所' below 10万, '51.0万人' from 10万 up.

    >>> format_count(26231, "事業所"), format_count(510000, "人")
    ('26,231事業所', '51.0万人')
    """
    if abs(value) >= 100_000:
        return f"{value / 10_000:,.1f}万{unit}"
    return f"{value:,.0f}{unit}"


def format_value(kpi: Kpi, value: float) -> str:
    """A KPI value with its unit.

    >>> from helpers.plan import load_plan
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


def format_change(kpi: Kpi, change: float) -> str:
    """A difference with its sign: '+1.9ポイント' for rates, '-3,400件' for counts.

    >>> from helpers.plan import load_plan
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
    return sign + format_count(magnitude, kpi.unit_label)


def format_target(kpi: Kpi, target: float | None) -> str:
    """The target in words: '前年度実績（76.1%）を上回る', '90.0%以上', '30.0分未満'."""
    rule = kpi.target_rule
    if rule == "track":
        return TARGET_RULES[rule]
    if rule in ("at_least", "below"):
        suffix = "以上" if rule == "at_least" else "未満"
        return f"{format_value(kpi, target)}{suffix}"
    figure = format_value(kpi, target) if target is not None else "データなし"
    return {
        "above_prior_year": f"前年度実績（{figure}）を上回る",
        "at_least_prior_year": f"前年度実績（{figure}）と同等以上",
        "below_prior_year": f"前年度実績（{figure}）を下回る",
    }[rule]
