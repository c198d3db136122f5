"""Fit for filing: every page of both samples printed to PDF fits A4 landscape. Every
column header of every table is on paper, every KPI's row is whole on one page (no
column cut off), no page is more than two-thirds blank unless it is the last of its
section, and the PDF carries an outline made from the page's headings."""

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
