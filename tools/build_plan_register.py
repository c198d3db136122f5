"""Write params/plan_register_fy2023.yaml from ../shared/plan/fy2023_plan_summary.txt.

Every row of the plan's tables (計画事項 | 計画の主な内容) becomes an item: its part
(1 to 12, named as the plan writes it, with its pages), pages, title, the plan's 主な内容
in full (every ○ bullet, with its sub-bullets and notes), its deliverables and the KPIs
whose plan pages fall in the item's pages.

Deliverables: by default each ○ bullet's first sentence, due within the year (年度内).
Where the plan gives a month, `READINGS` below says how the date is read: a month the
action starts (開始), a month it is due by (期限), or a date that is context, not a
deliverable of this year (a law's future effective date, a service started before the
plan year). Each reading is a decision made against the plan text and says why.

    python tools/build_plan_register.py
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT.parent / "shared" / "plan" / "fy2023_plan_summary.txt"
OUT = ROOT / "params" / "plan_register_fy2023.yaml"
FISCAL_YEAR = 2023

PART = re.compile(r"^\((\d+)\)\s*(.+)$")
PAGES = re.compile(r"[（(]\s*P\.\s*([0-9０-９~～、,\s]+?)\s*[）)]")
KPI_PAGE = re.compile(r"P\.(\d+)(?:-(\d+))?")
# a list marker: ○ anywhere, ・ only where a list item starts (not inside 組織面・技術面)
BULLET = re.compile(r"○|(?:(?<=^)|(?<=[\s。）)]))・")
KPI_PART = {"national_pension": 1, "employee_pension": 2, "benefits_consultation": 3, "records": 4,
            "information": 5, "online": 9, "organisation": 12}
PART_SECTION = {1: "national_pension", 2: "employee_pension", 3: "benefits_consultation", 4: "records",
                5: "information_online", 9: "information_online"}

# item -> readings of the plan's dated phrases: (a phrase its deliverable's text starts
# with, kind, month or None, why). A reading replaces the default deliverable that
# starts with the phrase, or adds one from a sub-bullet; kind "経緯" keeps the phrase as
# context only.
READINGS: dict[str, list[tuple[str, str, str | None, str]]] = {
    "R02-01": [("令和5年度行動計画策定時に5人以上", "期限", "2024-03",
                "「令和5年度末までの適用を目指す」: 年度末が期限")],
    "R02-02": [("また、令和6年10月からは", "年度内", None,
                "令和6年10月は法律が50人超の企業に適用を広げる時期であり、令和5年度の取組はその前の周知（年度内）"),
               ("令和6年10月", "経緯", "2024-10", "適用拡大の施行時期（計画年度の後。周知の期日ではない）")],
    "R03-01": [("事務センターで行っている業務", "期限", "2023-04", "「令和5年4月までに…集約を行う」")],
    "R03-02": [("令和5年4月に事務センターから集約する", "期限", "2023-04",
                "令和5年4月の集約に合わせて処理体制を整備する")],
    "R03-03": [("マイナポータル、「ねんきんネット」を活用した簡易な電子申請について", "開始", "2023-09",
                "「令和5年9月から…実施する」")],
    "R07-03": [("令和4年3月", "経緯", "2022-03", "公正取引委員会の要請の時期（計画年度より前）")],
    "R08-01": [("更なるデジタルワークフローの推進を図るため", "期限", "2024-01", "「令和6年1月稼働に向けて」"),
               ("情報提供ネットワークシステムを活用した", "見出し", None,
                "「令和5年度中の稼働に向けて」: 下の2件（令和6年3月、令和6年1月予定）がこの期限の内訳"),
               ("戸籍情報を活用した年金請求時の添付書類省略等の実施", "期限", "2024-03", "「令和6年3月予定」"),
               ("国民年金保険料過誤納金の公的給付支給等口座の直接還付の実施", "期限", "2024-01", "「令和6年1月予定」")],
    "R09-01": [("令和5年1月にサービス開始した", "年度内", None,
                "令和5年1月はサービス開始の時期（計画年度より前）。年度の取組は利用促進と機能の拡充"),
               ("令和5年1月", "経緯", "2023-01", "「オンライン事業所年金情報サービス」の開始時期")],
    "R09-02": [("扶養親族等申告書（令和5年9月サービス開始予定）", "開始", "2023-09", "「令和5年9月サービス開始予定」"),
               ("老齢年金請求書（令和6年4月サービス開始予定）", "経緯", "2024-04",
                "サービス開始は翌年度（令和6年4月）。令和5年度の取組は対応を進めること（上の○に含む）")],
    "R09-03": [("紙で出力して利用・保管している各種帳票", "開始", "2023-11", "「令和5年11月から順次運用開始予定」")],
    "R12-01": [("女性職員の定着・活躍を一層促進するため", "見出し", None,
                "「以下の取組等を行う」: 下の5件がこの事項の取組"),
               ("令和5年度末の女性管理職比率について", "期限", "2024-03", "「令和5年度末の女性管理職比率」"),
               ("女性が活躍する上で制約となっている要因", "年度内", None, ""),
               ("令和4年度に導入した各種休暇制度等を定着させるため", "年度内", None, ""),
               ("女性職員を対象としたキャリア面談", "年度内", None, ""),
               ("職員の離職理由を分析し", "年度内", None, "")],
}


def clean(html: str) -> str:
    """The plan's cell as text: markup removed, spaces collapsed (as the register test reads it)."""
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text).strip()


