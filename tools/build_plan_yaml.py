"""One-off: turn ../shared/plan/kpi_catalog.csv into params/plan_fy2023.yaml.

Kept so the catalogue's origin is reproducible; the YAML is the project's source of
truth from then on (tests compare the two field by field).
"""
import csv
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CATALOG = ROOT.parent / "shared" / "plan" / "kpi_catalog.csv"

# The catalogue's KPI sections; which notebook reports each is the sections registry's.
SECTIONS = [
    ("national_pension", "国民年金（適用・収納）"),
    ("employee_pension", "厚生年金保険（適用・事業所調査・徴収）"),
    ("benefits_consultation", "年金給付・年金相談"),
    ("records", "年金記録"),
    ("information", "情報提供・年金委員"),
    ("online", "オンラインビジネスモデル"),
    ("organisation", "組織・働き方改革"),
]

# Each report section's lead (である調) and the catalogue sections it reports: plan-year
# text, so it lives in the plan file; which parts each section answers for is the register's.
REPORT = [
    ('scorecard', [],
     '日本年金機構 令和5年度計画の全指標を一覧し、要約と各区分へのリンクを示す。'),
    ('national_pension', ['national_pension'],
     '計画の「(1) 国民年金」（P.4～13）の各指標について、スナップショットの実績を前年同期・目標と比べる。'),
    ('employee_pension', ['employee_pension'],
     '計画の「(2) 厚生年金保険」（P.14～23）の各指標について、実績を前年同期・目標と比べる。'),
    ('benefits_consultation', ['benefits_consultation'],
     ('計画の「(3) 年金給付・年金相談体制の充実」（P.24～32、38～39）について、年金相談の指標'
      'の実績を前年同期・目標と比べ、年金給付の計画事項の進捗を示す。')),
    ('records', ['records'],
     '計画の「(4) 正確な年金記録の管理」（P.33～35）の各指標について、実績を前年同期・目標と比べる。'),
    ('information_online', ['information', 'online'],
     ('計画の「(5) 情報提供の充実」（P.41～48）と「(9) オンラインビジネスモデルの推進」（P.'
      '63～70）について、指標の実績を前年同期・目標と比べ、計画事項の進捗を期日と照らして示す。')),
    ('operations', ['organisation'],
     ('計画の「(6) 効率的効果的な業務運営（ビジネスプロセス改革）」（P.50～53）、「(7) 外部委'
      '託」（P.56～57、83～84）、「(8) 社会保険オンラインシステムの刷新・レベルアップ」（P.'
      '58～60）、「(10) 現場リスクを踏まえたリスク対策の強化」（P.74、77～78、80、82）'
      '、「(11) 情報セキュリティ確保」（P.86～88）、「(12) 人事・人材育成及び働きやすい職場'
      '環境の確立」（P.92～95、97～100）について、計画事項の取組の進捗を予定と照らして示し、女性'
      '管理職比率を目標と比べる。')),
]
# The plan's aims in its own words (P.6: 「12年連続の前年比向上を図る」).
AIMS = {"NP04": "現年度納付率の12年連続の前年比向上"}


# The plan's headline items (P.1 重点): 現年度納付率 and its 12年連続向上, 沖縄, 厚生年金の収納率.
HEADLINE = ("NP04", "NP06", "NP07", "EP05")
# Targets or definitions the plan does not publish: the workbook's reading, footnoted on the page.
ASSUMPTIONS = {
    "EP04": "指摘率（指摘のあった調査 ÷ 実施した調査）の定義は公表されておらず、ワークブックの仮定である。",
    "EP06": "健康保険料の収納率の定義は公表されていないため、厚生年金保険料と同じ定義"
            "（収納済額 ÷ 徴収決定済額、年度累計）と仮定した。",
    "CB01": "予約率（予約による来訪相談 ÷ 来訪相談）の定義はワークブックの仮定である。",
    "CB02": "平均待ち時間（予約なし来訪者の受付から相談開始までの平均）の定義はワークブックの仮定である。"
            "計画の「待ち時間30分未満」は一人ひとりの待ち時間とも読めるが、ここでは平均を30分と比べている。",
    "EP02": "計画の言葉は「令和5年度末までの適用を目指す」（令和4年3月末の1,767事業所）であり、"
            "「100%以上」はそれを適用率に置き換えた目録（KPI カタログ）の読みである。",
    "IN02": "委嘱数の公表値がないため、計画の「新たな年金委員の委嘱数拡大」を"
            "「前年度実績を上回る」と読んだ目標である。",
}


