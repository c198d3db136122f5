"""Write the five section notebooks' cells (no outputs) from one skeleton.

The committed notebooks are the source of truth; this script made them and can make
them again after a change to the skeleton (it overwrites their cells, so re-run
`make notebooks` afterwards to refresh the outputs).

    python tools/scaffold_notebooks.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]

PARAMETERS = '''snapshot: str = "sample-2023-09-30"  # スナップショットの ID（data/snapshots/ 以下）またはフォルダのパス
plan_file: str = "params/plan_fy2023.yaml"  # 計画ファイル（プロジェクトのフォルダからの相対パス）
scope: str = "00"  # 範囲の地域コード（00: 全国、R1～R8: 地域、01～47: 都道府県、5桁: 年金事務所）
fiscal_year: int = 2023  # 年度（西暦の開始年。2023 は令和5年度）'''

SETUP = '''from helpers import plots, section
from helpers import {views} as views

plots.use_report_style()
report = section.open_section(
    "{section}", snapshot=snapshot, plan_file=plan_file, scope=scope, fiscal_year=fiscal_year
)
report.header()'''

TAIL = [
    ("md", "## 所見"),
    ("code", "report.narrative()"),
    ("md", "## データの出所"),
    ("code", "report.provenance()"),
    ("record_md", "### 機械可読の記録\n\nテストとレポートの索引が読む値である（HTML レポートには載せない）。"),
    ("record", "report.show_record()"),
]

NOTEBOOKS = {
    "01_national_pension": {
        "section": "national_pension",
        "views": "views_national",
        "title": "# 国民年金（適用・収納）— 令和5年度計画 進捗\n\n"
                 "計画の「(1) 国民年金」（P.4～13）の各指標について、スナップショットの実績を"
                 "前年同期・目標と比べる。",
        "body": [
            ("md", "## 1. 指標の達成状況"),
            ("code", "report.kpi_table()"),
            ("code", "report.kpi_charts()"),
            ("md", "## 2. 現年度納付率の月次の積み上がり\n\n"
                   "月末 m の現年度納付率は、4月分～(m−1)月分の保険料のうち m 月末までに納付された月数の割合である"
                   "（ワークブック独自の年度内累計。厚生労働省は平成29年度まで同じ形で公表）。"),
            ("code", "views.current_rate_build_up(report)"),
            ("code", "views.current_rate_table(report)"),
            ("md", "## 3. 納付率の長期推移（公表値）\n\n計画の目標「現年度納付率の12年連続の向上」の位置づけである。"),
            ("code", "views.national_series(report)"),
            ("code", "views.national_series_note(report)"),
            ("md", "## 4. 地域・年金事務所の分布\n\n年金事務所別の納付率水準と規模（計画 P.8～11）。"),
            ("code", "views.area_spread(report)"),
            ("code", "views.office_levels(report)"),
            ("code", "views.lagging_offices(report)"),
            ("md", "## 5. 沖縄県と全国\n\n沖縄プロジェクトの進捗: 全国との差の推移。"),
            ("code", "views.okinawa_gap(report)"),
            ("md", "## 6. 強制徴収\n\n最終催告状 → 督促状 → 差押（控除後所得300万円以上かつ7月以上滞納者が対象）。"),
            ("code", "views.enforcement_funnel(report)"),
            ("code", "views.enforcement_table(report)"),
            ("md", "## 7. 職権適用"),
            ("code", "views.ex_officio_table(report)"),
        ],
    },
    "02_employee_pension": {
        "section": "employee_pension",
        "views": "views_employee",
        "title": "# 厚生年金保険（適用・事業所調査・徴収）— 令和5年度計画 進捗\n\n"
                 "計画の「(2) 厚生年金保険」（P.14～23）の各指標について、実績を前年同期・目標と比べる。",
        "body": [
            ("md", "## 1. 指標の達成状況"),
            ("code", "report.kpi_table()"),
            ("code", "report.kpi_charts()"),
            ("md", "## 2. 国税源泉徴収義務者情報による新規適用"),
            ("code", 'views.monthly_bars(report, "EP01", "国税源泉徴収義務者情報による新規適用事業所数（月別）")'),
            ("md", "## 3. 5人以上の適用調査対象事業所（年度末までに100%）"),
            ("code", "views.priority_table(report)"),
            ("md", "## 4. 事業所調査（指摘率に重点を置く調査）"),
            ("code", "views.inspections_monthly(report)"),
            ("md", "## 5. 保険料の徴収状況"),
            ("code", "views.collection_table(report)"),
            ("md", "## 6. 法定猶予"),
            ("code", "views.grace_table(report)"),
        ],
    },
    "03_benefits_consultation": {
        "section": "benefits_consultation",
        "views": "views_consultation",
        "title": "# 年金給付・年金相談 — 令和5年度計画 進捗\n\n"
                 "計画の年金相談（P.38～39）の各指標について、実績を前年同期・目標と比べる。",
        "body": [
            ("md", "## 1. 指標の達成状況"),
            ("code", "report.kpi_table()"),
            ("code", "report.kpi_charts()"),
            ("md", "## 2. 月別のサービス水準\n\n予約率（90%以上）、待ち時間（30分未満）、インターネット予約、"
                   "コールセンター応答率（70%以上）を、その月だけの値で示す。応答率はねんきんダイヤル（コールセンター）の全国値である。"),
            ("code", "views.service_levels(report)"),
            ("md", "## 3. 目標を外れた年金事務所"),
            ("code", "views.breaches(report)"),
        ],
    },
    "04_records": {
        "section": "records",
        "views": "views_consultation",
        "title": "# 年金記録 — 令和5年度計画 進捗\n\n"
                 "計画の年金記録（P.33～35）の各指標について、実績を前年同期・目標と比べる。",
        "body": [
            ("md", "## 1. 指標の達成状況"),
            ("code", "report.kpi_table()"),
            ("code", "report.kpi_charts()"),
            ("md", "## 2. 未統合記録（5,095万件）の解明状況"),
            ("code", "views.records_trend(report)"),
            ("md", "## 3. マイナンバーとの紐付け（完全化に向けて）"),
            ("code", "views.mynumber_trend(report)"),
            ("code", "views.mynumber_lowest(report)"),
        ],
    },
    "00_scorecard": {
        "section": "scorecard",
        "views": "views_scorecard",
        "title": "# スコアカード — 令和5年度計画の全指標\n\n"
                 "日本年金機構 令和5年度計画の全31指標を一覧し、要約と各区分へのリンクを示す。",
        "extra_parameters": '\nlink_suffix: str = ".ipynb"  # 各区分へのリンクの拡張子（HTML レポートでは .html）',
        "body": [
            ("md", "## 1. 要約"),
            ("code", "views.executive_summary(report)"),
            ("code", "views.status_chart(report)"),
            ("md", "## 2. 全指標"),
            ("code", "views.scorecard_table(report)"),
            ("md", "## 3. 各区分"),
            ("code", "views.section_links(report, suffix=link_suffix)"),
        ],
    },
}


def build(name: str, spec: dict) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    cells = [new_markdown_cell(spec["title"])]
    parameters = new_code_cell(PARAMETERS + spec.get("extra_parameters", ""))
    parameters.metadata["tags"] = ["parameters"]
    cells.append(parameters)
    cells.append(new_code_cell(SETUP.format(views=spec["views"], section=spec["section"])))
    for kind, text in spec["body"] + TAIL:
        if kind == "md":
            cells.append(new_markdown_cell(text))
        elif kind == "record_md":  # the record's heading leaves the HTML with the record
            cell = new_markdown_cell(text)
            cell.metadata["tags"] = ["record"]
            cells.append(cell)
        else:
            cell = new_code_cell(text)
            if kind == "record":
                cell.metadata["tags"] = ["record"]
            cells.append(cell)
    for i, cell in enumerate(cells):
        cell["id"] = f"{name[:2]}-{i:02d}"
    nb.cells = cells
    return nb


def main() -> int:
    for name, spec in NOTEBOOKS.items():
        path = ROOT / "notebooks" / f"{name}.ipynb"
        nbformat.write(build(name, spec), path)
        print(f"wrote notebooks/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
