"""Write the sample plan of 令和6年度 (params/samples/plan_fy2024_sample.yaml) from the
令和5年度 plan file.

The published 令和6年度計画 of the service could not be found in the material this
project can read, so the workbook ships no params/plan_fy2024.yaml. This sample plan
shows how a new plan year is added, as data only: a new title and year, leads and aims
in the new year's words, a changed target, three KPIs the 令和5年度 plan did not have
(over measures the snapshot contract already defines), and its own register. It is
labelled サンプル everywhere it is shown, and it is not the service's plan.

    python tools/build_sample_plan.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "params" / "plan_fy2023.yaml"
OUT = ROOT / "params" / "samples" / "plan_fy2024_sample.yaml"

TITLE = "日本年金機構 令和6年度計画（サンプル）"
SOURCE_TEXT = ("ワークブックのサンプル計画（令和6年度計画の本文を入手できなかったため、前年度の計画の構成に"
               "倣って作った架空の計画であり、日本年金機構が公表した計画ではない）")
LEADS = {
    "scorecard": f"{TITLE}の全指標を一覧し、要約と各区分へのリンクを示す。",
    "national_pension": "サンプル計画の「(1) 国民年金」の各指標について、スナップショットの実績を前年同期・目標と比べる。",
    "employee_pension": "サンプル計画の「(2) 厚生年金保険」の各指標について、実績を前年同期・目標と比べる。",
    "benefits_consultation": "サンプル計画の「(3) 年金給付・年金相談体制の充実」について、年金相談の指標の実績を"
                             "前年同期・目標と比べ、計画事項の進捗を示す。",
    "records": "サンプル計画の「(4) 正確な年金記録の管理」の各指標について、実績を前年同期・目標と比べる。",
    "information_online": "サンプル計画の「(5) 情報提供の充実」と「(9) オンラインビジネスモデルの推進」について、"
                          "指標の実績を前年同期・目標と比べ、計画事項の進捗を期日と照らして示す。",
    "operations": "サンプル計画の「(6)」～「(8)」と「(10)」～「(12)」の部について、計画事項の取組の進捗を予定と照らして"
                  "示し、女性管理職比率を目標と比べる。",
}
# Targets that change in the sample year, and the aims in its words
TARGETS = {"OL01": 75.0}
AIMS = {"NP04": "現年度納付率の13年連続の前年比向上"}
# The 令和5年度 plan's words quoted in these notes do not carry over to another year
DROP_ASSUMPTIONS = ("EP02",)
NEW_KPIS = [
    {"id": "OL02", "section": "online", "name_ja": "算定基礎届の電子申請割合（被保険者ベース）",
     "name_en": "E-filing share of santei returns (insured persons)", "unit": "percent",
     "numerator": "e_filed_santei", "denominator": "filed_santei", "aggregation": "ratio_of_sums",
     "direction": "higher", "target": {"rule": "at_least", "value": 80.0},
     "baseline": {"value": None, "period": None, "note": "サンプル計画で新設"}, "plan_page": "サンプル"},
    {"id": "IN03", "section": "information", "name_ja": "年金セミナーの開催回数", "name_en": "Pension seminars held",
     "unit": "cases", "numerator": "pension_seminars", "denominator": None, "aggregation": "sum",
     "direction": "higher", "target": {"rule": "above_prior_year", "value": None},
     "baseline": {"value": None, "period": None, "note": "サンプル計画で新設"}, "plan_page": "サンプル"},
    {"id": "IN04", "section": "information", "name_ja": "年金委員数", "name_en": "Pension liaison volunteers",
     "unit": "persons", "numerator": "pension_liaisons", "denominator": None, "aggregation": "last",
     "direction": "higher", "target": {"rule": "track", "value": None},
     "baseline": {"value": None, "period": None, "note": "サンプル計画で新設"}, "plan_page": "サンプル"},
]


def main() -> int:
    doc = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    doc["plan"] = {"title": TITLE, "fiscal_year": 2024, "source": SOURCE_TEXT,
                   "register": "plan_register_fy2024_sample.yaml"}
    for entry in doc["report"]:
        entry["lead"] = LEADS[entry["section"]]
    for kpi in doc["kpis"]:
        kpi["plan_page"] = "サンプル"
        kpi["baseline"] = {"value": None, "period": None, "note": "サンプル計画"}
        if kpi["id"] in TARGETS:
            kpi["target"]["value"] = TARGETS[kpi["id"]]
        if kpi["id"] in AIMS:
            kpi["aim"] = AIMS[kpi["id"]]
        if kpi["id"] in DROP_ASSUMPTIONS:
            kpi.pop("assumption", None)
    doc["kpis"] += NEW_KPIS
    header = ("# 令和6年度のサンプル計画（tools/build_sample_plan.py で作成）。公表された計画ではない。\n"
              "# 書式は params/plan_fy2023.yaml と同じ。新しい年度の計画はこの形で params/plan_fy<年度>.yaml に置く。\n")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} with {len(doc['kpis'])} KPIs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
