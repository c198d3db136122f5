"""The bundled sample snapshots: synthetic, seeded, calibrated to published figures.

One history (April 2021 to March 2024) is generated from a fixed seed; each sample
snapshot is that history cut at its as-of date, so the mid-year and the year-end
samples agree on every month they share. National totals are calibrated so that the
ratio of summed counts reproduces the real published figures (現年度納付率 73.9% at the
end of FY2021 and 76.1% at the end of FY2022, 69.1% at the end of September 2022 with
+1.9 points on the year, Okinawa 56.6%, and the R4.9末 baselines of the plan
catalogue). Offices differ as real ones do: size, level, seasonal build-up of in-year
rates, big cities and Okinawa lower.

Where the calibration figure is real (published), the constant below names it; the
rest (for example FY2023 in-year values the service did not publish) are plausible
synthetic values and are labelled as such.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from helpers.core.era import fiscal_year_months, month_end, shift_months
from helpers.data.contract import FORMS, MEASURES, NATIONAL_CODE, SCHEMA_VERSION
from helpers.data.readers import sha256_of
from helpers.sample.geography import OKINAWA, PREFECTURES, build_areas
from helpers.sample.progress import progress_rows

__all__ = ["SAMPLE_AS_OF", "NEW_YEAR_AS_OF", "SEED", "generate_history", "write_sample", "sample_id"]

SEED = 20230930
FIRST_FY = 2021
LAST_FY = 2023
SAMPLE_AS_OF = (dt.date(2023, 9, 30), dt.date(2024, 3, 31))
# The first month of the next plan year (令和6年4月末): read with the sample plan of
# 令和6年度, it shows a report across a change of plan. Kept under data/samples/, not
# data/snapshots/: the project has no plan file for 令和6年度, and the newest snapshot is
# what a run reads by default.
NEW_YEAR_AS_OF = dt.date(2024, 4, 30)

# --- 国民年金 現年度納付率 (national; published: FY2021 73.9, FY2022 76.1, FY2023 77.6) ---
CURRENT_FINAL = {2021: 73.9, 2022: 76.1, 2023: 77.6}
# in-year rate at the end of September: R3.9末 67.2 (= 69.1 - 1.9), R4.9末 69.1 (plan);
# R5.9末 is synthetic.
CURRENT_SEPTEMBER = {2021: 67.2, 2022: 69.1, 2023: 70.7}
# Okinawa: final FY2021 66.82, FY2022 70.5, FY2023 71.1 (published); R3.9末 52.6
# (= 67.2 - 14.6) and R4.9末 56.6 (plan); R5.9末 synthetic.
OKINAWA_FINAL = {2021: 66.82, 2022: 70.5, 2023: 71.1}
OKINAWA_SEPTEMBER = {2021: 52.6, 2022: 56.6, 2023: 57.8}
# Gap between the in-year rate after k premium months and the final rate, relative to
# the gap at September (k = 5). Shape read off the ministry's monthly releases (FY2014/2015/2009).
BUILD_UP = [1.10, 1.06, 1.03, 1.01, 1.00, 0.93, 0.82, 0.62, 0.42, 0.22, 0.10, 0.0]
# 納付対象月数 (万月) of each premium year: synthetic, declining with 第1号 numbers.
ANNUAL_DUE_MAN = {2019: 10_100, 2020: 9_900, 2021: 9_600, 2022: 9_300, 2023: 9_000}
# 最終納付率 by premium year (published: FY2019 78.0, FY2020 80.7, FY2021 83.1) and the
# rise during its measurement year; 2020's makes R4.9末 79.5% (plan).
FINAL_RATE = {2019: 78.0, 2020: 80.7, 2021: 83.1}
FINAL_RISE = {2019: 2.2, 2020: 1.2 * 12 / 7, 2021: 2.0}


def sample_id(as_of: dt.date) -> str:
    """'sample-2023-09-30'."""
    return f"sample-{as_of.isoformat()}"


class _Builder:
    """Accumulates rows (period, area, measure, premium_fy, value) as integer arrays."""

    def __init__(self, offices: list[str]):
        self.offices = offices
        self.frames: list[pd.DataFrame] = []

    def add(self, period: dt.date, measure: str, values, premium_fy: int | None = None,
            areas: list[str] | None = None) -> None:
        codes = areas if areas is not None else self.offices
        self.frames.append(pd.DataFrame({
            "period": period.isoformat(),
            "area_code": codes,
            "measure": measure,
            "premium_fy": premium_fy,
            "value": np.asarray(values, dtype=np.int64),
        }))

    def frame(self) -> pd.DataFrame:
        out = pd.concat(self.frames, ignore_index=True)
        out["premium_fy"] = out["premium_fy"].astype("Int64")
        # Some national figures (ねんきんダイヤル's calls) are drawn per office for their
        # spread, then reported as the contract says: one national row per month.
        national = out["measure"].map({n: m.level == "national" for n, m in MEASURES.items()}).fillna(False)
        spread = national.astype(bool) & (out["area_code"] != NATIONAL_CODE)
        if spread.any():
            summed = (out[spread].groupby(["period", "measure"], sort=True, as_index=False)["value"].sum()
                      .assign(area_code=NATIONAL_CODE, premium_fy=pd.NA))
            summed["premium_fy"] = summed["premium_fy"].astype("Int64")
            out = pd.concat([out[~spread], summed[out.columns]], ignore_index=True)
        return out.sort_values(["period", "area_code", "measure", "premium_fy"],
                               ignore_index=True)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to `weights` that add up to `total` (largest remainder)."""
    weights = np.asarray(weights, dtype=float)
    quota = total * weights / weights.sum()
    base = np.floor(quota).astype(np.int64)
    left = int(total - base.sum())
    order = np.lexsort((np.arange(len(quota)), -(quota - base)))
    base[order[:left]] += 1
    return base


