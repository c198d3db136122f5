"""Incremental runs: a page whose inputs have not changed is reused, not executed again.

A scheduled job re-runs every section every night, usually on the same snapshot. Each
page's output (its HTML and, in a fan-out, the area's Excel workbook) is kept in
`<out>/.cache/` under a key that is the sha256 of everything that shapes it:

- the snapshot: its manifest and the sha256 of every table (checked by the validator);
- the plan file, and every file under `params/` and `data/reference/`;
- the page's parameters, title and links;
- the notebook file, the code of `helpers` (every file of the package, templates
  included) and the versions of the packages that shape the output;
- for the scorecard, the earlier snapshot it compares with.

Any change to any of them gives a new key, so the page executes again; `--force`
executes everything. Only pages that succeeded are kept. Entries unused for 30 days
are removed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from helpers import paths
from helpers.readers import sha256_of

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
    """The pages of earlier runs under `<out>/.cache/`, keyed by their inputs."""

    def __init__(self, out: Path, base: dict, enabled: bool = True):
        self.folder = out / CACHE_FOLDER
        self.base = base
        self.enabled = enabled

    @classmethod
    def for_run(cls, out: Path, snapshot_facts: dict, plan_file: Path, packages: dict,
                enabled: bool = True) -> OutputCache:
        """The inputs every page of a run shares."""
        root = paths.project_root()
        base = {
            "snapshot": {k: snapshot_facts[k] for k in ("manifest_sha256", "tables")},
            "plan": sha256_of(plan_file),
            "params": files_fingerprint(root / "params"),
            "reference": files_fingerprint(root / "data" / "reference"),
            "code": code_fingerprint(),
            "packages": packages,
        }
        return cls(out, base, enabled)

    def key(self, page: dict) -> str:
        """The key of one page: the run's inputs and the page's own (notebook file,
        parameters, title, links, the workbook it writes, the snapshot it compares with)."""
        text = json.dumps({"base": self.base, "page": page}, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def get(self, key: str, target_dir: Path, files: list[str]) -> Cached | None:
        """Copy a cached page's `files` into `target_dir`; None when it is not cached."""
        if not self.enabled:
            return None
        entry = self.folder / key
        meta = entry / "page.json"
        if not meta.is_file() or not all((entry / name).is_file() for name in files):
            return None
        target_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            shutil.copyfile(entry / name, target_dir / name)
        os.utime(meta)  # used: kept for another 30 days
        facts = json.loads(meta.read_text(encoding="utf-8"))
        return Cached(facts.get("seconds", 0.0), facts.get("record"))

    def put(self, key: str, source_dir: Path, files: list[str], seconds: float, record: dict | None) -> None:
        """Keep a succeeded page's files (written whole, then renamed into place)."""
        if not self.enabled:
            return
        entry = self.folder / key
        partial = self.folder / f"{key}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for name in files:
            shutil.copyfile(source_dir / name, partial / name)
        (partial / "page.json").write_text(json.dumps({"seconds": round(seconds, 2), "record": record},
                                                      ensure_ascii=False), encoding="utf-8")
        shutil.rmtree(entry, ignore_errors=True)
        partial.rename(entry)

    def prune(self, now: float | None = None) -> int:
        """Remove entries unused for 30 days (and any left half-written); return how many."""
        if not self.folder.is_dir():
            return 0
        limit = (now or time.time()) - _KEEP_DAYS * 86400
        removed = 0
        for entry in self.folder.iterdir():
            meta = entry / "page.json"
            if entry.name.endswith(".partial") or not meta.is_file() or meta.stat().st_mtime < limit:
                shutil.rmtree(entry, ignore_errors=True)
                removed += 1
        return removed
