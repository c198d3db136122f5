"""The KPI engine: any KPI of the plan for any area, period and fiscal year of a snapshot.

Rules (README「判定の意味」; the contract in data/snapshots/README.md):

- a rate is the ratio of summed numerators to summed denominators, never a mean of
  rates; areas roll up by summing their offices' base counts;
- a measure adds up over time as its kind says: `flow` sums the months of the fiscal
  year up to the period, `stock` and `ytd` take the last month;
- premium-year measures read the premium year that the measurement year reports
  (現年度: the same year; 最終納付率: two years back), up to the cut-off at the end of
  April after the measurement year;
- progress compares with the same period a year earlier (前年同期) and with the plan's
  target rule; in-year cumulative rates get a year-end projection from the earlier
  years' build-up between the same month and year end, with its range.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from statistics import mean

import numpy as np
import pandas as pd

from helpers.core.era import fiscal_year_of, month_end, shift_months
from helpers.core.statuses import ACHIEVED, AT_RISK, KPI_STATUSES, MISSED, OFF_TRACK, ON_TRACK, TRACKED
from helpers.data.contract import MEASURES, NATIONAL_CODE
from helpers.data.plan import Kpi, Plan
from helpers.data.snapshot import Snapshot

__all__ = ["KpiEngine", "KpiResult", "Projection", "STATUSES", "meets_target"]

STATUSES = KPI_STATUSES  # the words live with their colours (helpers.core.statuses)
_PRIOR_RULES = ("above_prior_year", "at_least_prior_year", "below_prior_year")


@dataclass(frozen=True)
class Projection:
    """Year-end projection of an in-year cumulative rate.

    Attributes:
        central: current value plus the mean of earlier years' gains to year end.
        low, high: current value plus the smallest and largest of those gains.
        years: the earlier fiscal years used.
        year_end: the date the projection is for.
        capped: True when a figure was held at 100% (a rate cannot pass it).
    """

    central: float
    low: float
    high: float
    years: tuple[int, ...]
    year_end: dt.date
    capped: bool = False


@dataclass(frozen=True)
class KpiResult:
    """One KPI evaluated for one area, fiscal year and period."""

    kpi: Kpi
    area_code: str
    fiscal_year: int
    period: dt.date
    value: float
    numerator: float
    denominator: float
    prior_period: dt.date
    prior_value: float
    change: float
    target: float | None
    status: str | None
    projection: Projection | None
    is_final: bool

    @property
    def has_value(self) -> bool:
        """False when the snapshot holds no data for this KPI, area and period."""
        return not math.isnan(self.value)


def meets_target(kpi: Kpi, value: float, target: float | None) -> bool | None:
    """Whether `value` meets the KPI's rule against a resolved `target`, compared at the
    precision the plan states figures in (rates to 0.1 point)."""
    if target is None or math.isnan(value) or math.isnan(target):
        return None
    digits = kpi.precision
    v, t = round(value, digits), round(target, digits)
    rule = kpi.target_rule
    if rule in ("above_prior_year",):
        return v > t
    if rule in ("at_least", "at_least_prior_year"):
        return v >= t
    if rule in ("below", "below_prior_year"):
        return v < t
    return None


class _Cube:
    """One measure as a matrix: rows are (period, fiscal year, premium year), columns
    the areas it is reported at. Row keys are plain integer arrays so that selecting a
    fiscal-year window costs microseconds."""

    def __init__(self, measure: str, periods: np.ndarray, fys: np.ndarray, pfys: np.ndarray,
                 matrix: np.ndarray, columns: dict[str, int]):
        self.spec = MEASURES[measure]
        self.periods, self.fys, self.pfys = periods, fys, pfys
        self.matrix = matrix
        self.columns = columns
        self._windows: dict[tuple[int, dt.date], np.ndarray | None] = {}

    def __getstate__(self) -> dict:
        # the windows are derived: a worker that receives the engine computes its own
        return {**self.__dict__, "_windows": {}}

    @classmethod
    def build_all(cls, measures: pd.DataFrame) -> dict[str, _Cube]:
        """Every measure's matrix in one pass over the long table."""
        days = measures["period"].to_numpy(dtype="datetime64[D]").astype("int64")
        pfys = measures["pfy"].fillna(-1).to_numpy(dtype="int64")
        fys = measures["fy"].to_numpy(dtype="int64")
        values = measures["value"].to_numpy(dtype="float64")
        # Area codes as integers whose order is the codes' sorted order, and (period,
        # premium year) as one integer ordered day first: sorting integers is what the
        # cubes need, and sorting strings or row pairs per measure took 0.6 s of a run's
        # start (0.05 s now). Rows and columns come out in the same order as before.
        area_ids, area_codes = pd.factorize(measures["area_code"], sort=True)
        area_codes = [str(code) for code in area_codes]  # element access on the arrow index is slow
        pfy_base = int(pfys.min()) if len(pfys) else 0
        pfy_span = int(pfys.max()) - pfy_base + 1 if len(pfys) else 1
        row_keys = (days - int(days.min() if len(days) else 0)) * pfy_span + (pfys - pfy_base)
        cubes = {}
        for measure, positions in measures.groupby("measure", sort=True).indices.items():
            unique_keys, row = np.unique(row_keys[positions], return_inverse=True)
            codes, col = np.unique(area_ids[positions], return_inverse=True)
            matrix = np.zeros((len(unique_keys), len(codes)))
            np.add.at(matrix, (row.ravel(), col.ravel()), values[positions])
            first = positions[np.unique(row.ravel(), return_index=True)[1]]
            cubes[measure] = cls(measure, days[first], fys[first], pfys[first], matrix,
                                 {area_codes[code]: i for i, code in enumerate(codes)})
        return cubes

    def window(self, fiscal_year: int, period: dt.date) -> np.ndarray | None:
        """The rows that make up the measure for a measurement year up to `period`,
        already added up by kind (a single row, read-only), or None when there are none.

        Kept per (year, period): a breakdown asks for the same window once per area
        (the service-level breaches: 312 offices × 6 months × 4 measures)."""
        key = (fiscal_year, period)
        if key not in self._windows:
            found = self._window(fiscal_year, period)
            if found is not None:
                found = found.copy()
                found.setflags(write=False)
            self._windows[key] = found
        return self._windows[key]

    def _window(self, fiscal_year: int, period: dt.date) -> np.ndarray | None:
        day = np.datetime64(period, "D").astype("int64")
        lag = self.spec.premium_lag
        if lag is not None:
            cutoff = np.datetime64(month_end(fiscal_year + 1, 4), "D").astype("int64")
            mask = (self.pfys == fiscal_year - lag) & (self.periods <= min(day, cutoff))
        else:
            mask = (self.fys == fiscal_year) & (self.periods <= day)
        if not mask.any():
            return None
        if self.spec.kind == "flow":
            return self.matrix[mask].sum(axis=0, keepdims=True)
        rows = np.flatnonzero(mask)
        last = rows[np.argmax(self.periods[rows])]
        return self.matrix[last:last + 1]


