"""03 年金給付・年金相談: the views it draws (its plan parts, lead and KPIs are the plan file's)."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="benefits_consultation",
    notebook="03_benefits_consultation",
    title="年金給付・年金相談",
    views="consultation",
    body=(
        ("md", "## 1. 指標の達成状況"),
        ("code", "report.kpi_table()"),
        ("code", "report.kpi_charts()"),
        ("md", "## 2. 月別のサービス水準\n\n予約率、待ち時間、インターネット予約、"
               "コールセンター応答率を、その月だけの値で目標と比べて示す。応答率はねんきんダイヤル（コールセンター）の全国値である。"),
        ("code", "views.service_levels(report)"),
        ("md", "## 3. 目標を外れた年金事務所"),
        ("code", "views.breaches(report)"),
        ("md", "## 4. 計画事項の進捗\n\n計画に書かれた期日（開始・期限の月）と基準日、各計画事項の状況。"),
        ("code", "items.milestone_timeline(report)"),
        ("code", "items.items_table(report)"),
    ),
    weight=2.2,
)
