"""03 年金給付・年金相談: plan part (3), P.24-32 and P.38-39."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="benefits_consultation",
    notebook="03_benefits_consultation",
    title="年金給付・年金相談",
    views="consultation",
    intro="計画の「(3) 年金給付・年金相談体制の充実」（P.24～32、38～39）について、年金相談の指標の実績を"
          "前年同期・目標と比べ、年金給付の計画事項の進捗を示す。",
    kpi_sections=("benefits_consultation",),
    plan_parts=(3,),
    body=(
        ("md", "## 1. 指標の達成状況"),
        ("code", "report.kpi_table()"),
        ("code", "report.kpi_charts()"),
        ("md", "## 2. 月別のサービス水準\n\n予約率（90%以上）、待ち時間（30分未満）、インターネット予約、"
               "コールセンター応答率（70%以上）を、その月だけの値で示す。応答率はねんきんダイヤル（コールセンター）の全国値である。"),
        ("code", "views.service_levels(report)"),
        ("md", "## 3. 目標を外れた年金事務所"),
        ("code", "views.breaches(report)"),
        ("md", "## 4. 計画事項の進捗\n\n計画に書かれた期日（開始・期限の月）と基準日、各計画事項の状況。"),
        ("code", "items.milestone_timeline(report)"),
        ("code", "items.items_table(report)"),
    ),
    weight=2.2,
)