def _numerators(den: np.ndarray, rate: np.ndarray, total: int) -> np.ndarray:
    """Integer numerators near den*rate, never above den, adding up to `total` exactly."""
    den = np.asarray(den, dtype=float)
    raw = den * np.clip(rate, 0, 1)
    for _ in range(20):
        raw = np.minimum(raw * total / raw.sum(), den)
        if abs(raw.sum() - total) < 1e-6:
            break
    base = np.floor(raw).astype(np.int64)
    left = int(total - base.sum())
    room = (base < den).astype(int)
    order = np.lexsort((np.arange(len(raw)), -(raw - base), -room))
    base[order[:left]] += 1
    return base


def _interpolate(anchors: dict[dt.date, float], period: dt.date) -> float:
    """Linear in months through dated anchors, extended by the nearest slope."""
    points = sorted(anchors.items())
    x = [p.year * 12 + p.month for p, _ in points]
    y = [v for _, v in points]
    t = period.year * 12 + period.month
    if t <= x[0]:
        i = 0
    elif t >= x[-1]:
        i = len(x) - 2
    else:
        i = max(j for j in range(len(x) - 1) if x[j] <= t)
    return y[i] + (y[i + 1] - y[i]) * (t - x[i]) / (x[i + 1] - x[i])


def _sep(year: int) -> dt.date:
    return month_end(year, 9)


class _Offices:
    """Fixed attributes of the 312 sample offices, drawn once from the seed."""

    def __init__(self, rng: np.random.Generator):
        areas = build_areas()
        offices = areas[areas["level"] == "office"].reset_index(drop=True)
        self.codes = offices["area_code"].tolist()
        self.prefecture = offices["parent_code"].to_numpy()
        pops = {code: pop for code, _, _, pop in PREFECTURES}
        per_pref = offices.groupby("parent_code")["area_code"].transform("count").to_numpy()
        pref_pop = np.array([pops[p] for p in self.prefecture], dtype=float)
        size = pref_pop / per_pref * rng.lognormal(0.0, 0.35, len(self.codes))
        self.size = size / size.sum()  # share of the nation's clients
        self.urban = np.log(pref_pop / 150.0)  # > 0 for big prefectures
        z = (np.log(self.size) - np.log(self.size).mean()) / np.log(self.size).std()
        self.is_okinawa = self.prefecture == OKINAWA
        # Level of the payment rate, in points from the national figure: prefecture
        # pattern (big cities lower; 島根・新潟・富山 high, 大阪 low as published),
        # then office size (large urban offices lower) and noise.
        known = {"32": 11.6, "15": 10.9, "16": 10.6, "27": -7.0, "40": -4.0, "13": -4.9}
        pref_noise = {code: rng.normal(0, 1.2) for code, _, _, _ in PREFECTURES}
        pref_level = np.array([known.get(p, 4.0 - 4.0 * np.log(pops[p] / 150.0) + pref_noise[p])
                               for p in self.prefecture])
        self.np_level = pref_level - 1.2 * z + rng.normal(0, 1.8, len(self.codes))
        self.rng = rng
        self.z = z

    def noise(self, sd: float) -> np.ndarray:
        """One normal draw per office."""
        return self.rng.normal(0, sd, len(self.codes))

    def weights(self, urban_power: float = 0.0, sd: float = 0.15) -> np.ndarray:
        """Office weights: size, tilted to cities by `urban_power`, with noise."""
        w = self.size * np.exp(urban_power * self.urban) * self.rng.lognormal(0, sd, len(self.codes))
        return w / w.sum()


