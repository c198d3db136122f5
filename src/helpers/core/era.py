"""Japanese fiscal years and 令和 dates: the one formatter every page uses.

The fiscal year runs April to March and is named by the year in which it starts
(FY2023 = 令和5年度 = 2023-04 .. 2024-03). Periods are month ends.
"""

from __future__ import annotations

import calendar
import datetime as dt

__all__ = [
    "fiscal_year_of",
    "fiscal_year_label",
    "fiscal_year_months",
    "month_end",
    "month_end_label",
    "reiwa_year",
    "shift_months",
    "in_year_span_label",
    "month_label",
    "date_label",
]

_REIWA_START = 2019  # 令和元年 = 2019


def reiwa_year(year: int) -> str:
    """Return the 令和 year for a Western year: 2019 -> '元', 2023 -> '5'.

    >>> reiwa_year(2023), reiwa_year(2019)
    ('5', '元')
    """
    if year < _REIWA_START:
        raise ValueError(f"{year} is before 令和")
    n = year - _REIWA_START + 1
    return "元" if n == 1 else str(n)


def _era_year(year: int) -> str:
    """Era name plus year: 令和5 for 2023, 平成30 for 2018 (平成 for 1989-2018)."""
    if year >= _REIWA_START:
        return f"令和{reiwa_year(year)}"
    n = year - 1988
    return "平成元" if n == 1 else f"平成{n}"


def fiscal_year_of(day: dt.date) -> int:
    """Fiscal year (April start) that a date falls in.

    >>> fiscal_year_of(dt.date(2024, 3, 31)), fiscal_year_of(dt.date(2024, 4, 30))
    (2023, 2024)
    """
    return day.year if day.month >= 4 else day.year - 1


def fiscal_year_label(fiscal_year: int) -> str:
    """'令和5年度' for 2023, '平成30年度' for 2018.

    >>> fiscal_year_label(2023), fiscal_year_label(2019), fiscal_year_label(2002)
    ('令和5年度', '令和元年度', '平成14年度')
    """
    return f"{_era_year(fiscal_year)}年度"


def month_end(year: int, month: int) -> dt.date:
    """Last day of a month."""
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def shift_months(period: dt.date, months: int) -> dt.date:
    """Month end `months` months after (or before, if negative) a month end.

    >>> shift_months(dt.date(2023, 9, 30), -12)
    datetime.date(2022, 9, 30)
    """
    index = period.year * 12 + (period.month - 1) + months
    return month_end(index // 12, index % 12 + 1)


def fiscal_year_months(fiscal_year: int) -> list[dt.date]:
    """The twelve month ends of a fiscal year, April to March."""
    return [shift_months(month_end(fiscal_year, 4), k) for k in range(12)]


def month_end_label(period: dt.date) -> str:
    """'令和5年9月末' for 2023-09-30.

    >>> month_end_label(dt.date(2023, 9, 30)), month_end_label(dt.date(2019, 5, 31))
    ('令和5年9月末', '令和元年5月末')
    """
    return f"{_era_year(period.year)}年{period.month}月末"


def month_label(period: dt.date) -> str:
    """A single month's own figure: '令和5年6月' (not 6月末, which reads as a stock).

    >>> month_label(dt.date(2023, 6, 30))
    '令和5年6月'
    """
    return f"{_era_year(period.year)}年{period.month}月"


def date_label(day: dt.date) -> str:
    """A day in 令和: '令和8年11月28日'.

    >>> date_label(dt.date(2026, 11, 28))
    '令和8年11月28日'
    """
    return f"{_era_year(day.year)}年{day.month}月{day.day}日"


def in_year_span_label(period: dt.date) -> str:
    """Premium months that an in-year cumulative 現年度納付率 at `period` covers.

    At the end of month m the rate covers the premiums of April to m-1, whose last
    month falls due at the end of m (the ministry's monthly release). At the end of April the
    previous fiscal year's rate is final.

    >>> in_year_span_label(dt.date(2023, 9, 30))
    '令和5年4月～8月分（9月末現在）'
    >>> in_year_span_label(dt.date(2024, 4, 30))
    '令和5年4月～令和6年3月分（令和6年4月末現在）'
    >>> in_year_span_label(dt.date(2023, 5, 31))  # one month: never 「4月～4月分」
    '令和5年4月分（5月末現在）'
    """
    last = shift_months(period, -1)
    fy = fiscal_year_of(last)
    first = month_end(fy, 4)
    if last == first:
        span = f"{_era_year(first.year)}年4月分"
    elif last.year == first.year:
        span = f"{_era_year(first.year)}年4月～{last.month}月分"
    else:
        span = f"{_era_year(first.year)}年4月～{_era_year(last.year)}年{last.month}月分"
    if period.year == first.year:
        return f"{span}（{period.month}月末現在）"
    return f"{span}（{month_end_label(period)}現在）"
