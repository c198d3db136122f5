"""Errors the workbook expects, with messages an analyst can act on.

Every expected problem (bad snapshot, bad plan file, unknown area) is raised as a
`WorkbookError` whose message is Japanese, names the file, row or column and the rule
broken. The command line prints it without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "WorkbookError", "InvalidInput", "OutputError", "ClusterError", "RunInterrupted"]


@dataclass(frozen=True)
class Problem:
    """One rule broken by one place in one file.

    Attributes:
        file: the file's name as the analyst sees it (e.g. ``measures.csv``).
        where: row or column, already worded (``15行目``, ``列「value」``), or "".
        message: the rule broken, in Japanese.
    """

    file: str
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file} {self.where}".strip()
        return f"{place}: {self.message}"


class WorkbookError(Exception):
    """An expected problem; its message is shown to the analyst as it is."""

    exit_code = 2  # the command line's exit code for this kind of problem

    def _render_traceback_(self) -> list[str]:
        """IPython shows these lines instead of a traceback, so that a wrong parameter
        in a notebook reads as one short message, not a trace through pandas."""
        lines = str(self).splitlines() or [""]
        return [f"エラー: {lines[0]}", *lines[1:]]


class InvalidInput(WorkbookError):
    """A file broke one or more rules of its contract; all problems are listed."""

    def __init__(self, title: str, problems: list[Problem]):
        self.title = title
        self.problems = problems
        lines = [title] + [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


class OutputError(WorkbookError):
    """The output folder cannot be written (full, read-only, not a folder)."""

    exit_code = 3


class ClusterError(WorkbookError):
    """The cluster a run was given cannot take its jobs (no answer, no workers at the
    start or none left mid-run, no `distributed` installed): nothing is published."""

    exit_code = 4


class RunInterrupted(WorkbookError):
    """The run was stopped by a signal (SIGTERM from systemd or kill, or Ctrl-C)."""

    exit_code = 143
