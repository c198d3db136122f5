"""Incremental runs: a page whose inputs have not changed is reused, not executed again.

A scheduled job re-runs every section every night, usually on the same snapshot. Each
page's output (its HTML and, in a fan-out, the area's Excel workbook) is kept in
`<out>/.cache/` under a key that is the sha256 of everything that shapes it:

- the snapshot: its manifest and the sha256 of every table (checked by the validator);
- the plan file and its register, and every file under `params/` and `data/reference/`;
- the page's parameters, title and links;
- the notebook file, the code of `helpers` (every file of the package, templates
  included) and the versions of the packages that shape the output;
- for the scorecard, the earlier snapshot it compares with.

Any change to any of them gives a new key, so the page executes again; `--force`
executes everything. Only pages that succeeded are kept, each file with its sha256,
verified before reuse. Entries unused for 30 days are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.core import paths
from helpers.data.readers import sha256_of

__all__ = ["OutputCache", "code_fingerprint", "files_fingerprint", "CACHE_FOLDER"]

CACHE_FOLDER = ".cache"
_KEEP_DAYS = 30


def files_fingerprint(*roots: Path) -> str:
    """sha256 over the relative names and contents of every file under `roots`."""
    digest = hashlib.sha256()
    for root in roots:
        if not root.exists():
            continue
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()
                                                     and "__pycache__" not in p.parts)
        for path in files:
            digest.update(str(path.relative_to(root.parent)).encode())
            digest.update(sha256_of(path).encode())
    return digest.hexdigest()


def code_fingerprint() -> str:
    """The code that shapes every page: the `helpers` package as imported."""
    import helpers

    return files_fingerprint(Path(helpers.__file__).parent)


@dataclass
class Cached:
    """A page taken from the cache: its seconds when it was executed and its record."""

    seconds: float
    record: dict | None


class OutputCache:
    """The pages of earlier runs under `<out>/.cache/`, keyed by their inputs.

    The cache is an optimisation, never a source of truth: every entry stores the
    sha256 of each of its files, checked on reuse; an entry that is unreadable or
    whose files differ is a miss (and is replaced). A cache folder that cannot be
    written is skipped with one warning; the run goes on without it.
    """

    def __init__(self, out: Path, base: dict, enabled: bool = True, stream=None):
        self.folder = out / CACHE_FOLDER
        self.base = base
        self.enabled = enabled
        self.stream = stream
        self.writable = True

    @classmethod
    def for_run(cls, out: Path, snapshot_facts: dict, plan_file: Path, packages: dict,
                enabled: bool = True, stream=None, register_file: Path | None = None) -> OutputCache:
        """The inputs every page of a run shares (the plan's register too: a plan given
        with --plan may keep it outside params/)."""
        root = paths.project_root()
        base = {
            "snapshot": {k: snapshot_facts[k] for k in ("manifest_sha256", "tables")},
            "plan": sha256_of(plan_file),
            "register": sha256_of(register_file) if register_file else None,
            "params": files_fingerprint(root / "params"),
            "reference": files_fingerprint(root / "data" / "reference"),
            "code": code_fingerprint(),
            "packages": packages,
        }
        return cls(out, base, enabled, stream)

    def key(self, page: dict) -> str:
        """The key of one page: the run's inputs and the page's own (notebook file,
        parameters, title, links, the workbook it writes, the snapshot it compares with)."""
        text = json.dumps({"base": self.base, "page": page}, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, key: str, target_dir: Path, files: list[str]) -> tuple[Cached | None, str | None]:
        """Copy a cached page's `files` into `target_dir`, each checked against the
        sha256 stored with it.

        Returns:
            (the cached page, None) on a verified hit; (None, None) when nothing is
            cached; (None, why) when an entry was found but not used (unreadable,
            incomplete, or a file differs from what was stored).
        """
        if not self.enabled:
            return None, None
        entry = self.folder / key
        meta = entry / "page.json"
        if not meta.is_file():
            return None, None
        facts = _read_facts(meta)
        stored = facts.get("files") if facts is not None else None
        if facts is None or not isinstance(stored, dict) or set(stored) != set(files):
            self._discard(entry)
            return None, "保存した結果の記録（page.json）が読めないため、実行し直した"
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            copied = target_dir / name
            try:
                shutil.copyfile(entry / name, copied)
            except OSError:
                self._discard(entry)
                return None, f"保存した結果の {name} が読めないため、実行し直した"
            # the copy is what gets published, so the copy is what is checked
            if sha256_of(copied) != stored[name]:
                copied.unlink(missing_ok=True)
                self._discard(entry)
                return None, f"保存した結果の {name} が保存時と異なる（sha256 が一致しない）ため、実行し直した"
        with contextlib.suppress(OSError):
            os.utime(meta)  # used: kept for another 30 days (not when the cache is read-only)
        seconds = facts.get("seconds", 0.0)
        record = facts.get("record")
        return Cached(seconds if isinstance(seconds, int | float) else 0.0,
                      record if isinstance(record, dict) else None), None

    def put(self, key: str, source_dir: Path, files: list[str], seconds: float, record: dict | None) -> None:
        """Keep a succeeded page's files with their sha256 (written whole, then renamed
        into place); a cache that cannot be written is skipped, with one warning."""
        if not self.enabled or not self.writable:
            return
        entry = self.folder / key
        partial = self.folder / f"{key}.partial"
        try:
            shutil.rmtree(partial, ignore_errors=True)
            partial.mkdir(parents=True)
            stored = {}
            for name in files:
                shutil.copyfile(source_dir / name, partial / name)
                stored[name] = sha256_of(partial / name)
            (partial / "page.json").write_text(
                json.dumps({"seconds": round(seconds, 2), "record": record, "files": stored}, ensure_ascii=False),
                encoding="utf-8")
            shutil.rmtree(entry, ignore_errors=True)
            partial.rename(entry)
        except OSError as err:
            self.writable = False
            shutil.rmtree(partial, ignore_errors=True)
            if self.stream is not None:
                print(f"注意: 再利用のための保存先 {paths.display_path(self.folder)} に書き込めないため、"
                      f"この実行では保存しません（{err.strerror or err}）。レポートは公開します。", file=self.stream)

    def _discard(self, entry: Path) -> None:
        """Remove an entry that cannot be used (it is replaced when the page runs)."""
        shutil.rmtree(entry, ignore_errors=True)

    def prune(self, now: float | None = None) -> int:
        """Remove entries unused for 30 days (and any left half-written); return how many."""
        if not self.folder.is_dir():
            return 0
        limit = (now or time.time()) - _KEEP_DAYS * 86400
        removed = 0
        try:
            entries = list(self.folder.iterdir())
        except OSError:
            return 0
        for entry in entries:
            meta = entry / "page.json"
            try:
                stale = entry.name.endswith(".partial") or not meta.is_file() or meta.stat().st_mtime < limit
            except OSError:
                continue
            if stale:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        return removed


def _read_facts(meta: Path) -> dict | None:
    """An entry's page.json, or None when it is not a readable JSON object."""
    try:
        facts = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return facts if isinstance(facts, dict) else None
