"""06 業務運営・システム・リスク・人事: the views it draws (its plan parts, lead and KPIs are the plan file's)."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="operations",
    notebook="06_operations",
    title="業務運営・システム・リスク・人事",
    views="activity",
    body=(
        ("md", "## 1. 指標の達成状況"),
        ("code", "report.kpi_table()"),
        ("code", "report.kpi_charts()"),
        ("md", "## 2. 働き方改革と事務処理誤り（実績把握）\n\n時間外勤務・年次休暇（常勤職員1人あたり）と"
               "事務処理誤りの件数。計画は数の目標を定めていないため、前年同期と比べて示す。"),
        ("code", "views.work_style_table(report)"),
        ("code", "views.activity_table(report, views.OPERATIONS)"),
        ("code", "views.activity_panels(report, views.OPERATIONS)"),
        ("md", "## 3. 計画事項の取組の予定\n\n計画に書かれた月（開始・期限）のある取組と基準日。色は取組の状況を示す。"),
        ("code", "items.milestone_timeline(report)"),
        ("md", "## 4. 計画事項の進捗"),
        ("code", "items.items_table(report)"),
    ),
    weight=1.2,
    items_first=True,
)