def _season(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr / arr.sum()


def _flow(builder: _Builder, offices: _Offices, measure: str, season: list[float],
          totals: dict[int, int], h1_totals: dict[int, int] | None = None,
          urban_power: float = 0.0) -> dict[tuple[int, int], np.ndarray]:
    """A flow measure: national monthly totals (by season), split over offices.

    `totals` are fiscal-year totals; `h1_totals`, where given, fix April–September
    exactly (the plan's R4.9末 baselines are half-year sums).
    """
    base = offices.weights(urban_power, sd=0.25)
    out = {}
    shape = _season(season)
    for fy in range(FIRST_FY, LAST_FY + 1):
        months = fiscal_year_months(fy)
        if h1_totals and fy in h1_totals:
            monthly = np.concatenate([_allocate(h1_totals[fy], shape[:6]),
                                      _allocate(totals[fy] - h1_totals[fy], shape[6:])])
        else:
            monthly = _allocate(totals[fy], shape)
        for k, period in enumerate(months):
            values = _allocate(int(monthly[k]), base * offices.rng.lognormal(0, 0.15, len(base)))
            builder.add(period, measure, values)
            out[(fy, k)] = values
    return out


def _rate_on_flow(builder: _Builder, offices: _Offices, measure: str,
                  den: dict[tuple[int, int], np.ndarray], targets: dict[int, tuple[float, float]],
                  level: np.ndarray, monthly_shift: list[float]) -> dict[tuple[int, int], np.ndarray]:
    """Numerators of a flow ratio: the national April–September and October–March
    ratios hit `targets[fy]` (percent) exactly; offices differ by `level` (points)."""
    out = {}
    for fy, (h1, h2) in targets.items():
        for half, target in ((range(0, 6), h1), (range(6, 12), h2)):
            dens = np.concatenate([den[(fy, k)] for k in half])
            rates = np.concatenate([(target + level + monthly_shift[k]) / 100 for k in half])
            total = int(round(target / 100 * dens.sum()))
            nums = _numerators(dens, rates, total)
            for j, k in enumerate(half):
                values = nums[j * len(level):(j + 1) * len(level)]
                builder.add(fiscal_year_months(fy)[k], measure, values)
                out[(fy, k)] = values
    return out


def generate_history() -> pd.DataFrame:
    """Every row of the sample, April 2021 to March 2024 (and April cut-off rows)."""
    rng = np.random.default_rng(SEED)
    offices = _Offices(rng)
    b = _Builder(offices.codes)
    months = [p for fy in range(FIRST_FY, LAST_FY + 1) for p in fiscal_year_months(fy)]
    last = months[-1]

    _national_pension_rates(b, offices)
    _autopay(b, offices, months)
    _national_pension_flows(b, offices)
    _employee_pension(b, offices, months)
    _consultation(b, offices)
    _records_and_national(b, offices, months)
    _plan_activities(b, offices)  # last, so the random draws of everything above are unchanged
    frame = _split_seminars(b.frame())
    return frame[frame["period"] <= last.isoformat()].reset_index(drop=True)


def _split_seminars(frame: pd.DataFrame) -> pd.DataFrame:
    """年金セミナー and 年金制度説明会 from their total, in the plan's proportion (810 to
    2,060 in R4.4～9), so that the two add up to it exactly (no new random draws)."""
    total = frame[frame["measure"] == "seminars_held"]
    seminars = total.assign(measure="pension_seminars", value=(total["value"] * 810 + 1_435) // 2_870)
    briefings = total.assign(measure="system_briefings", value=total["value"] - seminars["value"])
    return pd.concat([frame, seminars, briefings], ignore_index=True)


def _national_pension_rates(b: _Builder, o: _Offices) -> None:
    annual_due = {pfy: _allocate(man * 10_000, o.size * o.rng.lognormal(0, 0.05, len(o.size)))
                  for pfy, man in ANNUAL_DUE_MAN.items()}
    ok = o.is_okinawa
    # 現年度分: k premium months covered at the end of month k+1 (April -> k = 12 next year).
    for fy in range(FIRST_FY, LAST_FY + 1):
        gap = CURRENT_FINAL[fy] - CURRENT_SEPTEMBER[fy]
        gap_ok = OKINAWA_FINAL[fy] - OKINAWA_SEPTEMBER[fy]
        late_payers = 1 + 0.04 * np.maximum(-o.np_level, 0)  # low-rate offices gain more late
        for k in range(1, 13):
            period = shift_months(month_end(fy, 4), k)
            due = np.round(annual_due[fy] * k / 12).astype(np.int64)
            national = CURRENT_FINAL[fy] - gap * BUILD_UP[k - 1]
            okinawa = OKINAWA_FINAL[fy] - gap_ok * BUILD_UP[k - 1]
            rate = (national + o.np_level - gap * BUILD_UP[k - 1] * (late_payers - 1)) / 100
            paid = np.zeros_like(due)
            total = int(round(national / 100 * due.sum()))
            paid[ok] = _numerators(due[ok], rate[ok], int(round(okinawa / 100 * due[ok].sum())))
            paid[~ok] = _numerators(due[~ok], rate[~ok], total - int(paid[ok].sum()))
            pfy = fy if k == 12 else None
            b.add(period, "due_months_current", due, pfy)
            b.add(period, "paid_months_current", paid, pfy)
    # 最終納付率: premiums of fy-2, from April fy to the cut-off at the end of April fy+1.
    level = 0.8 * o.np_level
    for fy in range(FIRST_FY, LAST_FY + 1):
        pfy = fy - 2
        due = annual_due[pfy]
        for t in range(0, 13):
            period = shift_months(month_end(fy, 4), t)
            national = FINAL_RATE[pfy] - FINAL_RISE[pfy] * (12 - t) / 12
            paid = _numerators(due, (national + level) / 100, int(round(national / 100 * due.sum())))
            b.add(period, "due_months_final", due, pfy)
            b.add(period, "paid_months_final", paid, pfy)


def _autopay(b: _Builder, o: _Offices, months: list[dt.date]) -> None:
    payers_anchor = {month_end(2021, 4): 7_300_000, month_end(2024, 3): 6_800_000}
    # R4.9末 38.0% is the plan's baseline; the other anchors are synthetic.
    share_anchor = {_sep(2021): 37.4, _sep(2022): 38.0, _sep(2023): 38.5}
    w = o.weights(-0.3, sd=0.1)
    level = -2.5 * o.urban + o.noise(2.0)
    for period in months:
        payers = _allocate(int(round(_interpolate(payers_anchor, period))), w)
        share = _interpolate(share_anchor, period)
        autopay = _numerators(payers, (share + level) / 100, int(round(share / 100 * payers.sum())))
        b.add(period, "payers_total", payers)
        b.add(period, "autopay_payers", autopay)


def _national_pension_flows(b: _Builder, o: _Offices) -> None:
    flat = [1.0, 1.02, 0.98, 1.0, 1.03, 0.97, 1.0, 1.01, 0.99, 1.0, 0.98, 1.02]
    # R4.9末 baselines (plan): 51万人, 1万人, 237人; other years synthetic.
    _flow(b, o, "ex_officio_age20", flat, {2021: 1_000_000, 2022: 1_015_000, 2023: 1_000_000},
          {2021: 503_000, 2022: 510_000, 2023: 498_000})
    _flow(b, o, "ex_officio_age34_44_54", flat, {2021: 19_000, 2022: 20_000, 2023: 21_000},
          {2021: 9_400, 2022: 10_000, 2023: 10_600})
    _flow(b, o, "ex_officio_foreign", flat, {2021: 420, 2022: 480, 2023: 530},
          {2021: 205, 2022: 237, 2023: 262}, urban_power=1.0)
    # FY2023 enforcement counts are the published 176,779 / 102,238 / 30,789.
    _flow(b, o, "final_notices", [0.5, 0.8, 1.4, 1.6, 1.3, 0.9, 0.8, 1.2, 1.4, 1.0, 0.6, 0.5],
          {2021: 165_000, 2022: 171_500, 2023: 176_779})
    _flow(b, o, "demands", [0.6, 0.6, 0.8, 1.2, 1.5, 1.4, 1.0, 0.9, 1.1, 1.2, 0.9, 0.8],
          {2021: 93_000, 2022: 98_900, 2023: 102_238})
    _flow(b, o, "seizures", [0.7, 0.7, 0.8, 0.9, 1.1, 1.3, 1.3, 1.1, 1.0, 1.0, 1.0, 1.1],
          {2021: 27_000, 2022: 29_400, 2023: 30_789})
    _flow(b, o, "exemption_prompts", [0.6, 0.8, 1.2, 2.5, 1.4, 0.9, 0.8, 0.7, 0.6, 0.6, 0.5, 0.5],
          {2021: 1_250_000, 2022: 1_200_000, 2023: 1_150_000})


def _employee_pension(b: _Builder, o: _Offices, months: list[dt.date]) -> None:
    # R4.9末 26,231事業所 (plan); other years synthetic.
    _flow(b, o, "new_covered_via_tax", [1.0, 1.05, 1.1, 1.0, 0.95, 1.0, 1.0, 1.0, 0.9, 0.95, 1.0, 1.05],
          {2021: 47_000, 2022: 50_000, 2023: 45_000}, {2021: 24_800, 2022: 26_231, 2023: 23_900},
          urban_power=0.5)
    _priority(b, o)
    inspections = _flow(b, o, "inspections", [0.8, 1.0, 1.1, 1.1, 0.9, 1.1, 1.1, 1.0, 0.8, 1.0, 1.1, 1.0],
                        {2021: 92_000, 2022: 95_000, 2023: 98_000})
    _rate_on_flow(b, o, "inspections_with_findings", inspections,
                  {2021: (29.5, 30.5), 2022: (32.6, 33.4), 2023: (35.8, 36.4)},
                  o.noise(5.0), [0.0] * 12)
    # 収納率 R4.9末 96.6% (+0.6) and 94.3% (+0.3) are the plan's; year ends FY2022 98.5%
    # and FY2023 98.7% are published for 厚生年金; the rest is synthetic.
    _collection(b, o, "ep", new={2021: 40.0e12, 2022: 41.0e12, 2023: 42.0e12}, carried=0.70e12,
                final={2021: 98.2, 2022: 98.5, 2023: 98.7},
                september={2021: 96.0, 2022: 96.6, 2023: 96.8}, arrears=True)
    _collection(b, o, "hi", new={2021: 11.0e12, 2022: 11.3e12, 2023: 11.6e12}, carried=0.35e12,
                final={2021: 97.0, 2022: 97.2, 2023: 97.4},
                september={2021: 94.0, 2022: 94.3, 2023: 94.6}, arrears=False)
    # R4.9末 70,471件, of which 44,994件 pay at least new assessments (plan).
    grace = {_sep(2021): 80_000, _sep(2022): 70_471, _sep(2023): 62_000}
    plans = {_sep(2021): 48_000, _sep(2022): 44_994, _sep(2023): 41_230}
    w = o.weights(0.4, sd=0.2)
    level = o.noise(6.0)
    for period in months:
        g = _allocate(int(round(_interpolate(grace, period))), w)
        p_total = int(round(_interpolate(plans, period)))
        b.add(period, "grace_establishments", g)
        b.add(period, "grace_plans_at_least_new", _numerators(g, p_total / g.sum() + level / 100, p_total))


def _priority(b: _Builder, o: _Offices) -> None:
    """5人以上 priority list: R4.3末 1,767事業所, 672 covered by R4.9末 (plan)."""
    totals = {2021: 2_100, 2022: 1_767, 2023: 1_120}
    september = {2021: 630, 2022: 672, 2023: 560}
    year_end = {2021: 1_640, 2022: 1_480, 2023: 1_030}
    w = o.weights(0.5, sd=0.3)
    pace = o.noise(0.12)
    for fy, total in totals.items():
        listed = _allocate(total, w)
        for k, period in enumerate(fiscal_year_months(fy), start=1):
            if k <= 6:
                covered = september[fy] * k / 6
            else:
                covered = september[fy] + (year_end[fy] - september[fy]) * (k - 6) / 6
            share = covered / total
            b.add(period, "priority_total", listed)
            b.add(period, "priority_covered",
                  _numerators(listed, share * (1 + pace), int(round(covered))))


# Gap of the cumulative collection rate to year end, relative to September's. April is
# low because the assessed amount already holds the arrears carried in, so that the
# arrears stock starts the year near where the last one ended.
_COLLECTION_SHAPE = [7.6, 3.8, 2.4, 1.7, 1.3, 1.0, 0.85, 0.7, 0.55, 0.4, 0.22, 0.0]


def _collection(b: _Builder, o: _Offices, prefix: str, new: dict[int, float], carried: float,
                final: dict[int, float], september: dict[int, float], arrears: bool) -> None:
    """徴収決定済額 and 収納済額 (年度累計, 円), with arrears carried between years."""
    w = o.weights(0.3, sd=0.1)
    level = -0.4 * o.urban + o.noise(0.5)
    carry = _allocate(int(carried), w * o.rng.lognormal(0, 0.3, len(w)))
    for fy in range(FIRST_FY, LAST_FY + 1):
        yearly = _allocate(int(new[fy]), w)
        for k, period in enumerate(fiscal_year_months(fy), start=1):
            assessed = carry + np.round(yearly * k / 12).astype(np.int64)
            rate = final[fy] - (final[fy] - september[fy]) * _COLLECTION_SHAPE[k - 1]
            collected = _numerators(assessed, (rate + level) / 100,
                                    int(round(rate / 100 * assessed.sum())))
            b.add(period, f"{prefix}_assessed", assessed)
            b.add(period, f"{prefix}_collected", collected)
            if arrears:
                b.add(period, "arrears_amount", assessed - collected)
        carry = assessed - collected


def _consultation(b: _Builder, o: _Offices) -> None:
    visits = _flow(b, o, "consultations", [1.1, 1.0, 1.2, 1.1, 0.9, 1.0, 1.0, 0.9, 0.8, 0.9, 1.0, 1.1],
                   {2021: 4_600_000, 2022: 4_700_000, 2023: 4_800_000})
    # 予約率 R4.9末 98.2% (plan); other halves synthetic.
    reserved = _rate_on_flow(b, o, "consultations_reserved", visits,
                             {2021: (97.5, 97.8), 2022: (98.2, 98.4), 2023: (98.4, 98.6)},
                             -np.abs(o.noise(1.2)) + 0.4, [0.0] * 12)
    # 待ち時間: synthetic (no published figure); some offices breach 30 minutes in peak months.
    wait_level = o.rng.lognormal(0, 0.45, len(o.codes))
    peak = [1.0, 1.0, 1.25, 1.3, 1.0, 0.95, 0.95, 0.9, 0.85, 0.9, 1.05, 1.1]
    average = {2021: 15.0, 2022: 14.2, 2023: 13.5}
    for fy in range(FIRST_FY, LAST_FY + 1):
        for k, period in enumerate(fiscal_year_months(fy)):
            walk_in = visits[(fy, k)] - reserved[(fy, k)]
            minutes = walk_in * wait_level * peak[k]
            total = int(round(average[fy] * peak[k] * walk_in.sum()))
            b.add(period, "walk_in_visits", walk_in)
            b.add(period, "wait_minutes_total",
                  _allocate(total, minutes + 1e-9) if walk_in.sum() else np.zeros_like(walk_in))
    # インターネット予約: started May 2021; R3.5～R4.9末 about 10.7万件 (plan).
    w = o.weights(1.0, sd=0.2)
    start = month_end(2021, 5)
    ramp = [3_000 + 411.76 * i for i in range(17)]
    first_block = _allocate(107_000, np.array(ramp))
    for fy in range(FIRST_FY, LAST_FY + 1):
        for period in fiscal_year_months(fy):
            i = (period.year - start.year) * 12 + period.month - start.month
            if i < 0:
                national = 0
            elif i < 17:
                national = int(first_block[i])
            else:
                national = int(round(3_000 + 411.76 * i))
            b.add(period, "online_bookings", _allocate(national, w * o.rng.lognormal(0, 0.1, len(w))))
    # 応答率 R4.4～9月 72.0% (plan); other halves synthetic.
    calls = _flow(b, o, "calls_received", [1.1, 1.0, 1.3, 1.2, 0.9, 0.9, 0.9, 1.1, 0.8, 1.0, 0.9, 0.9],
                  {2021: 9_600_000, 2022: 9_800_000, 2023: 10_000_000})
    _rate_on_flow(b, o, "calls_answered", calls,
                  {2021: (68.5, 73.0), 2022: (72.0, 74.5), 2023: (71.2, 73.5)},
                  o.noise(4.0), [2.0, 1.5, -4.5, -3.0, 1.5, 2.5, 2.0, -1.0, 2.0, 0.5, -1.0, 0.0])


def _records_and_national(b: _Builder, o: _Offices, months: list[dt.date]) -> None:
    national = [NATIONAL_CODE]
    # 未統合記録: R3.9 1,783万 and R5.9 1,726万 (published), R4.9 約1,754万 (plan).
    records = {_sep(2021): 17_830_000, _sep(2022): 17_540_000, _sep(2023): 17_260_000}
    # ねんきんネット R4.10末 約832.9万人, 年金委員 R4.9末 132,468人 (plan); others synthetic.
    net = {month_end(2021, 10): 7_600_000, month_end(2022, 10): 8_329_000, month_end(2023, 10): 9_050_000}
    liaisons = {_sep(2021): 134_100, _sep(2022): 132_468, _sep(2023): 131_200}
    # マイナンバー紐付け R4.9末 99.77% (plan).
    linked = {_sep(2021): 99.70, _sep(2022): 99.77, _sep(2023): 99.82}
    population = {month_end(2021, 4): 73_400_000, month_end(2024, 3): 72_600_000}
    # 女性管理職比率 R4.10末 15.4% (plan); managers change in April.
    managers = {2021: (2_230, 326), 2022: (2_214, 341), 2023: (2_205, 348)}
    w = o.weights(0.0, sd=0.05)
    level = o.noise(0.04)
    for period in months:
        b.add(period, "unconsolidated_records", [round(_interpolate(records, period))], areas=national)
        b.add(period, "nenkin_net_users", [round(_interpolate(net, period))], areas=national)
        b.add(period, "pension_liaisons", [round(_interpolate(liaisons, period))], areas=national)
        pop = _allocate(int(round(_interpolate(population, period))), w)
        share = _interpolate(linked, period)
        b.add(period, "mynumber_population", pop)
        b.add(period, "mynumber_linked", _numerators(pop, (share + level) / 100,
                                                     int(round(share / 100 * pop.sum()))))
        fy = period.year if period.month >= 4 else period.year - 1
        total, female = managers[fy]
        b.add(period, "managers", [total], areas=national)
        b.add(period, "female_managers", [female], areas=national)
    # 主要7届書の電子申請割合 R4.10末 63.9% (April–October, plan); others synthetic.
    season = _season([1.6, 1.0, 0.9, 1.1, 0.9, 1.0, 0.9, 0.9, 0.8, 0.9, 0.9, 1.1])
    shares = {2021: (58.0, 61.0), 2022: (63.9, 66.0), 2023: (68.4, 70.5)}
    for fy in range(FIRST_FY, LAST_FY + 1):
        filed = _allocate(30_000_000 + 500_000 * (fy - FIRST_FY), season)
        first, rest = filed[:7], filed[7:]
        e_first = _numerators(first, np.full(7, shares[fy][0] / 100), int(round(shares[fy][0] / 100 * first.sum())))
        e_rest = _numerators(rest, np.full(5, shares[fy][1] / 100), int(round(shares[fy][1] / 100 * rest.sum())))
        for k, period in enumerate(fiscal_year_months(fy)):
            e = e_first[k] if k < 7 else e_rest[k - 7]
            b.add(period, "filed_insured", [filed[k]], areas=national)
            b.add(period, "e_filed_insured", [e], areas=national)
            # by form: 算定基礎届 in July, 賞与支払届 in July and December; e-filing is most
            # common on 算定基礎届 and least on 第3号 (synthetic shares, adding up to the totals)
            mix = np.array([1.0, 0.9, 6.0 if k == 3 else 0.1, 0.8, 2.5 if k in (3, 8) else 0.3, 0.7, 0.5])
            forms = _allocate(int(filed[k]), mix)
            e_forms = _numerators(forms, np.array([1.0, 1.0, 1.15, 1.0, 1.05, 0.85, 0.6]) * e / filed[k], int(e))
            for key, n, n_e in zip(FORMS, forms, e_forms):
                b.add(period, f"filed_{key}", [n], areas=national)
                b.add(period, f"e_filed_{key}", [n_e], areas=national)
    # 新たに委嘱した年金委員: no published figure; synthetic, most appointments in April.
    appointed = {2021: 9_800, 2022: 9_500, 2023: 9_900}
    season = _season([2.2, 1.2, 1.0, 1.0, 0.9, 0.9, 1.0, 0.9, 0.8, 0.8, 0.6, 0.7])
    for fy in range(FIRST_FY, LAST_FY + 1):
        monthly = _allocate(appointed[fy], season)
        for k, period in enumerate(fiscal_year_months(fy)):
            b.add(period, "new_pension_liaisons", [monthly[k]], areas=national)


def _plan_activities(b: _Builder, o: _Offices) -> None:
    """The figures the plan's non-KPI items can be counted by (情報提供, オンライン, 働き方).
    Only 常勤職員数 is published (8,988人, FY2022); the rest is synthetic, of a plausible size."""
    national = [NATIONAL_CODE]
    flows = {
        "hp_page_views": ([1.2, 1.0, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 1.0, 1.1, 1.2],
                          {2021: 180_000_000, 2022: 195_000_000, 2023: 210_000_000}),
        "sns_posts": ([1.0] * 12, {2021: 300, 2022: 360, 2023: 420}),
        "nenkin_net_logins": ([1.1, 1.0, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 1.0, 1.1, 1.3],
                              {2021: 24_000_000, 2022: 28_000_000, 2023: 33_000_000}),
        "mynaportal_logins": ([1.1, 1.0, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9, 0.8, 1.0, 1.1, 1.3],
                              {2021: 4_000_000, 2022: 7_000_000, 2023: 11_000_000}),
        # 算定基礎届の6-7月と年度末に多い
        "overtime_hours": ([1.0, 0.9, 1.3, 1.3, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9, 1.1, 1.5],
                           {2021: 1_750_000, 2022: 1_680_000, 2023: 1_600_000}),
        "leave_days_taken": ([0.6, 1.0, 0.7, 0.9, 1.8, 0.9, 0.8, 0.9, 1.3, 1.1, 0.8, 1.2],
                             {2021: 118_000, 2022: 124_000, 2023: 130_000}),
    }
    staff = {2021: 9_010, 2022: 8_988, 2023: 8_950}
    for fy in range(FIRST_FY, LAST_FY + 1):
        for measure, (season, totals) in flows.items():
            monthly = _allocate(totals[fy], _season(season))
            for k, period in enumerate(fiscal_year_months(fy)):
                b.add(period, measure, [monthly[k]], areas=national)
        for period in fiscal_year_months(fy):
            b.add(period, "staff", [staff[fy]], areas=national)
    # 年金事務所の取組: 学校・事業所での説明会は秋に多い
    _flow(b, o, "seminars_held", [0.6, 0.8, 1.0, 1.0, 0.6, 1.0, 1.4, 1.4, 1.1, 1.0, 0.9, 0.7],
          {2021: 9_000, 2022: 10_500, 2023: 11_500})
    _flow(b, o, "clerical_errors", [1.0, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 1.0, 1.0],
          {2021: 1_150, 2022: 1_080, 2023: 1_020})


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Parquet without pandas metadata, so the bytes depend only on the data and the
    pinned pyarrow version."""
    table = pa.table({
        "period": pa.array(frame["period"], pa.string()),
        "area_code": pa.array(frame["area_code"], pa.string()),
        "measure": pa.array(frame["measure"], pa.string()),
        "premium_fy": pa.array([None if pd.isna(v) else int(v) for v in frame["premium_fy"]], pa.int32()),
        "value": pa.array(frame["value"].to_numpy(), pa.int64()),
    })
    pq.write_table(table, path, compression="zstd", use_dictionary=True, row_group_size=1 << 20)


def _with_next_april(history: pd.DataFrame) -> pd.DataFrame:
    """The history with an April of the next fiscal year, made with no new random draws
    (so the samples of 令和5年度 stay as they are): stocks stay at their March level;
    a closed premium year's counts grow in April as the last one's did (the payments of
    the cut-off month); the month's flows repeat April 2023's. The premium years line up
    as a real April's would: no premium of the new year is due yet."""
    last_april, march, next_april = (month_end(LAST_FY, 4).isoformat(), month_end(LAST_FY + 1, 3).isoformat(),
                                     month_end(LAST_FY + 1, 4).isoformat())
    april = history[history["period"] == last_april].copy()
    april["period"] = next_april
    april["premium_fy"] = april["premium_fy"] + 1
    keys = ["area_code", "measure", "premium_fy"]

    def keyed(period: str, fiscal_year: int) -> pd.Series:
        # a row's premium year is implicit (empty) when it is the measurement year's own
        rows = history[history["period"] == period]
        return rows.assign(premium_fy=rows["premium_fy"].fillna(fiscal_year)).set_index(keys)["value"]

    def index(premium_years) -> pd.MultiIndex:
        return pd.MultiIndex.from_arrays([april["area_code"], april["measure"], premium_years], names=keys)

    now_march = keyed(march, LAST_FY)
    lagged = april["premium_fy"].notna().to_numpy()
    before = index(april["premium_fy"].fillna(0) - 1)
    growth = (keyed(last_april, LAST_FY).reindex(before) / keyed(month_end(LAST_FY, 3).isoformat(), LAST_FY - 1)
              .reindex(before)).to_numpy(dtype=float)
    closing = now_march.reindex(index(april["premium_fy"].fillna(0))).to_numpy(dtype=float)
    held = now_march.reindex(index(pd.Series(LAST_FY, index=april.index))).to_numpy(dtype=float)
    kind = april["measure"].map({n: m.kind for n, m in MEASURES.items()}).to_numpy()
    value = april["value"].to_numpy().copy()
    grows = lagged & ~np.isnan(closing) & ~np.isnan(growth)
    value[grows] = np.rint(closing[grows] * growth[grows])
    stock = (kind == "stock") & ~lagged & ~np.isnan(held)
    value[stock] = held[stock]
    april["value"] = value.astype("int64")
    return pd.concat([history, april], ignore_index=True)


def write_sample(as_of: dt.date, out_root: Path, history: pd.DataFrame | None = None) -> Path:
    """Write one sample snapshot cut at `as_of` into `out_root/<id>/`; return the folder."""
    if history is None:
        history = generate_history()
    folder = out_root / sample_id(as_of)
    folder.mkdir(parents=True, exist_ok=True)
    areas = build_areas()
    areas_path = folder / "areas.csv"
    areas.to_csv(areas_path, index=False, encoding="utf-8", lineterminator="\n")
    if as_of > month_end(LAST_FY + 1, 3):
        history = _with_next_april(history)
    rows = history[history["period"] <= as_of.isoformat()].reset_index(drop=True)
    measures_path = folder / "measures.parquet"
    _write_parquet(rows, measures_path)
    progress = progress_rows(as_of)
    progress_path = folder / "progress.csv"
    progress.to_csv(progress_path, index=False, encoding="utf-8", lineterminator="\n")
    fiscal_year = as_of.year if as_of.month >= 4 else as_of.year - 1
    manifest = {
        "id": sample_id(as_of),
        "as_of": as_of.isoformat(),
        "fiscal_year": fiscal_year,
        "first_fiscal_year": FIRST_FY,
        "source": "sample",
        "schema_version": SCHEMA_VERSION,
        "description": (
            "合成データ（サンプル）。全国計は公表値（現年度納付率 令和3年度73.9%・令和4年度76.1%、"
            "令和4年9月末69.1%など）に合わせて調整していますが、事務所は架空です。"
            "地域は一般的な地方区分（8地方）で、機構の地域部ではありません。"
            + ("令和6年4月分は令和5年4月分の値を1年後に移したもので、令和6年度のサンプル計画"
               "（params/samples/plan_fy2024_sample.yaml）で読みます。" if as_of > month_end(LAST_FY + 1, 3) else "")
        ),
        "generator": f"workbook sample (seed {SEED})",
        "tables": {
            "areas": {"file": areas_path.name, "sha256": sha256_of(areas_path), "rows": len(areas)},
            "measures": {"file": measures_path.name, "sha256": sha256_of(measures_path), "rows": len(rows)},
            "progress": {"file": progress_path.name, "sha256": sha256_of(progress_path), "rows": len(progress)},
        },
    }
    text = yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False, width=1000)
    (folder / "manifest.yaml").write_text(text, encoding="utf-8")
    return folder

