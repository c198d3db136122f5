"""Recompute two headline rates from a snapshot's files, using only what
data/snapshots/README.md documents (no workbook code): the national 現年度納付率 at the
end of September 2022 and the final FY2022 figure (end of April 2023).

    python tools/check_headline_rates.py data/snapshots/sample-2023-09-30
"""

import sys
from pathlib import Path

import pandas as pd
import yaml


def read_measures(folder: Path) -> pd.DataFrame:
    manifest = yaml.safe_load((folder / "manifest.yaml").read_text(encoding="utf-8"))
    path = folder / manifest["tables"]["measures"]["file"]
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp932")
    from io import StringIO

    return pd.read_csv(StringIO(text), dtype={"area_code": str})


def current_rate(measures: pd.DataFrame, period: str, premium_fy=None) -> float:
    rows = measures[measures["period"].astype(str) == period]
    if premium_fy is None:
        rows = rows[rows["premium_fy"].isna()]
    else:
        rows = rows[rows["premium_fy"] == premium_fy]
    paid = rows.loc[rows["measure"] == "paid_months_current", "value"].sum()
    due = rows.loc[rows["measure"] == "due_months_current", "value"].sum()
    return 100 * paid / due


def main(folder: str) -> int:
    measures = read_measures(Path(folder))
    print(f"現年度納付率 令和4年9月末: {current_rate(measures, '2022-09-30'):.1f}%")
    print(f"現年度納付率 令和4年度（令和5年4月末確定）: {current_rate(measures, '2023-04-30', 2022):.1f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
