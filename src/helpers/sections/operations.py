"""06 業務運営・システム・リスク・人事: plan parts (6), (7), (8), (10), (11), (12)."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="operations",
    notebook="06_operations",
    title="業務運営・システム・リスク・人事",
    views="activity",
    intro="計画の「(6) 効率的効果的な業務運営（ビジネスプロセス改革）」（P.50～53）、「(7) 外部委託」（P.56～57、83～84）、"
          "「(8) 社会保険オンラインシステムの刷新・レベルアップ」（P.58～60）、"
          "「(10) 現場リスクを踏まえたリスク対策の強化」（P.74、77～78、80、82）、「(11) 情報セキュリティ確保」（P.86～88）、"
          "「(12) 人事・人材育成及び働きやすい職場環境の確立」（P.92～95、97～100）について、"
          "計画事項の取組の進捗を予定と照らして示し、女性管理職比率を目標と比べる。",
    kpi_sections=("organisation",),
    plan_parts=(6, 7, 8, 10, 11, 12),
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
