"""Curate ../shared/reference-data/ into the tidy tables of data/reference/.

Every output row keeps the figure as published, its source URL and as-of date. The
premium year and the measurement year are separate columns, so that the headline
「令和5年度の最終納付率 83.1%」 lands where it belongs: premium_fy 2021, measured_fy 2023.
Run from the project root: `python tools/curate_reference.py`.
"""

from __future__ import annotations

import calendar
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "reference-data"
OUT = ROOT / "data" / "reference"
COLUMNS = ["metric", "premium_fy", "measured_fy", "area_code", "area_name", "value", "unit",
           "as_of", "published", "change", "source_url", "note"]
PREFECTURE_CODES = {
    "北海道": "01", "青森県": "02", "岩手県": "03", "宮城県": "04", "秋田県": "05", "山形県": "06",
    "福島県": "07", "茨城県": "08", "栃木県": "09", "群馬県": "10", "埼玉県": "11", "千葉県": "12",
    "東京都": "13", "神奈川県": "14", "新潟県": "15", "富山県": "16", "石川県": "17", "福井県": "18",
    "山梨県": "19", "長野県": "20", "岐阜県": "21", "静岡県": "22", "愛知県": "23", "三重県": "24",
    "滋賀県": "25", "京都府": "26", "大阪府": "27", "兵庫県": "28", "奈良県": "29", "和歌山県": "30",
    "鳥取県": "31", "島根県": "32", "岡山県": "33", "広島県": "34", "山口県": "35", "徳島県": "36",
    "香川県": "37", "愛媛県": "38", "高知県": "39", "福岡県": "40", "佐賀県": "41", "長崎県": "42",
    "熊本県": "43", "大分県": "44", "宮崎県": "45", "鹿児島県": "46", "沖縄県": "47",
}
LIMO = "https://limo.media/articles/-/62336?page=4"


def read(name: str) -> list[dict]:
    with (SOURCE / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def published(row: dict) -> str:
    """The date from which a figure may enter a report (data/reference/README.md).

    The MHLW release of the year's 納付状況 (payment rates, the 厚生年金 収納率 it quotes)
    comes out in late June or early July after the fiscal year: taken as 31 July. The
    事業の概況 (insured persons) comes out within the following fiscal year: taken as
    31 December after the year. The JPS page on 未統合記録 gives no date: taken as the
    end of the third month after the figure's as-of date.
    """
    metric, fy = row["metric"], int(row["measured_fy"])
    if metric in ("current_rate", "final_rate", "ep_collection_rate"):
        return f"{fy + 1}-07-31"
    if metric in ("insured_type1", "non_payers"):
        return f"{fy + 1}-12-31"
    year, month = int(row["as_of"][:4]), int(row["as_of"][5:7]) + 3
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"


def published_changes(name: str, metrics: dict[str, str], key: str) -> dict[tuple[str, int], str]:
    """Differences on the previous year as the source published them ('+1.6ポイント'),
    by (metric, year of `key`); the first source listed wins."""
    changes: dict[tuple[str, int], str] = {}
    for r in read(name):
        metric = metrics.get(r["metric"])
        if metric:
            year = int(r[key][2:6]) if key == "period" else int(r[key])
            changes.setdefault((metric, year), r["value"])
    return changes


def write(name: str, rows: list[dict]) -> None:
    for row in rows:
        row["published"] = published(row)
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / name).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in COLUMNS})
    print(f"wrote data/reference/{name}: {len(rows)} rows")


def national_rates() -> list[dict]:
    """現年度納付率 FY2002–FY2023 and 最終納付率 by premium year, from the MHLW series,
    with the published difference on the previous year where a release gave one."""
    changes = published_changes("national_pension_annual.csv",
                                {"現年度納付率_前年度差": "current_rate", "最終納付率_前年差": "final_rate"},
                                "fiscal_year")
    rows = []
    for r in read("national_pension_annual.csv"):
        if r["source_url"] != LIMO:
            continue
        fy = int(r["fiscal_year"])
        if r["metric"] == "現年度納付率":
            rows.append(dict(metric="current_rate", premium_fy=fy, measured_fy=fy, area_code="00",
                             area_name="全国", value=r["value"], unit="%", as_of=r["as_of"],
                             source_url=r["source_url"],
                             change=changes.get(("current_rate", fy), ""),
                             note=f"{r['era_label']}分保険料の現年度納付率（翌年4月末現在）"))
        elif r["metric"] == "最終納付率":
            rows.append(dict(metric="final_rate", premium_fy=fy, measured_fy=fy + 2, area_code="00",
                             area_name="全国", value=r["value"], unit="%", as_of=r["as_of"],
                             source_url=r["source_url"], change=changes.get(("final_rate", fy), ""),
                             note=f"{r['era_label']}分保険料の最終納付率（「{_era_fy(fy + 2)}の最終納付率」として公表）"))
    return sorted(rows, key=lambda r: (r["metric"], r["premium_fy"]))


