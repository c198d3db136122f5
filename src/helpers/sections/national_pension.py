"""01 国民年金（適用・収納）: what it draws (its plan parts, lead and KPIs are the plan file's)."""

from helpers.sections.registry import SectionSpec

SECTION = SectionSpec(
    slug="national_pension",
    notebook="01_national_pension",
    title="国民年金（適用・収納）",
    views="national",
    body=(
        ("md", "## 1. 指標の達成状況"),
        ("code", "report.kpi_table()"),
        ("code", "report.kpi_charts()"),
        ("md", "## 2. 現年度納付率の月次の積み上がり\n\n"
               "月末 m の現年度納付率は、4月分～(m−1)月分の保険料のうち m 月末までに納付された月数の割合である"
               "（ワークブック独自の年度内累計。厚生労働省は平成29年度まで同じ形で公表）。"),
        ("code", "views.current_rate_build_up(report)"),
        ("code", "views.current_rate_table(report)"),
        ("md", "## 3. 納付率の長期推移（公表値）\n\n計画の目標の位置づけを、公表された納付率の推移で示す。"),
        ("code", "views.national_series(report)"),
        ("code", "views.national_series_note(report)"),
        ("md", "## 4. 地域・年金事務所の分布\n\n年金事務所別の納付率水準と規模。"),
        ("code", "views.area_spread(report)"),
        ("code", "views.office_levels(report)"),
        ("code", "views.lagging_offices(report)"),
        ("md", "## 5. 沖縄県と全国\n\n沖縄プロジェクトの進捗: 全国との差の推移。"),
        ("code", "views.okinawa_gap(report)"),
        ("md", "## 6. 強制徴収\n\n最終催告状 → 督促状 → 差押の段階ごとの件数。"),
        ("code", "views.enforcement_funnel(report)"),
        ("code", "views.enforcement_table(report)"),
        ("md", "## 7. 職権適用"),
        ("code", "views.ex_officio_table(report)"),
        ("md", "## 8. 計画事項の進捗\n\n計画に書かれた期日（開始・期限の月）と基準日、各計画事項の状況。"),
        ("code", "items.milestone_timeline(report)"),
        ("code", "items.items_table(report)"),
    ),
    weight=4.8,
)
