"""Fit for filing: every page of both samples printed to PDF fits A4 landscape. Every
column header of every table is on paper, every KPI's row is whole on one page (no
column cut off), no page is more than two-thirds blank unless it is the last of its
section, and the PDF carries an outline made from the page's headings. The same pages
opened in headless Chromium pass the accessibility checker (axe-core, WCAG 2.1 levels
A and AA, as JIS X 8341-3:2016 level AA asks), with headings in order, scoped header
cells, and every chart described by its message and linked to its data."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from helpers.core.paths import project_root
from helpers.sections.registry import SECTIONS
from printed import printed_pages

pytestmark = pytest.mark.heavy  # a long module: scheduled first (conftest.py)

SAMPLES = ("sample-2023-09-30", "sample-2024-03-31")

if not shutil.which("chromium"):
    if os.environ.get("CI"):
        raise RuntimeError("chromium is not installed; .ci/run installs Debian's chromium package")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("print")

    def run(snapshot: str) -> Path:
        done = subprocess.run([sys.executable, "-m", "helpers.cli", "run", "--snapshot", snapshot, "--pdf",
                               "--jobs", "1", "--out", str(out / snapshot)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return out / snapshot / snapshot

    with ThreadPoolExecutor(2) as pool:
        return dict(zip(SAMPLES, pool.map(run, SAMPLES)))


def _cells(fragment: str) -> list[str]:
    return [re.sub(r"\s+", "", html.unescape(re.sub(r"<[^>]+>", "", c)))
            for c in re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", fragment, flags=re.S)]


def _tables(page: Path) -> list[tuple[list[str], list[list[str]]]]:
    """Each table of a published page: its header cells and its body rows."""
    text = page.read_text(encoding="utf-8")
    out = []
    for table in re.findall(r"<table\b.*?</table>", text, flags=re.S):
        head = re.search(r"<thead>(.*?)</thead>", table, flags=re.S)
        rows = re.findall(r"<tr\b[^>]*>(.*?)</tr>", re.sub(r"<thead>.*?</thead>", "", table, flags=re.S), flags=re.S)
        out.append((_cells(head.group(1)) if head else [], [_cells(r) for r in rows]))
    return out


def _in_order(needle: str, haystack: str) -> bool:
    """`needle`'s characters appear in `haystack` in order: a cell's text printed on
    several lines, with its neighbours' lines between, still reads through."""
    rest = iter(haystack)
    return all(ch in rest for ch in needle)


def _row_on_one_page(row: list[str], pages) -> bool:
    """Some page holds the whole row, starting from its first cell (the KPI's id)."""
    for page in pages:
        text = page.compact
        for start in [m.start() for m in re.finditer(re.escape(row[0]), text)]:
            window = text[start:start + 4 * sum(len(c) for c in row) + 40]
            if all(_in_order(cell, window) for cell in row if cell):
                return True
    return False


@pytest.mark.parametrize("snapshot", SAMPLES)
def test_every_page_fits_a4_landscape(printed, snapshot):
    folder = printed[snapshot]
    pdfs = sorted((folder / "pdf").glob("*.pdf"))
    assert [p.stem for p in pdfs] == sorted(p.stem for p in folder.glob("*.html"))
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages} == {(842, 595)}
        assert reader.outline, pdf.name  # bookmarks from the headings
        pages = printed_pages(pdf)
        assert f"1/{len(pages)}" in pages[0].compact  # numbered 「1 / n」 at the foot
        for page in pages[:-1]:  # the section's last page may end early
            assert page.filled > 1 / 3, (pdf.name, page.number, round(page.filled, 2))
        printed_text = "".join(p.compact for p in pages)
        for header, rows in _tables(folder / f"{pdf.stem}.html"):
            for name in header:
                assert name in printed_text, (pdf.name, name)
            for row in rows:
                if row and re.fullmatch(r"[A-Z]{2}\d{2}", row[0]):  # a KPI's row
                    assert _row_on_one_page(row, pages), (pdf.name, row)