def _era_fy(fy: int) -> str:
    if fy >= 2019:
        n = fy - 2018
        return f"令和{'元' if n == 1 else n}年度"
    return f"平成{fy - 1988}年度"


def insured() -> list[dict]:
    """第1号被保険者数 and 未納者数 (万人, fiscal year end)."""
    wanted = {"第1号被保険者数": "insured_type1", "未納者数": "non_payers"}
    rows, seen = [], set()
    for r in read("national_pension_annual.csv"):
        metric = wanted.get(r["metric"])
        if not metric or (metric, r["fiscal_year"]) in seen:
            continue  # the first source listed wins; SOURCES.md explains the alternatives
        seen.add((metric, r["fiscal_year"]))
        rows.append(dict(metric=metric, measured_fy=r["fiscal_year"], area_code="00", area_name="全国",
                         value=r["value"], unit=r["unit"], as_of=r["as_of"], source_url=r["source_url"],
                         note=r["note"].replace("\n", " ")))
    return sorted(rows, key=lambda r: (r["metric"], int(r["measured_fy"])))


def prefectures() -> list[dict]:
    """Prefecture 現年度納付率 (top and bottom 3 as published, Okinawa every year) and
    the FY2021-premium final rates."""
    rows = []
    for r in read("national_pension_by_prefecture.csv"):
        if not r["fiscal_year"]:
            continue  # rows of an unstated year (SOURCES.md caveat 8) cannot be placed
        fy = int(r["fiscal_year"])
        common = dict(area_code=PREFECTURE_CODES[r["prefecture"]], area_name=r["prefecture"],
                      value=r["value"], unit="%", source_url=r["source_url"])
        if r["metric"] == "現年度納付率":
            rows.append(dict(metric="current_rate", premium_fy=fy, measured_fy=fy,
                             as_of=f"{fy + 1}-04-30", **common))
        elif r["metric"].startswith("最終納付率(令和3年度分保険料"):
            rows.append(dict(metric="final_rate", premium_fy=fy, measured_fy=fy + 2,
                             as_of=f"{fy + 3}-04-30", note="令和3年度分保険料（令和5年度の最終納付率）", **common))
    by_year: dict[tuple[str, int], list[dict]] = {}
    for row in rows:
        by_year.setdefault((row["metric"], row["premium_fy"]), []).append(row)
    for group in by_year.values():
        group.sort(key=lambda r: -float(r["value"]))
        if len(group) == 6:  # the release's top three and bottom three
            for i, row in enumerate(group):
                row["note"] = (row.get("note", "") + " " if row.get("note") else "") + (
                    f"公表の上位{i + 1}位" if i < 3 else f"公表の下位{6 - i}位")
    for row in rows:
        if row["area_code"] == "47" and row["metric"] == "current_rate" and not row.get("note"):
            row["note"] = "沖縄県"
    return sorted(rows, key=lambda r: (r["metric"], r["premium_fy"], r["area_code"]))


def employee_pension() -> list[dict]:
    """厚生年金保険料収納率 FY2022 and FY2023 (year end)."""
    changes = published_changes("employee_pension.csv", {"厚生年金保険料収納率_前年度差": "ep_collection_rate"},
                                "period")
    rows = []
    for r in read("employee_pension.csv"):
        if r["metric"].startswith("厚生年金保険料収納率") and r["unit"] == "%" and r["period"].startswith("FY"):
            fy = int(r["period"][2:6])
            rows.append(dict(metric="ep_collection_rate", measured_fy=fy, area_code="00", area_name="全国",
                             value=r["value"], unit="%", as_of=r["as_of"], source_url=r["source_url"],
                             change=changes.get(("ep_collection_rate", fy), ""), note=r["note"]))
    return sorted(rows, key=lambda r: r["measured_fy"])


def records() -> list[dict]:
    """未統合記録（5,095万件）の解明状況: unresolved and resolved counts (万件)."""
    wanted = {"未統合記録 解明作業中又はなお解明を要する記録": "records_unresolved",
              "未統合記録 未解明件数": "records_unresolved",
              "未統合記録 解明された記録": "records_resolved"}
    rows = []
    for r in read("records.csv"):
        metric = wanted.get(r["metric"])
        if metric:
            year, month = int(r["as_of"][:4]), int(r["as_of"][5:7])
            as_of = f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"  # month end
            rows.append(dict(metric=metric, measured_fy=year if month >= 4 else year - 1, area_code="00",
                             area_name="全国", value=r["value"], unit="万件", as_of=as_of,
                             source_url=r["source_url"], note=r["note"]))
    return sorted(rows, key=lambda r: (r["metric"], r["as_of"]))


def main() -> int:
    if not SOURCE.is_dir():
        print(f"not found: {SOURCE}", file=sys.stderr)
        return 1
    write("national_payment_rates.csv", national_rates())
    write("national_pension_insured.csv", insured())
    write("prefecture_payment_rates.csv", prefectures())
    write("employee_pension_collection.csv", employee_pension())
    write("unconsolidated_records.csv", records())
    return 0


if __name__ == "__main__":
    sys.exit(main())
