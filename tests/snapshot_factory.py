"""Small hand-made snapshots for tests, written the way an analyst would write one from
the contract in data/snapshots/README.md (plain CSV and YAML, no helpers code)."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import yaml

AREAS = [
    ("00", "全国", "national", ""),
    ("R1", "北地方", "region", "00"),
    ("R8", "南地方", "region", "00"),
    ("01", "北海道", "prefecture", "R1"),
    ("47", "沖縄県", "prefecture", "R8"),
    ("01001", "北海道第1事務所", "office", "01"),
    ("01002", "北海道第2事務所", "office", "01"),
    ("01003", "北海道第3事務所", "office", "01"),
    ("47001", "沖縄第1事務所", "office", "47"),
]
# A manifest of nested YAML aliases ("billion laughs"): expanded, it would build 10^9 nodes.
BILLION_LAUGHS = "id: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)},"
    f" *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9))
AREA_COLUMNS = ["area_code", "name_ja", "level", "parent_code"]
MEASURE_COLUMNS = ["period", "area_code", "measure", "premium_fy", "value"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_csv(path: Path, columns: list[str], rows: list[tuple], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def write_manifest(folder: Path, *, as_of: str, fiscal_year: int, first_fiscal_year: int,
                   areas_file: str = "areas.csv", measures_file: str = "measures.csv",
                   progress_file: str | None = None) -> None:
    """(Re)write manifest.yaml with the files' real sha256 and row counts."""
    def rows(path: Path) -> int:
        with path.open("rb") as fh:
            return max(sum(1 for line in fh if line.strip()) - 1, 0)

    manifest = {
        "id": folder.name,
        "as_of": as_of,
        "fiscal_year": fiscal_year,
        "first_fiscal_year": first_fiscal_year,
        "source": "internal",
        "schema_version": 1,
        "tables": {
            "areas": {"file": areas_file, "sha256": sha256(folder / areas_file), "rows": rows(folder / areas_file)},
            "measures": {"file": measures_file, "sha256": sha256(folder / measures_file),
                         "rows": rows(folder / measures_file)},
        },
    }
    if progress_file:
        manifest["tables"]["progress"] = {"file": progress_file, "sha256": sha256(folder / progress_file),
                                          "rows": rows(folder / progress_file)}
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")


def make_snapshot(folder: Path, measures: list[tuple], *, as_of: str = "2023-09-30",
                  fiscal_year: int = 2023, first_fiscal_year: int = 2021, areas=AREAS,
                  encoding: str = "utf-8") -> Path:
    """Write a CSV snapshot with the given measure rows; return its folder."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "areas.csv", AREA_COLUMNS, list(areas), encoding)
    write_csv(folder / "measures.csv", MEASURE_COLUMNS, list(measures), encoding)
    write_manifest(folder, as_of=as_of, fiscal_year=fiscal_year, first_fiscal_year=first_fiscal_year)
    return folder


def fill_months(rows: list[tuple], flows: set[str]) -> list[tuple]:
    """`rows` with a zero row added for every month that a flow measure and area skip
    between their first and last month (the contract expects flows every month; a
    hand-made fixture that states a half-year in one month states zero for the others,
    which leaves every sum as it was)."""
    import calendar
    import datetime as dt

    seen: dict[tuple[str, str], set[tuple[int, int]]] = {}
    for period, area, measure, _, _ in rows:
        if measure in flows:
            day = dt.date.fromisoformat(period)
            seen.setdefault((measure, area), set()).add((day.year, day.month))
    added = []
    for (measure, area), months in seen.items():
        (y, m), last = min(months), max(months)
        while (y, m) < last:
            m, y = (1, y + 1) if m == 12 else (m + 1, y)
            if (y, m) not in months:
                added.append((f"{y:04d}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}", area, measure, None, 0))
    return rows + sorted(added)
