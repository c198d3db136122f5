"""04 年金記録: the views it draws (its plan parts, lead and KPIs are the plan file's)."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="records",
    notebook="04_records",
    title="年金記録",
    views="records",
    body=(
        ("md", "## 1. 指標の達成状況"),
        ("code", "report.kpi_table()"),
        ("code", "report.kpi_charts()"),
        ("md", "## 2. 未統合記録（5,095万件）の解明状況"),
        ("code", "views.records_trend(report)"),
        ("md", "## 3. マイナンバーとの紐付け（完全化に向けて）"),
        ("code", "views.mynumber_trend(report)"),
        ("code", "views.mynumber_lowest(report)"),
        ("md", "## 4. 計画事項の進捗\n\n計画に書かれた期日（開始・期限の月）と基準日、各計画事項の状況。"),
        ("code", "items.milestone_timeline(report)"),
        ("code", "items.items_table(report)"),
    ),
    weight=1.0,
)
