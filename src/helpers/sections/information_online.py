"""05 情報提供・オンラインサービス: the views it draws (its plan parts, lead and KPIs are the plan file's)."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="information_online",
    notebook="05_information_online",
    title="情報提供・オンラインサービス",
    views="activity",
    body=(
        ("md", "## 1. 指標の達成状況"),
        ("code", "report.kpi_table()"),
        ("code", "report.kpi_charts()"),
        ("md", "## 2. 取組の実績（実績把握）\n\nホームページ、SNS、年金セミナー・年金制度説明会、ねんきんネットと"
               "マイナポータル経由の利用。計画は数の目標を定めていないため、前年同期と比べて示す。"),
        ("code", "views.activity_table(report, views.INFORMATION)"),
        ("code", "views.activity_panels(report, views.INFORMATION)"),
        ("md", "## 3. 主要7届書の電子申請（届書別）\n\n主要7届書の電子申請割合（被保険者ベース）を届書別に示す。"),
        ("code", "views.efiling_by_form(report)"),
        ("md", "## 4. 計画事項の期日\n\n計画に書かれた期日（開始・期限の月）と基準日。色は計画事項の状況を示す。"),
        ("code", "items.milestone_timeline(report)"),
        ("md", "## 5. 計画事項の進捗"),
        ("code", "items.items_table(report)"),
    ),
    weight=1.8,
    items_first=True,
)
