"""Write section notebooks' cells (no outputs) from the sections registry
(`helpers/sections/`): title, parameters, setup, the section's own cells, narrative,
provenance and the machine-readable record.

The committed notebooks are the source of truth; this script made them and can make
them again after a change to a section module (it overwrites their cells, so run
`make notebooks` afterwards to record the outputs).

    python tools/scaffold_notebooks.py            # every section
    python tools/scaffold_notebooks.py 05         # one section (slug, stem or number)
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from helpers.sections.registry import SCORECARD, SECTIONS, SectionSpec, find  # noqa: E402

PARAMETERS = '''snapshot: str = "sample-2023-09-30"  # スナップショットの ID（data/snapshots/ 以下）またはフォルダのパス
plan_file: str = ""  # 計画ファイル（空欄: スナップショットの年度の計画 params/plan_fy<年度>.yaml）
scope: str = "00"  # 範囲の地域コード（00: 全国、R1～R8: 地域、01～47: 都道府県、5桁: 年金事務所）
fiscal_year: int = 0  # 年度（西暦の開始年。2023 は令和5年度。0: スナップショットの年度）'''

SETUP = '''from helpers.report import plots, section
from helpers.report.views import {views} as views
from helpers.report.views import items

plots.use_report_style()
report = section.open_section(
    "{section}", snapshot=snapshot, plan_file=plan_file, scope=scope, fiscal_year=fiscal_year
)
report.header()'''

TAIL = [
    ("md", "## 所見"),
    ("code", "report.narrative()"),
    ("md", "## データの出所"),
    ("code", "report.provenance()"),
    ("record_md", "### 機械可読の記録\n\nテストとレポートの索引が読む値である（HTML レポートには載せない）。"),
    ("record", "report.show_record()"),
]

def build(spec: SectionSpec) -> nbformat.NotebookNode:
    nb = new_notebook()
    # the kernel's name as the kernel gives it: JupyterLab writes that name on save, and
    # opening a committed notebook must change nothing in it
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    # the plan year's title and lead are the plan file's, shown by report.header()
    title = "# スコアカード — 年度計画の全指標" if spec.slug == SCORECARD else f"# {spec.title} — 年度計画の進捗"
    cells = [new_markdown_cell(title)]
    parameters = new_code_cell(PARAMETERS + spec.extra_parameters)
    parameters.metadata["tags"] = ["parameters"]
    cells.append(parameters)
    cells.append(new_code_cell(SETUP.format(views=spec.views, section=spec.slug)))
    for kind, text in list(spec.body) + TAIL:
        if kind == "md":
            cells.append(new_markdown_cell(text))
        elif kind == "record_md":  # the record's heading leaves the HTML with the record
            cell = new_markdown_cell(text)
            cell.metadata["tags"] = ["record"]
            cells.append(cell)
        else:
            cell = new_code_cell(text)
            if kind == "record":
                cell.metadata["tags"] = ["record"]
            cells.append(cell)
    for i, cell in enumerate(cells):
        cell["id"] = f"{spec.number}-{i:02d}"
    nb.cells = cells
    return nb


def main(names: list[str]) -> int:
    """Write the notebooks named (slug, stem or number), or all of them."""
    chosen = [s for s in SECTIONS if not names or any(find(n) is s for n in names)]
    for spec in chosen:
        path = ROOT / "notebooks" / f"{spec.notebook}.ipynb"
        nbformat.write(build(spec), path)
        print(f"wrote notebooks/{path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
