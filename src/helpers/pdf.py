"""Report pages on paper: each HTML page printed to an A4 PDF by headless Chromium, where
it is installed (Debian's `chromium`, never a downloaded browser). The pages' print CSS
keeps charts whole, repeats table headers and numbers the pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

__all__ = ["find_chromium", "print_pdf", "PdfUnavailable"]

_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class PdfUnavailable(RuntimeError):
    """No headless Chromium on this machine."""


def find_chromium() -> str | None:
    """The Chromium (or Chrome) executable on PATH, or None."""
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, pdf: Path, browser: str | None = None, timeout: float = 120) -> Path:
    """Print one local HTML page to `pdf` (A4 portrait, as its print CSS says).

    Raises:
        PdfUnavailable: when no Chromium is installed.
        RuntimeError: when Chromium fails on the page.
    """
    browser = browser or find_chromium()
    if browser is None:
        raise PdfUnavailable("Chromium が見つかりません（Debian では sudo apt-get install chromium）")
    with tempfile.TemporaryDirectory(prefix="workbook-chromium-") as profile:
        # its own profile folder, so that several pages print at once; no background
        # networking, since a report page needs nothing from outside
        args = [browser, "--headless", "--disable-gpu", "--no-pdf-header-footer", "--hide-scrollbars",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--no-first-run", f"--user-data-dir={profile}", f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root inside its sandbox
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise RuntimeError(f"Chromium が {html.name} を PDF にできませんでした: {done.stderr[-300:]}")
    return pdf