AXE = project_root() / ".venv" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PAGES = ["index.html"] + [f"{s.notebook}.html" for s in SECTIONS]
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=shutil.which("chromium"), args=BROWSER_ARGS)
        yield instance
        instance.close()


@pytest.mark.parametrize("name", PAGES)
def test_pages_pass_the_accessibility_checker(browser, printed, name):
    if not AXE.is_file():
        if os.environ.get("CI"):
            raise RuntimeError("axe-core is not installed; `make test` installs it with npm")
        pytest.skip("axe-core is not installed (make test installs it with npm)")
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((printed[SAMPLES[0]] / name).resolve().as_uri(), wait_until="load")
    page.add_script_tag(path=str(AXE))  # the checker, added by the test only
    result = page.evaluate("async () => await axe.run(document, {runOnly: {type: 'tag', "
                           "values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    violations = [(v["id"], v["impact"], len(v["nodes"]), v["nodes"][0]["target"], v["nodes"][0]["html"][:120])
                  for v in result["violations"]]
    assert not violations, violations
    assert page.get_attribute("html", "lang") == "ja"
    levels = page.eval_on_selector_all("h1, h2, h3, h4, h5, h6", "els => els.map(e => Number(e.tagName[1]))")
    assert levels and levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels
    assert page.eval_on_selector_all("th", "els => els.filter(e => !e.getAttribute('scope')).length") == 0
    charts = page.eval_on_selector_all(
        "img", "els => els.map(e => [e.alt, e.parentElement.querySelector('a[download]') !== null])")
    for alt, linked in charts:  # the message, not only the title, and the data beside it
        assert alt.startswith("図") and alt.count("。") >= 2 and linked, alt
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.close()


def _open(browser, path: Path):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, requests


def test_index_page(browser, printed):
    report = printed[SAMPLES[0]]
    page, requests = _open(browser, report / "index.html")
    text = page.inner_text("body")
    assert "日本年金機構 令和5年度計画 進捗レポート" in text
    assert "令和5年9月末" in text and "年金記録" in text and "合成サンプルデータ" in text
    cells = page.eval_on_selector_all("table.kpis tr", "rows => rows.map(r => r.innerText)")
    assert any("NP04 現年度納付率" in row and "達成見込み" in row for row in cells)
    # the 進捗管理表 filters in the page itself
    page.select_option("#f-status", "遅延")
    shown = page.eval_on_selector_all("#items tr[data-part]", "rows => rows.filter(r => r.style.display !== 'none')"
                                                                ".map(r => [r.dataset.status, r.cells[0].innerText])")
    # R03-01 in the September sample: its four deliverables and its detail line
    assert {status for status, _ in shown} == {"遅延"}
    assert {cell.split()[0] for _, cell in shown if cell.strip()} == {"R03-01"} and len(shown) == 4 + 1
    page.select_option("#f-status", "")
    page.select_option("#f-part", "12")
    shown = page.eval_on_selector_all("#items tr[data-part]", "rows => rows.filter(r => r.style.display !== 'none')"
                                                                ".map(r => r.dataset.part)")
    from helpers.data.register import load_register

    part12 = [i for i in load_register().items if i.part == 12]
    assert shown == ["12"] * (sum(len(i.deliverables) for i in part12) + len(part12))
    page.click("a:text-is('年金記録')")
    page.wait_for_load_state("load")
    assert page.url.endswith("04_records.html")
    page.click("a:text-is('索引に戻る')")
    page.wait_for_load_state("load")
    assert page.url.endswith("index.html")
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.close()


def test_section_page_has_japanese_text_and_charts(browser, printed):
    report = printed[SAMPLES[0]]
    page, requests = _open(browser, report / "04_records.html")
    text = page.inner_text("body")
    assert "未統合記録" in text and "所見" in text and "令和5年9月末" in text
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
    assert len(images) >= 3 and all(w > 300 and h > 100 for w, h in images)
    assert "def " not in text and "import " not in text  # code cells are hidden
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.close()
