"""One figure, one answer: for both samples and five scopes, every KPI reads the same
on the published page, in `workbook kpis`, in the Excel sheet and in `run.json`; which
KPIs apply where is checked against the plan's own rule; no page, sheet or command
line prints nan, None or inf (the April report of a new fiscal year is checked in
test_plan_year_run.py)."""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from run_helpers import kpis_in_process, workbook

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

SAMPLES = ("sample-2023-09-30", "sample-2024-03-31")
SCOPES = ("00", "R1", "47", "47001", "R8")
OKINAWA_KPIS = {"NP06", "NP07"}  # about 沖縄県 (plan P.8-11)
NATIONAL_ONLY = {"CB04", "RC01", "IN01", "IN02", "OL01", "HR01"}  # counted for the whole country only
# The words each applicability is written in (README「判定の意味」)
APPLIES = {"judged": "判定対象", "context": "参考表示（この範囲を含む地域の値）", "national_only": "全国値のみ"}
FY2023_PLAN = ("--plan", "params/plan_fy2023.yaml")
FORBIDDEN = re.compile(r"(?<![A-Za-z])(nan|NaN|None|inf|-inf|Infinity)(?![A-Za-z])")


class _Text(HTMLParser):
    """The visible text of a page (scripts and styles left out) and its tables' rows."""

    def __init__(self):
        super().__init__()
        self.text: list[str] = []
        self.rows: list[list[str]] = []
        self._skip = 0
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)


def _page(path: Path) -> _Text:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _page_kpis(page: _Text) -> dict[str, dict[str, str]]:
    """The scorecard table's rows by KPI id, keyed by its header."""
    header = next(r for r in page.rows if r[:3] == ["区分", "ID", "指標"])
    return {row[1]: dict(zip(header, row)) for row in page.rows
            if len(row) == len(header) and re.fullmatch(r"[A-Z]{2}\d{2}", row[1])}


_CLI: dict[tuple[str, str], tuple[dict[str, dict[str, str]], str]] = {}


def _cli_kpis(snapshot: str, scope: str, *plan: str) -> tuple[dict[str, dict[str, str]], str]:
    """`workbook kpis` in this process (its snapshot stays loaded between calls), once per pair."""
    if (snapshot, scope) not in _CLI:
        _CLI[snapshot, scope] = _run_cli_kpis(snapshot, scope, *plan)
    return _CLI[snapshot, scope]


def _run_cli_kpis(snapshot: str, scope: str, *plan: str) -> tuple[dict[str, dict[str, str]], str]:
    return kpis_in_process("--snapshot", snapshot, "--area", scope, *plan)


def _excel_kpis(path: Path) -> dict[str, dict]:
    ws = load_workbook(path)["スコアカード"]
    header = [c.value for c in ws[4]]
    out = {}
    for row in ws.iter_rows(min_row=5):
        if not isinstance(row[1].value, str) or not re.fullmatch(r"[A-Z]{2}\d{2}", row[1].value):
            break
        out[row[1].value] = {h: c for h, c in zip(header, row)}
    return out


# A sheet writes a missing figure with the statistical tables' symbols, where a page
# writes 「—」 (not known yet) or 「全国値のみ」 (no figure for this area)
SHEET_SYMBOLS = {"…": "—", "－": "全国値のみ"}


def _shown(cell) -> str:
    """A number cell as Excel shows it: its number format's decimals and quoted unit (a
    symbol as the page words it)."""
    if isinstance(cell.value, str):
        return SHEET_SYMBOLS.get(cell.value, cell.value)
    fmt = cell.number_format.split(";")[0]
    decimals = len(fmt.split(".")[1].split('"')[0]) if "." in fmt else 0
    unit = re.search(r'"([^"]*)"', fmt).group(1)
    sign = "+" if fmt.startswith("+") else ""
    return f"{cell.value:{sign},.{decimals}f}{unit}"


# Two runs per sample publish the five scopes: 全国 with its regions (北海道's R1, which
# does not contain 沖縄県, and R8, which does), and 沖縄県 with its offices (47001).
# (run's scope, --each, the scopes it publishes)
RUNS = (("00", "region", ("00", "R1", "R8")), ("47", "office", ("47", "47001")))


