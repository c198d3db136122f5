"""One-off: draft params/plan_register_fy2023.yaml from ../shared/plan/fy2023_plan_summary.txt.

Every row of the plan's tables (計画事項 | 計画の主な内容) becomes an item: its part
(1 to 12), pages, title, a one-line summary in the plan's words (the first sentence of
the row), the dated milestones its text states, and the KPIs whose plan pages fall in
the item's pages. Kept so the register's origin is reproducible; the YAML is the
project's source of truth (tests hold it against the plan text).

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

PART = re.compile(r"^\((\d+)\)\s*(.+)$")
PAGES = re.compile(r"[（(]\s*P\.\s*([0-9０-９~～、,\s]+?)\s*[）)]")
DATE = re.compile(r"令和(\d+|元)年(\d+)月")
KPI_PAGE = re.compile(r"P\.(\d+)(?:-(\d+))?")
# the plan's KPI sections and the part of the plan they measure
KPI_PART = {"national_pension": 1, "employee_pension": 2, "benefits_consultation": 3, "records": 4,
            "information": 5, "online": 9, "organisation": 12}
# the report section that answers for each part of the plan
PART_SECTION = {1: "national_pension", 2: "employee_pension", 3: "benefits_consultation", 4: "records",
                5: "information_online", 9: "information_online"}


def clean(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", text).strip()


def page_text(text: str) -> str | None:
    """The pages as the plan writes them: 'P.4～5', 'P.74、78、80'."""
    found = [re.sub(r"\s+", "", m.group(1)).replace("~", "～") for m in PAGES.finditer(text)]
    return None if not found else "P." + "、".join(found)


def page_range(text: str) -> tuple[int, int] | None:
    found = " ".join(m.group(1) for m in PAGES.finditer(text))
    if not found:
        return None
    numbers = [int(n) for n in re.findall(r"\d+", found.translate(str.maketrans("０１２３４５６７８９", "0123456789")))]
    return min(numbers), max(numbers)


def milestones(text: str) -> list[dict]:
    out = []
    for sentence in re.split(r"(?<=[。）])|[○・]", text):
        for m in DATE.finditer(sentence):
            year = 2018 + (1 if m.group(1) == "元" else int(m.group(1)))
            rest = sentence[m.end():m.end() + 12]
            kind = "開始" if re.match(r"^(から|以降|より|サービス開始|から順次)", rest) or "から" in rest[:4] else "期限"
            if (year, int(m.group(2))) < (2023, 4):  # before the plan year: background, not a milestone to track
                kind = "経緯"
            out.append({"month": f"{year}-{int(m.group(2)):02d}", "kind": kind,
                        "text": sentence.strip(" ・○　")[:120]})
    return out


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
        pages = page_range(left)
        counters[part] = counters.get(part, 0) + 1
        title = PAGES.sub("", left).strip(" ○")
        summary = re.split(r"(?<=。)", right.lstrip("○ "))[0].strip()
        items.append({
            "id": f"R{part:02d}-{counters[part]:02d}",
            "part": part,
            "pages": page_text(left),
            "title": title,
            "summary": summary,
            "milestones": milestones(right),
            "kpis": [],
            "_pages": pages,
        })
    for kpi_id, (kpi_part, a, b) in kpi_pages.items():  # each KPI to the item its pages overlap most
        overlaps = [(min(b, it["_pages"][1]) - max(a, it["_pages"][0]), it["_pages"][0] == a, i)
                    for i, it in enumerate(items) if it["part"] == kpi_part and it["_pages"]]
        best = max(overlaps, default=None)
        if best is not None and best[0] >= 0:
            items[best[2]]["kpis"].append(kpi_id)
    for it in items:
        del it["_pages"]
    doc = {"plan": plan["plan"]["title"], "parts": parts, "items": items}
    header = ("# 令和5年度計画の全計画事項（fy2023_plan_summary.txt から tools/build_plan_register.py で作成し、手で確認）。\n"
              "# milestones.kind: 開始（この月から実施）/ 期限（この月までに完了・稼働）/ 経緯（計画年度より前の事実、\n"
              "# 進捗の判定には使わない）。kpis はその事項を測る指標。\n")
    OUT.write_text(header + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(parts)} parts, {len(items)} items")
    return 0


if __name__ == "__main__":
    sys.exit(main())
