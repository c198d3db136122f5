"""00 スコアカード: every KPI of the plan on one page, a summary, and links."""

from helpers.sections.registry import SCORECARD, SectionSpec

SECTION = SectionSpec(
    slug=SCORECARD,
    notebook="00_scorecard",
    title="スコアカード",
    views="scorecard",
    body=(
        ("md", "## 1. 要約"),
        ("code", "views.executive_summary(report)"),
        ("code", "views.status_chart(report)"),
        ("md", "## 2. 全指標"),
        ("code", "views.scorecard_table(report)"),
        ("md", "## 3. 前回からの変化\n\n基準日が直前のスナップショットと比べた、判定の変化・動きの大きい指標・"
               "状況が変わった計画事項（遅延→遅延完了、未報告→実施中など）。"),
        ("code", "views.changes(report, compare_with=compare_with)"),
        ("md", "## 4. 計画全体の進捗管理表\n\n計画のすべての部の計画事項について、期日・状況・指標の判定を示す。"),
        ("code", "items.items_overview(report)"),
        ("code", "items.items_table(report, whole_plan=True)"),
        ("md", "## 5. 各区分"),
        ("code", "views.section_links(report, suffix=link_suffix)"),
    ),
    weight=0.9,
    batch_parameters={"link_suffix": ".html"},
    extra_parameters=('\nlink_suffix: str = ".ipynb"  # 各区分へのリンクの拡張子（HTML レポートでは .html）'
                      '\ncompare_with: str = "auto"  # 比べる前回のスナップショット（auto: 基準日が直前のもの、none: 比べない）'),
)
