"""Validated inputs kept in this process, reused only for the same bytes.

Validation reads and checks a whole table (the sample snapshot: 0.9-1.3 s of CPU), and
one process often asks for the same input again: the pages of a run read the same
reference tables, a kernel re-runs its loading cell, the test suite loads the bundled
samples 89 times in its worker processes (86 s of CPU before this module). A result is
kept under its input's fingerprint (the sha256 of every file it was read from) and
handed out again only after the files have been hashed anew and give the same
fingerprint: hashing the sample snapshot takes a few milliseconds. It is kept only if
the files did not change while it was being read (hashed before and after). Nothing
is written anywhere: the kept results end with the process.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Generic, TypeVar

from helpers.data.readers import sha256_of

__all__ = ["KeptByContent", "fingerprint"]

T = TypeVar("T")


def fingerprint(files: Iterable[Path]) -> tuple | None:
    """What identifies the bytes of `files`: each file's name, where it really lives
    (a link's target) and the sha256 of its bytes; None when one cannot be read (the
    validation then words the problem)."""
    try:
        return tuple((path.name, str(path.resolve()), sha256_of(path)) for path in files)
    except OSError:
        return None


class KeptByContent(Generic[T]):
    """At most `limit` validated results, each under a key (a path) with the
    fingerprint of the files it was read from; the oldest used goes first."""

    def __init__(self, limit: int):
        self.limit = limit
        self._entries: OrderedDict[str, tuple[tuple, T]] = OrderedDict()

    def get(self, key: str, current: tuple | None) -> T | None:
        """The result kept under `key`, if its files still have the fingerprint
        `current` (just taken); otherwise None, and the stale result is dropped."""
        kept = self._entries.get(key)
        if kept is None or current is None or kept[0] != current:
            self._entries.pop(key, None)
            return None
        self._entries.move_to_end(key)
        return kept[1]

    def put(self, key: str, before: tuple | None, after: tuple | None, value: T) -> None:
        """Keep `value`, read between the fingerprints `before` and `after`: only when
        both were taken and agree (the files did not change during the read)."""
        if before is None or before != after:
            return
        self._entries[key] = (before, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.limit:
            self._entries.popitem(last=False)