def page_text(text: str) -> str | None:
    """The pages as the plan writes them: 'P.4～5', 'P.74、78、80'."""
    found = [re.sub(r"\s+", "", m.group(1)).replace("~", "～") for m in PAGES.finditer(text)]
    return None if not found else "P." + "、".join(found)


def page_numbers(text: str | None) -> list[int]:
    """Every page an item's reference covers: 'P.4～5' is 4 and 5, 'P.74、78、80' three pages."""
    if not text:
        return []
    pages: list[int] = []
    for piece in text.removeprefix("P.").translate(str.maketrans("０１２３４５６７８９", "0123456789")).split("、"):
        bounds = [int(n) for n in re.findall(r"\d+", piece)]
        if bounds:
            pages += range(bounds[0], bounds[-1] + 1)
    return pages


def page_ranges(pages: set[int]) -> str:
    """'P.24～32、38～39' for the pages of a part (runs of consecutive pages joined)."""
    runs: list[list[int]] = []
    for page in sorted(pages):
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return "P." + "、".join(str(a) if a == b else f"{a}～{b}" for a, b in runs)


def bullets(cell: str) -> list[str]:
    """The ○ bullets of a cell, each in full (its sub-bullets and notes included)."""
    parts = [p.strip() for p in cell.split("○")]
    return [p for p in parts if p]


def sub_bullets(bullet: str) -> list[str]:
    """A bullet's own sentence and its ・ sub-bullets, each whole."""
    return [p.strip() for p in BULLET.split(bullet) if p.strip()]


def first_sentence(text: str) -> str:
    end = text.find("。")
    return text if end < 0 else text[:end + 1]


def deliverables(item_id: str, content: list[str]) -> tuple[list[dict], list[dict]]:
    """(deliverables, context) of an item from its bullets and the readings."""
    readings = READINGS.get(item_id, [])
    units = [u for bullet in content for u in sub_bullets(bullet)]
    units += [s.strip() + "。" for u in units for s in u.split("。")[1:-1] if s.strip()]  # later sentences too
    out, context, used = [], [], set()
    for bullet in content:
        head = first_sentence(sub_bullets(bullet)[0])
        reading = next((r for r in readings if head.startswith(r[0]) and r[1] != "経緯"), None)
        if reading is None:
            out.append({"kind": "年度内", "text": head})
            continue
        used.add(reading[0])
        if reading[1] != "見出し":
            out.append({"kind": reading[1], **({"month": reading[2]} if reading[2] else {}), "text": head,
                        **({"reading": reading[3]} if reading[3] else {})})
    for phrase, kind, month, why in readings:
        if phrase in used:
            continue
        if kind == "経緯":  # the sentence that holds the date
            source = min((u for u in units if phrase in u), key=len)
            context.append({"month": month, "text": first_sentence(source), "reading": why})
            continue
        unit = next((u for u in units if u.startswith(phrase)), None)
        if unit is None:
            raise SystemExit(f"{item_id}: no bullet starts with {phrase!r}")
        text = first_sentence(unit) if "。" in unit else unit
        out.append({"kind": kind, **({"month": month} if month else {}), "text": text,
                    **({"reading": why} if why else {})})
    whole = " ".join(content)
    out.sort(key=lambda d: whole.find(d["text"]))  # in the plan's order
    for i, d in enumerate(out, start=1):
        d["id"] = f"D{i}"
    return [{"id": d.pop("id"), **d} for d in out], context


