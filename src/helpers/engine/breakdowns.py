"""Breakdowns the plan asks for: a KPI over all areas of a level, and month-by-month
lines of several fiscal years. All values come from the KPI engine's base counts, so
every area's rate is still a ratio of summed counts."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from helpers.core.era import fiscal_year_label, month_end, shift_months
from helpers.data.contract import LEVELS
from helpers.data.plan import Kpi
from helpers.engine.kpi import KpiEngine
from helpers.engine.rates import ratio

__all__ = ["child_level", "areas_below", "kpi_by_area", "year_lines_data",
           "single_month", "monthly_single", "monthly_single_lines", "time_series", "MONTH_LABELS"]


def child_level(level: str) -> str | None:
    """The level below a level (prefecture -> office), None for offices."""
    i = LEVELS.index(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


def areas_below(engine: KpiEngine, scope: str, level: str) -> pd.DataFrame:
    """Areas of `level` inside `scope`, in code order (see `Snapshot.areas_within`)."""
    return engine.snapshot.areas_within(scope, level)


def kpi_by_area(engine: KpiEngine, kpi: Kpi, scope: str, level: str, fiscal_year: int,
                period: dt.date) -> pd.DataFrame:
    """A ratio or count KPI for every area of `level` inside `scope`.

    Returns:
        area_code, name_ja, parent_code, numerator, denominator, value (percent for
        rates), computed by summing each area's offices' base counts.
    """
    areas = areas_below(engine, scope, level)
    rows = []
    for code, name, parent in zip(areas["area_code"], areas["name_ja"], areas["parent_code"]):
        # the engine's own sum over the area's offices: the breakdown's figure for an
        # area is the one its report gives
        n = engine.measure_value(kpi.numerator, code, fiscal_year, period)
        d = engine.measure_value(kpi.denominator, code, fiscal_year, period) if kpi.denominator else math.nan
        if kpi.aggregation == "ratio_of_sums":
            value = ratio(n, d, scale=100.0 if kpi.is_rate else 1.0)
        else:
            value = n
        rows.append((code, name, parent, n, d, value))
    return pd.DataFrame(rows, columns=["area_code", "name_ja", "parent_code", "numerator",
                                       "denominator", "value"])


def year_lines_data(engine: KpiEngine, kpi: Kpi, area: str, fiscal_year: int,
                    years: int = 3) -> tuple[dict[str, pd.Series], list[str]]:
    """Month-by-month values of this and earlier fiscal years, aligned by month.

    Returns:
        (label -> Series indexed by month position from April, x-axis labels).
        Premium-year KPIs run to the April cut-off ("翌4月末").
    """
    first_year = int(engine.snapshot.manifest["first_fiscal_year"])
    lagged = engine.year_end(kpi, fiscal_year).month == 4
    months = 13 if lagged else 12
    labels = MONTH_LABELS + (["翌4月末"] if lagged else [])
    lines: dict[str, pd.Series] = {}
    for y in range(fiscal_year, max(first_year, fiscal_year - years + 1) - 1, -1):
        end = engine.default_period(kpi, y)
        values = {}
        for k in range(months):
            period = shift_months(month_end(y, 4), k)
            if period > end:
                break
            values[k] = engine.value(kpi, area, y, period)[0]
        series = pd.Series(values, dtype="float64")
        if series.notna().any():
            lines[fiscal_year_label(y)] = series
    return lines, labels


def single_month(engine: KpiEngine, kpi: Kpi, area: str, fiscal_year: int, period: dt.date) -> float:
    """A flow KPI for one month alone (not the fiscal-year total): the month's
    numerator over the month's denominator, or the month's count."""
    def month(measure: str) -> float:
        total = engine.measure_value(measure, area, fiscal_year, period)
        if period.month == 4:
            return total
        before = engine.measure_value(measure, area, fiscal_year, shift_months(period, -1))
        return total - (0.0 if math.isnan(before) else before)

    numerator = month(kpi.numerator)
    if kpi.aggregation != "ratio_of_sums":
        return numerator
    return ratio(numerator, month(kpi.denominator), scale=100.0 if kpi.is_rate else 1.0)


MONTH_LABELS = [f"{(3 + k) % 12 + 1}月末" for k in range(12)]  # 4月末 … 3月末


def monthly_single_lines(engine: KpiEngine, kpi: Kpi, area: str, fiscal_year: int) -> dict[str, pd.Series]:
    """`monthly_single` for this fiscal year and the one before (this year first)."""
    first_year = int(engine.snapshot.manifest["first_fiscal_year"])
    return {fiscal_year_label(year): monthly_single(engine, kpi, area, year)
            for year in (fiscal_year, fiscal_year - 1) if year >= first_year}


def monthly_single(engine: KpiEngine, kpi: Kpi, area: str, fiscal_year: int) -> pd.Series:
    """`single_month` for each month of a fiscal year up to the snapshot, by position."""
    end = min(engine.snapshot.as_of, month_end(fiscal_year + 1, 3))
    values = {}
    for k in range(12):
        period = shift_months(month_end(fiscal_year, 4), k)
        if period > end:
            break
        values[k] = single_month(engine, kpi, area, fiscal_year, period)
    return pd.Series(values, dtype="float64")


def time_series(engine: KpiEngine, kpi: Kpi, area: str) -> pd.Series:
    """A KPI at every month end of the snapshot, each for its own fiscal year (the
    in-year value, so cumulative KPIs restart every April), indexed by month end.
    For premium-year KPIs the end of April shows the year just closed (its final
    figure), as the releases do."""
    first = month_end(int(engine.snapshot.manifest["first_fiscal_year"]), 4)
    lagged = engine.year_end(kpi, first.year).month == 4
    values = {}
    period = first
    while period <= engine.snapshot.as_of:
        fy = period.year if period.month >= 4 else period.year - 1
        if lagged and period.month == 4 and fy > first.year:
            fy -= 1
        values[pd.Timestamp(period)] = engine.value(kpi, area, fy, period)[0]
        period = shift_months(period, 1)
    return pd.Series(values, dtype="float64")
