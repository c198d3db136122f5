"""Progress of a run: one updating line on a terminal, plain log lines otherwise
(cron and systemd capture them into a log)."""

from __future__ import annotations

import datetime as dt
import time

__all__ = ["Progress"]


class Progress:
    """Reports finished jobs as they come in.

    Args:
        total: number of jobs.
        stream: where to write (a terminal gets a redrawn line).
    """

    def __init__(self, total: int, stream):
        self.total = total
        self.stream = stream
        self.count = 0
        self.failed = 0
        self.started = time.perf_counter()
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        if not self.tty:
            self._log(f"開始: {total} 件のノートブックを実行します")

    def _log(self, text: str) -> None:
        stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S")
        print(f"{stamp} {text}", file=self.stream, flush=True)

    def done(self, result) -> None:
        """One job finished (a `JobResult`)."""
        self.count += 1
        self.failed += 0 if result.ok else 1
        job = result.job
        outcome = "完了" if result.ok else "失敗"
        if self.tty:
            elapsed = time.perf_counter() - self.started
            bar = "#" * int(30 * self.count / self.total)
            line = (f"\r[{bar:<30}] {self.count}/{self.total}  失敗 {self.failed}  {elapsed:5.0f}秒  "
                    f"{job.area_name} {job.notebook} {outcome}")
            print(f"{line:<110}", end="", file=self.stream, flush=True)
        else:
            self._log(f"{outcome} [{self.count}/{self.total}] {job.area_name}（{job.area_code}） "
                      f"{job.notebook} {result.seconds:.1f}秒")

    def close(self) -> None:
        """End the progress display."""
        elapsed = time.perf_counter() - self.started
        if self.tty:
            print(file=self.stream)
        self._log(f"終了: {self.count} 件（失敗 {self.failed} 件）、{elapsed:.1f}秒")
