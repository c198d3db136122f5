"""The status words of the report and how each is shown: the one home of the vocabulary.

KPI statuses (README「判定の意味」): in the year 達成見込み / 要注意 / 未達見込み
(forecasts), once the year is closed 達成 / 未達, and 参考 for tracked KPIs. 計画事項
statuses: 遅延 and 遅延完了 (derived, never reported), 未報告, and the reported 未着手 / 実施中 /
完了; in a closed year an item's 実施状況 (計画どおり実施 / 一部未実施 / 未実施 / 未報告).
Tables, the index page and the Excel workbook colour a status cell the same way; charts
use a stronger colour of the same family.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["KPI_STATUSES", "ACHIEVED", "ON_TRACK", "AT_RISK", "OFF_TRACK", "MISSED", "TRACKED", "NEEDS_ACTION",
           "GRADED_STATUSES", "LATE", "UNREPORTED", "DONE_LATE", "DONE", "YEAR_END_STATUSES",
           "ITEM_STATUSES", "REPORTED_STATUSES", "StatusStyle", "STYLES",
           "cell_css", "css_class", "css_rules", "excel_fill", "chart_colors"]

KPI_STATUSES = ("達成", "達成見込み", "要注意", "未達見込み", "未達", "参考")
ACHIEVED, ON_TRACK, AT_RISK, OFF_TRACK, MISSED, TRACKED = KPI_STATUSES
GRADED_STATUSES = KPI_STATUSES[:-1]  # judged against a target (参考 is not)
NEEDS_ACTION = (AT_RISK, OFF_TRACK, MISSED)  # what a 所見 names first
ITEM_STATUSES = ("遅延", "未報告", "未着手", "実施中", "遅延完了", "完了")  # the order a reader needs them in
LATE, UNREPORTED, DONE_LATE, DONE = "遅延", "未報告", "遅延完了", "完了"
REPORTED_STATUSES = ("未着手", "実施中", "完了")  # what a progress table may say
# an item's 実施状況 in a closed-year report
YEAR_END_STATUSES = ("計画どおり実施", "一部未実施", "未実施", "未報告")


@dataclass(frozen=True)
class StatusStyle:
    """How one status is shown: a cell's background or text colour, and a chart's colour
    (hex, without '#')."""

    chart: str
    fill: str | None = None
    text: str | None = None


# Chart colours from the Analysis Function palette (3:1 on white, apart for colour-vision
# deficiencies); a status is never shown by colour alone: its word is in the cell, the
# legend or the row label. Cell fills are light, under black text.
STYLES: dict[str, StatusStyle] = {
    "達成": StatusStyle("12436D", fill="dcedc8"),
    "達成見込み": StatusStyle("28A197", fill="e8f5e9"),
    "要注意": StatusStyle("F46A25", fill="fff3cd"),
    "未達見込み": StatusStyle("A285D1", fill="fbe3e4"),
    "未達": StatusStyle("801650", fill="f8d7da"),
    "参考": StatusStyle("757575", text="555555"),
    "遅延": StatusStyle("801650", fill="f8d7da"),
    "未報告": StatusStyle("757575", fill="eeeeee"),
    "未着手": StatusStyle("F46A25", fill="fff3cd"),
    "実施中": StatusStyle("28A197", fill="e3f2fd"),
    "遅延完了": StatusStyle("A285D1", fill="efebe9"),  # done, but after its date: never the colour of 完了
    "完了": StatusStyle("12436D", fill="dcedc8"),
    "計画どおり実施": StatusStyle("12436D", fill="dcedc8"),
    "一部未実施": StatusStyle("F46A25", fill="fff3cd"),
    "未実施": StatusStyle("801650", fill="f8d7da"),
}


def cell_css(status: object) -> str:
    """A table cell's inline style for a status word ('' for any other text).

    >>> cell_css("要注意"), cell_css("参考"), cell_css("—")
    ('background-color:#fff3cd', 'color:#555555', '')
    """
    style = STYLES.get(str(status))
    if style is None:
        return ""
    return f"background-color:#{style.fill}" if style.fill else f"color:#{style.text}"


def css_class(status: str) -> str:
    """The index page's class for a status ('s-要注意')."""
    return f"s-{status}"


def css_rules() -> str:
    """The index page's rules for every status class, one line each."""
    return "\n".join(f".{css_class(s)} {{ {'background' if st.fill else 'color'}: #{st.fill or st.text}; }}"
                     for s, st in STYLES.items())


def excel_fill(status: object) -> str | None:
    """A spreadsheet cell's fill colour for a status (upper-case hex), or None."""
    style = STYLES.get(str(status))
    return style.fill.upper() if style is not None and style.fill else None


def chart_colors(statuses: tuple[str, ...]) -> dict[str, str]:
    """Chart colours ('#rrggbb') of these statuses."""
    return {s: f"#{STYLES[s].chart}" for s in statuses}
