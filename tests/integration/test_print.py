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