@dataclass(frozen=True)
class Published:
    """Where one scope's scorecard page, Excel workbook and run record are."""

    page: Path
    excel: Path
    record: Path


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The scorecard page, Excel and run.json of every sample and scope, two runs at a time."""
    out = tmp_path_factory.mktemp("one-figure")

    def run(args):
        snapshot, (scope, each, scopes) = args
        folder = out / f"{snapshot}-{scope}"
        done = workbook("run", "--snapshot", snapshot, "--sections", "scorecard", "--scope", scope,
                        *(("--each", each) if each else ()), "--out", str(folder))
        assert done.returncode == 0, done.stderr
        (root,) = [p for p in folder.iterdir() if not p.name.startswith(".")]
        found = {}
        for code in scopes:
            home = root if code == scope else root / code
            excel = root / f"{root.name}.xlsx" if code == scope else home / f"{snapshot}_{code}.xlsx"
            found[snapshot, code] = Published(home / "00_scorecard.html", excel, root / "run.json")
        return found

    with ThreadPoolExecutor(2) as pool:
        folders = {k: v for found in pool.map(run, [(s, r) for s in SAMPLES for r in RUNS]) for k, v in found.items()}
    assert set(folders) == {(s, c) for s in SAMPLES for c in SCOPES}
    for pair in folders:  # one snapshot after the other: each is loaded once
        _cli_kpis(*pair)
    return folders


@pytest.mark.parametrize("snapshot", SAMPLES)
@pytest.mark.parametrize("scope", SCOPES)
def test_every_output_gives_each_kpi_the_same_answer(published, snapshot, scope):
    where = published[(snapshot, scope)]
    page = _page_kpis(_page(where.page))
    cli, _ = _cli_kpis(snapshot, scope)
    book = _excel_kpis(where.excel)
    record = json.loads(where.record.read_text(encoding="utf-8"))["kpis"][scope]
    assert set(page) == set(cli) == set(book) == set(record)
    # which KPIs apply: 沖縄県's only where the scope contains it or lies inside it
    inside_okinawa = scope in ("47", "47001", "00", "R8")
    assert OKINAWA_KPIS <= set(record) if inside_okinawa else not OKINAWA_KPIS & set(record)
    for kpi_id, view in record.items():
        expected = ("context" if kpi_id in OKINAWA_KPIS and scope == "47001"
                    else "national_only" if kpi_id in NATIONAL_ONLY and scope != "00" else "judged")
        assert view["applicability"] == expected, (kpi_id, scope)
        assert book[kpi_id]["判定の対象"].value == APPLIES[expected]
        row, line, sheet = page[kpi_id], cli[kpi_id], book[kpi_id]
        assert row["実績"] == line["実績"] == view["value_text"], kpi_id
        assert _shown(sheet["実績"]) == view["value_text"].removeprefix("約"), kpi_id
        assert row["目標"] == line["目標"] == sheet["目標"].value == view["target_text"], kpi_id
        assert row["判定"] == line["判定"] == _shown(sheet["判定"]) == view["status_text"], kpi_id
        change = next(c for c in ("前年同期比", "前年度比", "前年比") if c in row)  # 前年度 at a closed year
        assert row[change] == line[change] == _shown(sheet["差"]) == view["change_text"], kpi_id
        if expected == "national_only":
            assert view["value_text"] == "全国値のみ" and view["status"] is None
        if expected == "context":
            assert view["status"] is None and row["判定"] == "参考表示"
        # a rate's difference is the difference of the stored rates, in ポイント
        if isinstance(sheet["差"].value, float):
            assert sheet["実績"].value - sheet["前年"].value == pytest.approx(sheet["差"].value, abs=1e-9)


def test_the_targets_in_the_year_are_the_same_period_ones(published):
    cli, _ = _cli_kpis("sample-2023-09-30", "00")
    for kpi_id in ("NP07", "NP08", "EP09", "RC01", "IN01", "IN02"):
        assert cli[kpi_id]["目標"].startswith("前年同期（"), (kpi_id, cli[kpi_id]["目標"])


def test_no_output_prints_nan_none_or_inf(published):
    for (snapshot, scope), where in published.items():
        for page in where.page.parent.glob("*.html"):
            text = "".join(_page(page).text)
            assert not FORBIDDEN.search(text), (page, FORBIDDEN.search(text))
        for ws in load_workbook(where.excel).worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert not FORBIDDEN.search(str(cell.value or "")), (ws.title, cell.coordinate, cell.value)
        _, text = _cli_kpis(snapshot, scope)
        assert not FORBIDDEN.search(text), (snapshot, scope)
