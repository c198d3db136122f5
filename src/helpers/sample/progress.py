"""The sample's progress table: the synthetic analyst's report on each 計画事項 and
deliverable, as it stood at each month end. Chosen so that the bundled reports show a
realistic mix: deliverables done on time, done early, done after their date (遅延完了),
late, under way, not started and not reported; an item whose three deliverables move
separately (R08-01); and, in the 令和6年3月末 sample, the year-end close-out, with two
items still unreported. The texts are synthetic and say so."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from helpers.core.era import fiscal_year_of

__all__ = ["progress_rows", "COLUMNS"]

COLUMNS = ["item_id", "deliverable", "status", "done_on", "note", "grade", "grade_reason", "issues", "department"]
_CLOSE = "2024-03-31"  # the year-end close-out report
_CLOSED_ON = "2024-03-29"

# (item, deliverable or "" for the whole item, reported from, status, done on, 取組状況, 自己評価,
#  評定の理由, 課題と今後の対応, 担当部署), in date order per (item, deliverable)
_HISTORY: list[tuple[str, str, str, str, str | None, str, str | None, str, str, str]] = [
    ("R01-01", "", "2023-04-30", "実施中", None, "20歳到達者への職権適用と納付案内を毎月実施（サンプル）", "B", "", "",
     "国民年金部"),
    ("R01-02", "", "2023-04-30", "実施中", None, "納付率の月次管理を実施（サンプル）", "A",
     "現年度納付率が前年同期を上回って推移（サンプル）", "", "国民年金部"),
    ("R01-03", "", "2023-04-30", "実施中", None, "沖縄プロジェクトの拠点別計画を策定し実施中（サンプル）", "B", "", "", ""),
    ("R01-04", "", "2023-04-30", "実施中", None, "最終催告状の送付を計画どおり実施（サンプル）", "B", "", "", ""),
    ("R01-06", "", "2023-04-30", "実施中", None, "口座振替の勧奨を実施（サンプル）", None, "", "", ""),
    ("R02-01", "", "2023-04-30", "実施中", None, "5人以上の適用調査対象事業所への加入指導（サンプル）", "B", "", "",
     "厚生年金保険部"),
    ("R02-02", "", "2023-04-30", "実施中", None, "指摘率に重点を置く事業所調査を実施（サンプル）", "B", "", "", ""),
    ("R02-03", "", "2023-04-30", "実施中", None, "法定猶予事業所の納付計画を確認（サンプル）", None, "", "", ""),
    ("R03-01", "", "2023-04-30", "実施中", None, "再裁定の勧奨業務等の集約を準備中（サンプル）", None, "", "", ""),
    ("R03-01", "", "2023-10-31", "完了", "2023-10-20", "中央年金センター等への集約を完了（予定より遅れた。サンプル）", "C",
     "集約が令和5年4月の期限より遅れた（サンプル）", "移管手順の事前検証を徹底する（サンプル）", "年金給付事業部"),
    ("R03-02", "D1", "2023-04-30", "完了", "2023-04-03", "特別障害給付金の決定体制を事務センターから集約（サンプル）", "B",
     "", "", ""),
    ("R03-02", "D2", "2023-04-30", "実施中", None, "障害年金ヘルプデスクを設置し照会に対応（サンプル）", None, "", "", ""),
    ("R03-03", "", "2023-04-30", "未着手", None, "システム開発中（サンプル）", None, "", "", ""),
    ("R03-03", "", "2023-09-30", "実施中", None, "扶養親族等申告書の簡易な電子申請を開始（サンプル）", "A", "", "", ""),
    ("R03-06", "", "2023-04-30", "実施中", None, "インターネット予約の対象届書を拡大（サンプル）", "A", "", "", ""),
    ("R03-07", "", "2023-04-30", "実施中", None, "入電の平準化のため送付物の発送時期を分散（サンプル）", "B", "", "", ""),
    ("R04-01", "", "2023-04-30", "実施中", None, "ねんきん定期便での呼びかけを実施（サンプル）", None, "", "", ""),
    ("R04-02", "", "2023-04-30", "実施中", None, "マイナンバー未収録者への照会を実施（サンプル）", "B", "", "", ""),
    ("R05-02", "", "2023-04-30", "実施中", None, "マイナポータル経由の登録を案内（サンプル）", "B", "", "", ""),
    ("R05-03", "", "2023-04-30", "実施中", None, "年金委員の委嘱拡大を働きかけ（サンプル）", None, "", "", ""),
    ("R06-03", "", "2023-04-30", "未着手", None, "業務量調査の準備（サンプル）", None, "", "", ""),
    ("R06-03", "", "2023-07-31", "実施中", None, "業務量調査を実施中（サンプル）", None, "", "", ""),
    # R08-01: three deliverables that move separately
    ("R08-01", "", "2023-04-30", "実施中", None, "経過管理・電子決裁システム等の開発（サンプル）", "B", "", "", "システム統括部"),
    ("R08-01", "D3", "2023-12-31", "完了", "2023-12-15", "過誤納金の口座への直接還付を開始（予定より早い。サンプル）", "A",
     "", "", "システム統括部"),
    ("R08-01", "D1", "2024-01-31", "完了", "2024-01-04", "年金業務システム フェーズ1 が稼働（サンプル）", "A", "", "",
     "システム統括部"),
    ("R08-02", "", "2023-04-30", "実施中", None, "フェーズ2の設計（サンプル）", None, "", "", ""),
    ("R09-01", "", "2023-04-30", "実施中", None, "電子申請未実施の義務化対象事業所への勧奨（サンプル）", "B", "", "", ""),
    ("R09-02", "", "2023-04-30", "未着手", None, "サービス拡充の準備中（サンプル）", None, "", "", ""),
    ("R09-02", "", "2023-09-30", "実施中", None, "扶養親族等申告書の電子申請を開始（サンプル）", "B", "", "", ""),
    ("R09-03", "", "2023-04-30", "未着手", None, "帳票の電子化ルールを検討中（サンプル）", None, "", "", ""),
    ("R12-01", "", "2023-04-30", "実施中", None, "女性活躍推進ワーキンググループを開催（サンプル）", "B", "", "", "人事部"),
    ("R12-02", "", "2023-04-30", "実施中", None, "時間外勤務の実態調査を実施（サンプル）", None, "", "", ""),
]
# The year-end close-out: the items carried out through the year are reported 完了 at its
# end; R08-01's 令和6年3月 deliverable and R09-03 are not, and two items stay unreported.
_NOT_CLOSED = {"R08-01", "R09-03", "R07-02", "R10-03"}
_ALL_ITEMS = [f"R{p:02d}-{n:02d}" for p, count in ((1, 6), (2, 3), (3, 7), (4, 2), (5, 4), (6, 3), (7, 3), (8, 3),
                                                  (9, 3), (10, 3), (11, 1), (12, 4)) for n in range(1, count + 1)]
_HISTORY += [(item, "", _CLOSE, "完了", _CLOSED_ON, "年度の取組を実施した（年度末の報告。サンプル）", "B", "", "", "")
             for item in _ALL_ITEMS if item not in _NOT_CLOSED and item not in ("R03-01",)]
_HISTORY += [
    ("R03-02", "D2", _CLOSE, "完了", _CLOSED_ON, "障害年金ヘルプデスクを年度を通じて運用（サンプル）", "B", "", "", ""),
    ("R08-01", "D2", _CLOSE, "実施中", None, "戸籍情報の連携は試験運用中（サンプル）", "C",
     "令和6年3月の予定に間に合わなかった（サンプル）", "令和6年度第1四半期の稼働を目指す（サンプル）", "システム統括部"),
    ("R09-03", "", _CLOSE, "未着手", None, "帳票の電子化ルールの検討が続いている（サンプル）", "D",
     "運用開始に至らなかった（サンプル）", "ルールの策定を優先する（サンプル）", ""),
]


# 令和6年度 (the sample plan's register): its first month's reports.
_HISTORY += [
    ("R01-01", "", "2024-04-30", "実施中", None, "納付督励の年間計画を策定し実施中（サンプル）", None, "", "", ""),
    ("R01-02", "D1", "2024-04-30", "実施中", None, "最終催告状の送付計画を作成中（サンプル）", None, "", "", ""),
    ("R03-01", "", "2024-04-30", "未着手", None, "7月の予約枠拡大に向けて準備中（サンプル）", None, "", "", ""),
    ("R06-01", "", "2024-04-30", "実施中", None, "前年度の業務量調査を集計中（サンプル）", None, "", "", ""),
    ("R12-01", "", "2024-04-30", "実施中", None, "管理職候補者の研修を計画（サンプル）", None, "", "", "人事部"),
]


def progress_rows(as_of: dt.date) -> pd.DataFrame:
    """The progress table as reported at `as_of`: the latest report of each item and
    deliverable up to that day, within that day's fiscal year (each year's plan has
    its own register)."""
    year = fiscal_year_of(as_of)
    latest: dict[tuple[str, str], tuple] = {}
    for entry in _HISTORY:
        if entry[2] <= as_of.isoformat() and fiscal_year_of(dt.date.fromisoformat(entry[2])) == year:
            latest[(entry[0], entry[1])] = entry
    rows = [{"item_id": item, "deliverable": deliverable, "status": status, "done_on": done_on or "", "note": note,
             "grade": grade or "", "grade_reason": reason, "issues": issues, "department": department}
            for (item, deliverable), (_, _, _, status, done_on, note, grade, reason, issues, department)
            in sorted(latest.items())]
    return pd.DataFrame(rows, columns=COLUMNS)
