"""Report pages on paper: each HTML page printed to an A4 PDF by headless Chromium, where
it is installed (Debian's `chromium`, never a downloaded browser). The pages' print CSS
sets A4 landscape, fits tables to the width, keeps rows and charts whole, repeats table
headers and numbers the pages; Chromium adds the outline from the headings."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

__all__ = ["find_chromium", "print_pdf", "print_pages", "PdfUnavailable", "Prints"]

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


def print_pdf(html: Path, pdf: Path, browser: str | None = None, timeout: float = 120,
              prints: Prints | None = None) -> Path:
    """Print one local HTML page to `pdf` (A4 landscape, as its print CSS says, with an
    outline from its headings), as one of
    `prints` (the run's, so that a stopped run can kill it).

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
                "--no-first-run", "--generate-pdf-document-outline", f"--user-data-dir={profile}",
                f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root inside its sandbox
        returncode, stderr = (prints or Prints()).run(args, timeout)
    if returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        raise RuntimeError(f"Chromium が {html.name} を PDF にできませんでした: {stderr[-300:]}")
    return pdf


class Prints:
    """The Chromium prints of one run, each in a process group of its own (Chromium
    starts a zygote, renderers and a GPU process: killing only the process it started
    would leave them behind), so that `stop` can end them all at once."""

    def __init__(self) -> None:
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopped = False

    def run(self, args: list[str], timeout: float) -> tuple[int, str]:
        """Run one print; the whole group is killed on a timeout too."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("実行の中止により、印刷を始めませんでした")
            process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                       start_new_session=True)
            self._running.add(process)
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.communicate()
            raise
        finally:
            with self._lock:
                self._running.discard(process)
        return process.returncode, stderr or ""

    def stop(self) -> int:
        """Kill every print under way, with all its processes, and start no new one (the
        run is being stopped: SIGTERM or Ctrl-C). Returns how many were killed."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        for process in running:
            _kill_group(process)
        return len(running)


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def print_pages(staging: Path, stream, workers: int = 1) -> None:
    """Every page as an A4 PDF under pdf/ (the scope's pages at its root, a fan-out's
    area pages in pdf/<area>/), `workers` pages at a time, or a clear line saying why
    not (no Chromium on this machine)."""
    browser = find_chromium()
    if browser is None:
        print("注意: PDF は作りませんでした。Chromium が見つかりません（Debian では sudo apt-get install chromium）。"
              "HTML はブラウザの印刷で A4 に印刷できます。", file=stream)
        return
    pages = sorted(staging.glob("*.html")) + sorted(staging.glob("*/*.html"))
    pages = [p for p in pages if p.parent.name != "pdf"]

    def one(page: Path) -> str | None:
        rel = page.relative_to(staging).with_suffix(".pdf")
        target = staging / "pdf" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            print_pdf(page, target, browser, prints=prints)
        except (PdfUnavailable, RuntimeError, subprocess.TimeoutExpired) as err:
            return f"注意: {page.relative_to(staging)} の PDF を作れませんでした: {err}"
        return None

    prints = Prints()
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        for problem in pool.map(one, pages):  # in page order, so the messages read in order
            if problem:
                print(problem, file=stream)
    except BaseException:
        # SIGTERM or Ctrl-C: a print may take up to its time limit, so do not wait for
        # it; kill every Chromium started, with its child processes, and unwind at once
        prints.stop()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
