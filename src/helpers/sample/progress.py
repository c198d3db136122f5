"""The sample's progress table: the synthetic analyst's report on each 計画事項, as it
stood at each month end. Chosen so that the bundled reports show every status: items
done, under way, not started, late against a milestone that has passed, and items with
no report at all (未報告). The texts are synthetic and say so."""

from __future__ import annotations

import datetime as dt

import pandas as pd

__all__ = ["progress_rows"]

# item -> [(reported from, status, done on, 取組状況, self-assessment)], in date order
_HISTORY: dict[str, list[tuple[str, str, str | None, str, str | None]]] = {
    "R01-01": [("2023-04-30", "実施中", None, "20歳到達者への職権適用と納付案内を毎月実施（サンプル）", "B")],
    "R01-02": [("2023-04-30", "実施中", None, "納付率の月次管理を実施（サンプル）", "A")],
    "R01-03": [("2023-04-30", "実施中", None, "沖縄プロジェクトの拠点別計画を策定し実施中（サンプル）", "B")],
    "R01-04": [("2023-04-30", "実施中", None, "最終催告状の送付を計画どおり実施（サンプル）", "B")],
    "R01-06": [("2023-04-30", "実施中", None, "口座振替の勧奨を実施（サンプル）", None)],
    "R02-01": [("2023-04-30", "実施中", None, "5人以上の適用調査対象事業所への加入指導（サンプル）", "B")],
    "R02-02": [("2023-04-30", "実施中", None, "指摘率に重点を置く事業所調査を実施（サンプル）", "B")],
    "R02-03": [("2023-04-30", "実施中", None, "法定猶予事業所の納付計画を確認（サンプル）", None)],
    "R03-01": [("2023-04-30", "実施中", None, "再裁定の勧奨業務等の集約を準備中（サンプル）", None),
               ("2023-10-31", "完了", "2023-10-20", "中央年金センター等への集約を完了（予定より遅れた。サンプル）", "C")],
    "R03-02": [("2023-04-30", "完了", "2023-04-03", "特別障害給付金の決定体制を事務センターから集約（サンプル）", "B")],
    "R03-03": [("2023-04-30", "未着手", None, "システム開発中（サンプル）", None),
               ("2023-09-30", "実施中", None, "扶養親族等申告書の簡易な電子申請を開始（サンプル）", "A")],
    "R03-06": [("2023-04-30", "実施中", None, "インターネット予約の対象届書を拡大（サンプル）", "A")],
    "R03-07": [("2023-04-30", "実施中", None, "入電の平準化のため送付物の発送時期を分散（サンプル）", "B")],
    "R04-01": [("2023-04-30", "実施中", None, "ねんきん定期便での呼びかけを実施（サンプル）", None)],
    "R04-02": [("2023-04-30", "実施中", None, "マイナンバー未収録者への照会を実施（サンプル）", "B")],
    "R05-02": [("2023-04-30", "実施中", None, "マイナポータル経由の登録を案内（サンプル）", "B")],
    "R05-03": [("2023-04-30", "実施中", None, "年金委員の委嘱拡大を働きかけ（サンプル）", None)],
    "R06-03": [("2023-04-30", "未着手", None, "業務量調査の準備（サンプル）", None),
               ("2023-07-31", "実施中", None, "業務量調査を実施中（サンプル）", None)],
    "R08-01": [("2023-04-30", "実施中", None, "経過管理・電子決裁システムの開発（サンプル）", "B"),
               ("2024-01-31", "完了", "2024-01-04", "年金業務システム フェーズ1 が稼働（サンプル）", "A")],
    "R08-02": [("2023-04-30", "実施中", None, "フェーズ2の設計（サンプル）", None)],
    "R09-01": [("2023-04-30", "実施中", None, "電子申請未実施の義務化対象事業所への勧奨（サンプル）", "B")],
    "R09-02": [("2023-04-30", "未着手", None, "サービス拡充の準備中（サンプル）", None),
               ("2023-09-30", "実施中", None, "扶養親族等申告書の電子申請を開始（サンプル）", "B")],
    "R09-03": [("2023-04-30", "未着手", None, "帳票の電子化ルールを検討中（サンプル）", None)],
    "R12-01": [("2023-04-30", "実施中", None, "女性活躍推進ワーキンググループを開催（サンプル）", "B")],
    "R12-02": [("2023-04-30", "実施中", None, "時間外勤務の実態調査を実施（サンプル）", None)],
}


def progress_rows(as_of: dt.date) -> pd.DataFrame:
    """The progress table as reported at `as_of` (one row per reported item)."""
    rows = []
    for item, history in _HISTORY.items():
        known = [h for h in history if h[0] <= as_of.isoformat()]
        if not known:
            continue
        _, status, done_on, note, grade = known[-1]
        rows.append({"item_id": item, "status": status, "done_on": done_on or "", "note": note,
                     "grade": grade or ""})
    return pd.DataFrame(rows, columns=["item_id", "status", "done_on", "note", "grade"])
