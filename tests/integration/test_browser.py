"""A published report opened in headless Chromium (Debian's package, driven by
Playwright): the Japanese text and the charts are there, and the page asks the
network for nothing. (The accessibility checker runs in tests/integration/test_print.py,
on the pages it publishes.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.core.paths import project_root

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is not installed; .ci/run installs Debian's chromium package")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("browser") / "project"
    for name in ("notebooks", "params", "data"):
        shutil.copytree(project_root() / name, root / name)
    shutil.copy(project_root() / "pyproject.toml", root / "pyproject.toml")
    env = dict(os.environ, WORKBOOK_ROOT=str(root))
    done = subprocess.run([sys.executable, "-m", "helpers.cli", "run", "--snapshot", "sample-2023-09-30",
                           "--sections", "scorecard", "records"], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return root / "reports" / "sample-2023-09-30"


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()


def _open(browser, path: Path):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.resolve().as_uri(), wait_until="load")
    return page, requests


def test_index_page(browser, report):
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


def test_section_page_has_japanese_text_and_charts(browser, report):
    page, requests = _open(browser, report / "04_records.html")
    text = page.inner_text("body")
    assert "未統合記録" in text and "所見" in text and "令和5年9月末" in text
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.naturalWidth, e.naturalHeight])")
    assert len(images) >= 3 and all(w > 300 and h > 100 for w, h in images)
    assert "def " not in text and "import " not in text  # code cells are hidden
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    page.close()


def test_fan_out_prints_every_area_page(tmp_path, capsys):
    """In a fan-out each area's pages are printed too, into pdf/<area>/."""
    from pypdf import PdfReader

    from helpers.outputs import pdf

    page = "<html><head><meta charset='utf-8'><title>{0}</title></head><body><h1>{0}</h1></body></html>"
    (tmp_path / "index.html").write_text(page.format("索引"), encoding="utf-8")
    for folder, name in (("", "全国"), ("47001", "沖縄第1事務所"), ("47002", "沖縄第2事務所")):
        where = tmp_path / folder
        where.mkdir(exist_ok=True)
        (where / "04_records.html").write_text(page.format(f"{name} 記録管理"), encoding="utf-8")
    pdf.print_pages(tmp_path, sys.stderr, workers=2)
    got = sorted(p.relative_to(tmp_path / "pdf").as_posix() for p in (tmp_path / "pdf").rglob("*.pdf"))
    assert got == ["04_records.pdf", "47001/04_records.pdf", "47002/04_records.pdf", "index.pdf"]
    text = PdfReader(tmp_path / "pdf" / "47002" / "04_records.pdf").pages[0].extract_text()
    assert "沖縄第2事務所記録管理" in "".join(text.split())  # pypdf spaces the Latin digit
    assert "注意" not in capsys.readouterr().err


def test_pdf_without_chromium_says_so(tmp_path, monkeypatch, capsys):
    from helpers.outputs import pdf

    monkeypatch.setattr("helpers.outputs.pdf.find_chromium", lambda: None)
    (tmp_path / "a.html").write_text("<p>x</p>", encoding="utf-8")
    pdf.print_pages(tmp_path, sys.stderr)
    assert "PDF は作りませんでした。Chromium が見つかりません" in capsys.readouterr().err
    assert not (tmp_path / "pdf").exists()
