"""Charts that are the same for every area of a batch, drawn once per worker.

Some charts do not depend on the report's area: the national series of published
納付率, Okinawa against the nation, 未統合記録, and the plan's items and milestones
(progress is reported for the whole service). In a fan-out over 48 prefectures each of
them would be drawn 48 times, identically; drawing is most of a page's time.

A view function marked `@area_independent` is, in a batch worker (`enable()`), run
once per key: the report's snapshot, 基準日, plan file, fiscal year, section and the
call's own arguments, everything but the area. Its figure is formatted once, exactly as
the notebook's display would format it (the shell's own display formatter), and later
calls return a `SharedFigure` that displays that same output without building or
drawing anything. Outside a batch (a kernel, JupyterLab, nbval) nothing is shared and
the function returns its figure as before. Tests hold that every marked function gives
the same output for the nation, a prefecture and an office, and that a batch gives the
same outputs as single runs.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

__all__ = ["area_independent", "enable", "disable", "SharedFigure", "MARKED"]

_CACHE: dict | None = None  # None: sharing off
MARKED: list[Callable] = []  # every marked function, for the tests


class SharedFigure:
    """A chart already formatted for another area of the batch: displays as it did."""

    def __init__(self, data: dict, metadata: dict):
        self._data = data
        self._metadata = metadata

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict, dict]:
        return copy.deepcopy(self._data), copy.deepcopy(self._metadata)


def enable() -> None:
    """Share area-independent charts in this process (a batch worker)."""
    global _CACHE
    _CACHE = {}


def disable() -> None:
    global _CACHE
    _CACHE = None


def _key(report, function: Callable, args: tuple, kwargs: dict) -> tuple:
    return (function.__module__, function.__qualname__, report.snapshot.id, report.snapshot.as_of,
            str(report.snapshot.path), report.plan_file, report.fiscal_year, report.section_id,
            repr(args), repr(sorted(kwargs.items())))


def area_independent(function: Callable) -> Callable:
    """Mark a view whose output does not depend on the report's area (see the module)."""

    @functools.wraps(function)
    def wrapper(report, *args: Any, **kwargs: Any):
        if _CACHE is None:
            return function(report, *args, **kwargs)
        key = _key(report, function, args, kwargs)
        if key not in _CACHE:
            from IPython import get_ipython
            from matplotlib.figure import Figure

            result = function(report, *args, **kwargs)
            shell = get_ipython()
            if not isinstance(result, Figure) or shell is None:
                return result  # text, or no shell to format with: nothing to share
            _CACHE[key] = shell.display_formatter.format(result)
        return SharedFigure(*_CACHE[key])

    MARKED.append(wrapper)
    return wrapper
