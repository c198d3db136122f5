"""Reference data: real published figures in `data/reference/`, validated on load.

Every row carries its source URL and as-of date. Premium year and measurement year are
separate columns: a final payment rate (最終納付率) is measured two years after its
premium year, so 「令和5年度の最終納付率 83.1%」 is `premium_fy=2021, measured_fy=2023`.
The schema rejects any row that mixes the two up.

Every row also carries `published`, the date from which the figure may enter a report
(a report as of a date shows only what was known then), and `change`, the difference
on the previous year as the source published it (+1.6 for FY2023's 77.6%, where
77.6 − 76.1 of the rounded figures gives +1.5), empty where none was published.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from helpers.core import paths
from helpers.core.errors import InvalidInput, Problem
from helpers.data.kept import KeptByContent, fingerprint
from helpers.data.readers import read_table, row_label_for
from helpers.data.schemas import TableSchema, validate_frame

__all__ = ["REFERENCE_TABLES", "load_reference", "REFERENCE", "change_on_previous"]

# table file -> metrics it may hold
REFERENCE_TABLES = {
    "national_payment_rates.csv": ("current_rate", "final_rate"),
    "national_pension_insured.csv": ("insured_type1", "non_payers"),
    "prefecture_payment_rates.csv": ("current_rate", "final_rate"),
    "employee_pension_collection.csv": ("ep_collection_rate",),
    "unconsolidated_records.csv": ("records_unresolved", "records_resolved"),
}
# measurement year minus premium year, for the metrics that have a premium year
_PREMIUM_LAG = {"current_rate": 0, "final_rate": 2}


def _premium_lag_ok(frame: pd.DataFrame) -> pd.Series:
    lag = frame["metric"].map(_PREMIUM_LAG)
    gap = frame["measured_fy"] - frame["premium_fy"]
    has_lag = lag.notna()
    return (~has_lag & frame["premium_fy"].isna()) | (has_lag & (gap == lag)).fillna(False)


def _published_after_as_of(frame: pd.DataFrame) -> pd.Series:
    return frame["published"] >= frame["as_of"]


REFERENCE = TableSchema(
    name="reference",
    dtypes={"metric": "str", "premium_fy": "Int64", "measured_fy": "Int64", "area_code": "str",
            "area_name": "str", "value": "float64", "unit": "str", "as_of": "str", "published": "str",
            "change": "float64", "source_url": "str", "note": "str"},
    checks=pa.DataFrameSchema(
        {
            "metric": pa.Column(str),
            "premium_fy": pa.Column("Int64", pa.Check.in_range(1990, 2100), nullable=True),
            "measured_fy": pa.Column("Int64", pa.Check.in_range(1990, 2100)),
            "area_code": pa.Column(str, pa.Check.str_matches(r"^\d{2}$")),
            "area_name": pa.Column(str),
            "value": pa.Column("float64", pa.Check.ge(0)),
            "unit": pa.Column(str, pa.Check.isin(["%", "万人", "万件"])),
            "as_of": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
            "published": pa.Column(str, pa.Check.str_matches(r"^\d{4}-\d{2}-\d{2}$")),
            "change": pa.Column("float64", nullable=True),
            "source_url": pa.Column(str, pa.Check.str_matches(r"^https?://")),
            "note": pa.Column(str, nullable=True),
        },
        checks=[pa.Check(_premium_lag_ok, name="premium_year_rule"),
                pa.Check(_published_after_as_of, name="published_after_as_of")],
        unique=["metric", "premium_fy", "measured_fy", "area_code", "as_of"],
    ),
    key=["metric", "premium_fy", "measured_fy", "area_code", "as_of"],
    labels={"metric": "項目", "premium_fy": "保険料年度", "measured_fy": "計測年度", "area_code": "地域コード",
            "area_name": "地域名", "value": "値", "unit": "単位", "as_of": "時点", "published": "公表日",
            "change": "公表された前年差", "source_url": "出典URL", "note": "注記"},
    nullable=("premium_fy", "change", "note"),
    rule_texts={"premium_year_rule": "保険料年度と計測年度が合いません（最終納付率は保険料年度の2年後、"
                                     "現年度納付率は同じ年度に計測。その他の項目は保険料年度を空にする）",
                "published_after_as_of": "公表日が時点より前です（数値はその時点より後に公表されます）"},
)


def load_reference(table: str, known_on: dt.date | None = None) -> pd.DataFrame:
    """One reference table, validated; `InvalidInput` names the file, row and rule.

    With `known_on`, only the rows published by that date: a report as of 令和5年9月末
    must not show FY2023 results published in July 2024.

    A table once validated is kept for the process under its file's sha256, and reused
    only while the file still has those bytes: the pages of a run read the same few
    tables again and again (read and validated, 0.03-0.05 s each time).

    >>> rates = load_reference("national_payment_rates.csv")
    >>> rates.query("metric == 'final_rate' and measured_fy == 2023")["value"].item()
    83.1
    """
    if table not in REFERENCE_TABLES:
        raise KeyError(table)
    frame = _validated(paths.reference_dir() / table, table)
    if known_on is not None:
        frame = frame[frame["published"] <= known_on.isoformat()]
    return frame.reset_index(drop=True).copy()


_VALIDATED: KeptByContent[pd.DataFrame] = KeptByContent(limit=len(REFERENCE_TABLES))


def _validated(path: Path, table: str) -> pd.DataFrame:
    """The table at `path`, read and validated, or the frame kept for the same bytes."""
    before = fingerprint([path])
    kept = _VALIDATED.get(str(path), before)
    if kept is not None:
        return kept
    raw, problems = read_table(path, table)
    if raw is not None:
        if "note" not in raw.columns:
            raw = raw.assign(note=pd.NA)
        frame, more = validate_frame(raw, REFERENCE, table, row_label_for(path))
        problems += more
        allowed = REFERENCE_TABLES[table]
        bad = frame[~frame["metric"].isin(allowed)]
        for i, metric in bad["metric"].items():
            problems.append(Problem(table, f"{int(i) + 2}行目 列「metric」",
                                    f"この表に置ける項目は {', '.join(allowed)} です（値: {metric}）"))
    if problems:
        raise InvalidInput(f"参照データ {table} に誤りがあります（{len(problems)} 件）:", problems)
    _VALIDATED.put(str(path), before, fingerprint([path]), frame)
    return frame


def change_on_previous(series: pd.DataFrame, key: str) -> pd.Series:
    """Each row's difference on the previous year: the published one where the source
    gave it, else this value minus the previous year's (NaN for the first year).

    `series` holds one metric for one area, with `key` (premium_fy or measured_fy),
    `value` and `change` columns.
    """
    frame = series.set_index(key).sort_index()
    computed = frame["value"] - frame["value"].reindex(frame.index - 1).to_numpy()
    return frame["change"].where(frame["change"].notna(), computed)
