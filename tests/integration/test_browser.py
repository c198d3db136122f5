"""Printing with headless Chromium (Debian's package): a fan-out prints every area's
pages, and a machine without Chromium is told so. (A published report opened in the
browser, printed and checked for accessibility: tests/integration/test_print.py.)"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI"):
        raise RuntimeError("chromium is not installed; .ci/run installs Debian's chromium package")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


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