class KpiEngine:
    """Evaluates the plan's KPIs on one snapshot.

    Base counts are kept per measure as a matrix (rows: period and premium year;
    columns: the areas the measure is reported at), so rolling an area up is a sum of
    columns and a fiscal-year window is a slice of rows.
    """

    def __init__(self, snapshot: Snapshot, plan: Plan):
        self.snapshot = snapshot
        self.plan = plan
        self._cubes: dict[str, _Cube] = {}
        self._area_columns: dict[tuple[str, str], list[int] | None] = {}

    # --- base measures -------------------------------------------------------------
    def _cube(self, measure: str) -> _Cube:
        if not self._cubes:
            self._cubes = _Cube.build_all(self.snapshot.measures)
        if measure not in self._cubes:  # a measure the snapshot has no rows of
            self._cubes[measure] = _Cube(measure, *(np.zeros(0, dtype="int64"),) * 3,
                                         np.zeros((0, 0)), {})
        return self._cubes[measure]

    def _columns(self, measure: str, area: str) -> list[int] | None:
        """Matrix columns that make up an area, or None if the measure is not there."""
        key = (measure, area)
        if key not in self._area_columns:
            cube = self._cube(measure)
            if area in cube.columns:
                cols = [cube.columns[area]]
            elif MEASURES[measure].level == "office":
                cols = [cube.columns[c] for c in self.snapshot.offices_under(area) if c in cube.columns]
            else:
                cols = []
            self._area_columns[key] = cols or None
        return self._area_columns[key]

    def measure_value(self, measure: str, area: str, fiscal_year: int, period: dt.date) -> float:
        """A base measure for an area, measurement year and period, added up by kind."""
        cols = self._columns(measure, area)
        if cols is None:
            return math.nan
        row_values = self._cube(measure).window(fiscal_year, period)
        if row_values is None:
            return math.nan
        return float(row_values[:, cols].sum())

    # --- KPI values ------------------------------------------------------------------
    def year_end(self, kpi: Kpi, fiscal_year: int) -> dt.date:
        """Where the KPI's fiscal year closes: the end of April after it for premium-year
        measures (the cut-off), else the end of March."""
        if self._lagged(kpi):
            return month_end(fiscal_year + 1, 4)
        return month_end(fiscal_year + 1, 3)

    def _lagged(self, kpi: Kpi) -> bool:
        if kpi.derived:
            return self._lagged(self.plan.kpi(kpi.derived["minuend"]["kpi"]))
        return kpi.numerator is not None and MEASURES[kpi.numerator].premium_lag is not None

    def value(self, kpi: Kpi, area: str, fiscal_year: int, period: dt.date) -> tuple[float, float, float]:
        """(value, numerator, denominator) of a KPI; NaN where the data has none."""
        if kpi.derived:
            a = self.value(self.plan.kpi(kpi.derived["minuend"]["kpi"]), kpi.derived["minuend"]["area"],
                           fiscal_year, period)[0]
            b = self.value(self.plan.kpi(kpi.derived["subtrahend"]["kpi"]),
                           kpi.derived["subtrahend"]["area"], fiscal_year, period)[0]
            return a - b, math.nan, math.nan
        area = kpi.area or area
        numerator = self.measure_value(kpi.numerator, area, fiscal_year, period)
        if kpi.aggregation != "ratio_of_sums":
            return numerator, numerator, math.nan
        denominator = self.measure_value(kpi.denominator, area, fiscal_year, period)
        if math.isnan(denominator) or denominator == 0:
            return math.nan, numerator, denominator
        scale = 100.0 if kpi.is_rate else 1.0
        return scale * numerator / denominator, numerator, denominator

    def default_period(self, kpi: Kpi, fiscal_year: int) -> dt.date:
        """The latest period of a fiscal year that the snapshot covers for this KPI."""
        return min(self.snapshot.as_of, self.year_end(kpi, fiscal_year))

    def series(self, kpi: Kpi | str, area: str = NATIONAL_CODE, fiscal_year: int | None = None) -> pd.DataFrame:
        """Month by month values of a KPI within a fiscal year (period, value)."""
        kpi = self._as_kpi(kpi)
        fiscal_year = fiscal_year or self.snapshot.fiscal_year
        end = self.default_period(kpi, fiscal_year)
        rows = []
        period = month_end(fiscal_year, 4)
        while period <= end:
            rows.append((period, self.value(kpi, area, fiscal_year, period)[0]))
            period = shift_months(period, 1)
        return pd.DataFrame(rows, columns=["period", "value"])

    # --- progress --------------------------------------------------------------------
    def projection(self, kpi: Kpi, area: str, fiscal_year: int, period: dt.date,
                   current: float) -> Projection | None:
        """Year-end projection from earlier years' gains between the same month and year
        end; None when the KPI is not an in-year cumulative rate or no earlier year has
        both figures."""
        if not kpi.is_projectable or math.isnan(current):
            return None
        year_end = self.year_end(kpi, fiscal_year)
        if period >= year_end:
            return None
        gains, years = [], []
        first = int(self.snapshot.manifest["first_fiscal_year"])
        for earlier in range(fiscal_year - 1, first - 1, -1):
            back = fiscal_year - earlier
            end = self.year_end(kpi, earlier)
            if end > self.snapshot.as_of:
                continue
            at = self.value(kpi, area, earlier, shift_months(period, -12 * back))[0]
            final = self.value(kpi, area, earlier, end)[0]
            if not (math.isnan(at) or math.isnan(final)):
                gains.append(final - at)
                years.append(earlier)
        if not gains:
            return None
        cap = 100.0 if kpi.is_rate else math.inf
        return Projection(
            central=min(current + mean(gains), cap),
            low=min(current + min(gains), cap),
            high=min(current + max(gains), cap),
            years=tuple(years),
            year_end=year_end,
            capped=current + max(gains) > cap,
        )

    def target(self, kpi: Kpi, area: str, fiscal_year: int) -> float | None:
        """The number the target rule compares with: the plan's value, or the prior
        fiscal year's year-end result for the prior-year rules."""
        if kpi.target_rule in ("at_least", "below"):
            return kpi.target_value
        if kpi.target_rule in _PRIOR_RULES:
            end = self.year_end(kpi, fiscal_year - 1)
            if end > self.snapshot.as_of:
                return None
            prior = self.value(kpi, area, fiscal_year - 1, end)[0]
            return None if math.isnan(prior) else prior
        return None

    def evaluate(self, kpi: Kpi | str, area: str = NATIONAL_CODE, fiscal_year: int | None = None,
                 period: dt.date | None = None) -> KpiResult:
        """A KPI with its 前年同期比, target, status and projection.

        Status: at year end 達成 or 未達 against the target. In the year, for cumulative
        rates the projection decides: 達成見込み when even its low end meets the target,
        要注意 when only its high end does, 未達見込み when not even that (in-year
        statuses are forecasts; 達成 and 未達 only once the year is closed). Other KPIs compare
        the current value with a fixed target, or with the same period a year earlier
        for the prior-year rules: 達成見込み when met, 要注意 when not. `track` KPIs are 参考.
        """
        kpi = self._as_kpi(kpi)
        fiscal_year = fiscal_year or self.snapshot.fiscal_year
        period = period or self.default_period(kpi, fiscal_year)
        if fiscal_year_of(period) not in (fiscal_year, fiscal_year + 1):
            raise ValueError(f"period {period} is outside fiscal year {fiscal_year}")
        value, numerator, denominator = self.value(kpi, area, fiscal_year, period)
        prior_period = shift_months(period, -12)
        prior_value = self.value(kpi, area, fiscal_year - 1, prior_period)[0]
        target = self.target(kpi, area, fiscal_year)
        is_final = period >= self.year_end(kpi, fiscal_year)
        projection = self.projection(kpi, area, fiscal_year, period, value)
        status = self._status(kpi, value, prior_value, target, projection, is_final)
        return KpiResult(kpi, kpi.area or area, fiscal_year, period, value, numerator, denominator,
                         prior_period, prior_value, value - prior_value, target, status, projection,
                         is_final)

    def _status(self, kpi: Kpi, value: float, prior: float, target: float | None,
                projection: Projection | None, is_final: bool) -> str | None:
        if kpi.target_rule == "track":
            return TRACKED
        if math.isnan(value):
            return None
        if is_final:
            met = meets_target(kpi, value, target)
            return None if met is None else (ACHIEVED if met else MISSED)
        if projection is not None and target is not None:
            if meets_target(kpi, projection.low, target):
                return ON_TRACK
            if meets_target(kpi, projection.high, target):
                return AT_RISK
            return OFF_TRACK
        compare_with = prior if kpi.target_rule in _PRIOR_RULES else target
        met = meets_target(kpi, value, compare_with)
        return None if met is None else (ON_TRACK if met else AT_RISK)

    def scorecard(self, area: str = NATIONAL_CODE, fiscal_year: int | None = None,
                  section: str | None = None) -> list[KpiResult]:
        """Every KPI of the plan (or of one section) for an area, in catalogue order."""
        kpis = self.plan.kpis_of(section) if section else self.plan.kpis
        return [self.evaluate(k, area, fiscal_year) for k in kpis]

    def _as_kpi(self, kpi: Kpi | str) -> Kpi:
        return self.plan.kpi(kpi) if isinstance(kpi, str) else kpi
