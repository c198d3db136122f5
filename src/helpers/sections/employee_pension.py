"""02 厚生年金保険（適用・事業所調査・徴収）: the views it draws (its plan parts, lead and KPIs are the plan file's)."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="employee_pension",
    notebook="02_employee_pension",
    title="厚生年金保険（適用・事業所調査・徴収）",
    views="employee",
    body=(
        ("md", "## 1. 指標の達成状況"),
        ("code", "report.kpi_table()"),
        ("code", "report.kpi_charts()"),
        ("md", "## 2. 国税源泉徴収義務者情報による新規適用"),
        ("code", 'views.monthly_bars(report, "EP01", "国税源泉徴収義務者情報による新規適用事業所数（月別）")'),
        ("md", "## 3. 5人以上の適用調査対象事業所"),
        ("code", "views.priority_table(report)"),
        ("md", "## 4. 事業所調査（指摘率に重点を置く調査）"),
        ("code", "views.inspections_monthly(report)"),
        ("md", "## 5. 保険料の徴収状況"),
        ("code", "views.collection_table(report)"),
        ("md", "## 6. 法定猶予"),
        ("code", "views.grace_table(report)"),
        ("md", "## 7. 計画事項の進捗\n\n計画に書かれた期日（開始・期限の月）と基準日、各計画事項の状況。"),
        ("code", "items.milestone_timeline(report)"),
        ("code", "items.items_table(report)"),
    ),
    weight=2.7,
)