def number(text):
    if text == "":
        return None
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def main() -> int:
    rows = list(csv.DictReader(CATALOG.open(encoding="utf-8")))
    kpis = []
    for r in rows:
        kpi = {
            "id": r["kpi_id"],
            "section": r["section"],
            "name_ja": r["name_ja"],
            "name_en": r["name_en"],
            "unit": r["unit"],
            "numerator": r["numerator"] or None,
            "denominator": r["denominator"] or None,
            "aggregation": r["aggregation"],
            "direction": r["direction"],
            "target": {"rule": r["target_rule"], "value": number(r["target_value"])},
            "baseline": {
                "value": number(r["baseline_value"]),
                "period": r["baseline_period"] or None,
                "note": r["baseline_note"] or None,
            },
            "plan_page": r["plan_page"],
        }
        if r["kpi_id"] in HEADLINE:
            kpi["headline"] = True
        if r["kpi_id"] in ASSUMPTIONS:
            kpi["assumption"] = ASSUMPTIONS[r["kpi_id"]]
        if r["kpi_id"] == "RC02":
            kpi["decimals"] = 2  # the plan states 99.77%
            # P.34-35: 「紐付けの完全化を目指す」, with no value or date for the year: tracked,
            # shown against the same period of the prior year, with the plan's aim in words.
            kpi["target"]["wording"] = "紐付けの完全化を目指す（年度の数値目標なし）"
        if r["kpi_id"] in AIMS:
            kpi["aim"] = AIMS[r["kpi_id"]]
        if r["kpi_id"] == "NP06":
            kpi["area"] = "47"
        if r["kpi_id"] == "NP07":
            kpi["derived"] = {"minuend": {"kpi": "NP04", "area": "00"},
                              "subtrahend": {"kpi": "NP04", "area": "47"}}
        kpis.append(kpi)
    doc = {
        "plan": {
            "title": "日本年金機構 令和5年度計画",
            "fiscal_year": 2023,
            "source": "日本年金機構「令和5年度計画（案）の概要」（令和5年2月）",
            "register": "plan_register_fy2023.yaml",
        },
        "report": [{"section": slug, "kpi_sections": kpi_sections, "lead": lead}
                   for slug, kpi_sections, lead in REPORT],
        "sections": [{"id": s, "name_ja": n} for s, n in SECTIONS],
        "kpis": kpis,
    }
    header = ("# 日本年金機構 令和5年度計画の KPI カタログ（kpi_catalog.csv から作成）。\n"
              "# target.rule: above_prior_year / at_least_prior_year / at_least / below /\n"
              "#   below_prior_year / track。area はその KPI が常に見る地域（沖縄県 = 47）。\n"
              "# decimals は計画が示す小数の桁（省略時は率1桁、件数0桁）。\n"
              "# target.wording は計画の言葉で書いた目標（あれば表と所見はこれを使う）。\n"
              "# headline は計画の重点項目、assumption は公表されていない定義・目標の注記、aim は計画の言葉で書いた目標。\n"
              "# plan.register は同じフォルダの計画事項の一覧。report は区分ごとのリード文と、その区分が示す sections。\n")
    out = ROOT / "params" / "plan_fy2023.yaml"
    out.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000),
                   encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)} with {len(kpis)} KPIs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
