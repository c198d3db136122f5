"""Publishing report folders atomically, and one run at a time.

A run writes into `reports/.runs/<name>-<stamp>.partial/`. Only when it is complete is
it renamed (dropping `.partial`) and `reports/<name>` switched to it by replacing a
symbolic link with `os.replace`, which is atomic: a reader sees the old report or the
new one, never a mix. A crash or a kill leaves only a `.partial` folder, removed by the
next run. The previous good run is kept as a fallback; older ones are deleted.
A lock file (`reports/.lock`, held with flock) keeps two runs from writing at once.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import shutil
from pathlib import Path

from helpers.core.errors import WorkbookError
from helpers.outputs.output_guard import check_publish_target

__all__ = ["RunLock", "staging_dir", "publish", "keep_failed", "clean_stale"]

RUNS = ".runs"
FAILED = "failed"
PARTIAL = ".partial"


class RunLock:
    """An exclusive lock on an output folder, released when the process ends.

    The lock is a flock on `out/.lock`, which also records the owner's PID. Worker
    processes close their inherited copy (`helpers.batch.workers`), so only the run's main
    process holds it. Should the recorded owner be dead while the lock is still held
    (processes left behind by an older version), the stale file is replaced and the
    run goes ahead instead of being refused forever.
    """

    def __init__(self, out: Path):
        self.path = out / ".lock"
        self._fh = None

    def fileno(self) -> int | None:
        """The lock file's descriptor (for workers to close), or None when not held."""
        return None if self._fh is None else self._fh.fileno()

    def __enter__(self) -> RunLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for attempt in range(2):
            fh = self.path.open("a+", encoding="utf-8")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip()
                fh.close()
                owner = _owner_pid(holder)
                if attempt == 0 and owner is not None and not _alive(owner):
                    self.path.unlink(missing_ok=True)  # a new file, a new lock
                    continue
                raise WorkbookError(
                    f"別の実行が {self.path.parent.name}/ に書き込み中です（{holder or '不明'}）。"
                    "終わってからもう一度実行してください。") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"PID {os.getpid()}、{dt.datetime.now().astimezone():%Y-%m-%d %H:%M:%S} 開始")
        fh.flush()
        self._fh = fh
        return self

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            self._fh.seek(0)
            self._fh.truncate()
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None


def _owner_pid(holder: str) -> int | None:
    """The PID written in the lock file ('PID 1234、…')."""
    words = holder.replace("、", " ").split()
    if len(words) >= 2 and words[0] == "PID" and words[1].isdigit():
        return int(words[1])
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def clean_stale(out: Path) -> list[Path]:
    """Remove `.partial` folders left by runs that crashed or were killed (call it
    while holding the lock, so that no live run owns them)."""
    removed = []
    for partial in sorted((out / RUNS).glob(f"*{PARTIAL}")):
        shutil.rmtree(partial, ignore_errors=True)
        removed.append(partial)
    return removed


def staging_dir(out: Path, name: str, started: dt.datetime) -> Path:
    """A new, empty folder for this run's files."""
    stamp = started.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}"
    folder = out / RUNS / f"{name}-{stamp}{PARTIAL}"
    folder.mkdir(parents=True)
    return folder


def publish(staging: Path, out: Path, name: str) -> Path:
    """Make a complete run the published `out/<name>`, atomically; keep the previous
    run as a fallback and delete older ones. Returns the published path.

    Only the workbook's own link, or a folder it published (an older layout), is ever
    replaced: any other file or folder at `out/<name>` is refused (`WorkbookError`)."""
    link = out / name
    check_publish_target(link)
    final = staging.with_name(staging.name[: -len(PARTIAL)])
    os.replace(staging, final)
    if link.exists() and not link.is_symlink():  # a plain folder the workbook published (older layout)
        os.replace(link, out / RUNS / f"{name}-legacy")
    previous = link.resolve() if link.is_symlink() else None
    temporary = out / f".{name}.link"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    temporary.symlink_to(Path(RUNS) / final.name)
    os.replace(temporary, link)
    for old in sorted((out / RUNS).glob(f"{name}-*")):
        if old.resolve() not in (final.resolve(), previous) and not old.name.endswith(PARTIAL):
            shutil.rmtree(old, ignore_errors=True)
    return link


def keep_failed(staging: Path, out: Path, name: str) -> Path:
    """Move a run with failures to `out/failed/<name>-<stamp>/` for diagnosis; the
    published report is left as it was."""
    target = out / FAILED / staging.name[: -len(PARTIAL)]
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staging, target)
    return target