def main() -> int:
    plan = yaml.safe_load((ROOT / "params" / "plan_fy2023.yaml").read_text(encoding="utf-8"))
    kpi_pages = {}
    for kpi in plan["kpis"]:
        m = KPI_PAGE.match(kpi["plan_page"])
        kpi_pages[kpi["id"]] = (KPI_PART[kpi["section"]], int(m.group(1)), int(m.group(2) or m.group(1)))
    parts, items = [], []
    part = None
    counters: dict[int, int] = {}
    for line in PLAN.read_text(encoding="utf-8").splitlines():
        head = PART.match(line.strip())
        if head:
            number = int(head.group(1))
            known = next((p for p in parts if p["part"] == number), None)
            if known is None:
                parts.append({"part": number, "name": head.group(2).strip(),
                              "section": PART_SECTION.get(number, "operations")})
            else:  # (9) comes in two tables: 事業所向け and 個人向け
                known["name"] = known["name"].split("（")[0]
            part = number
            continue
        if part is None or "\t" not in line or line.startswith("計画事項"):
            continue
        left, right = (clean(x) for x in line.split("\t", 1))
        counters[part] = counters.get(part, 0) + 1
        item_id = f"R{part:02d}-{counters[part]:02d}"
        content = bullets(right)
        found, context = deliverables(item_id, content)
        items.append({
            "id": item_id, "part": part, "pages": page_text(left), "title": PAGES.sub("", left).strip(" ○"),
            "content": content, "deliverables": found, **({"context": context} if context else {}), "kpis": [],
        })
    for p in parts:  # a part's pages: from its items' first to last page
        p["pages"] = page_ranges({n for it in items if it["part"] == p["part"] for n in page_numbers(it["pages"])})
    for kpi_id, (kpi_part, a, b) in kpi_pages.items():  # each KPI to the item its pages overlap most
        overlaps = []
        for i, it in enumerate(items):
            numbers = page_numbers(it["pages"])
            if it["part"] == kpi_part and numbers:
                overlaps.append((min(b, max(numbers)) - max(a, min(numbers)), min(numbers) == a, i))
        best = max(overlaps, default=None)
        if best is not None and best[0] >= 0:
            items[best[2]]["kpis"].append(kpi_id)
    doc = {"plan": plan["plan"]["title"], "fiscal_year": FISCAL_YEAR, "parts": parts, "items": items}
    header = (
        "# 令和5年度計画の全計画事項（fy2023_plan_summary.txt から tools/build_plan_register.py で作成）。\n"
        "# content: 計画の主な内容（○ごとに全文）。deliverables: 事項ごとの取組（計画の言葉）と種類\n"
        "#   開始（この月から実施）/ 期限（この月までに完了・稼働）/ 年度内（月の定めがなく年度末まで）。\n"
        "# context: 計画の文中の日付のうち、この年度の取組の期日ではないもの（reading に理由）。\n"
        "# kpis: その事項を測る指標。\n")
    OUT.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    count = sum(len(it["deliverables"]) for it in items)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(parts)} parts, {len(items)} items, {count} deliverables")
    return 0


if __name__ == "__main__":
    sys.exit(main())
