"""Every chart of every section, drawn as the notebooks draw it, and the checks a careful
reader makes of a chart: no two texts collide, none leaves the figure, a rate axis
spans a few points unless it says it is cut, counts carry thousands separators."""

from __future__ import annotations

import itertools
import re

import matplotlib
from matplotlib.figure import Figure

matplotlib.use("Agg")

MIN_RATE_SPAN = 5.0  # points: a narrower rate axis makes ±0.1 look like a swing
CUT_NOTE = "途中から"


def section_figures(spec, report) -> list[tuple[str, Figure]]:
    """Each figure the section's notebook shows, with the code that drew it."""
    import importlib

    from helpers.report.views import items

    views = importlib.import_module(f"helpers.report.views.{spec.views}")
    namespace = {"report": report, "views": views, "items": items, "compare_with": "none", "link_suffix": ".html"}
    out = []
    for kind, code in spec.body:
        if kind != "code":
            continue
        result = eval(code, namespace)  # the cell's one expression, as the notebook runs it
        for fig in result if isinstance(result, (list, tuple)) else [result]:
            if isinstance(fig, Figure):
                out.append((code, fig))
    return out


def _drawn_ticks(ax) -> list:
    """Tick labels the axis draws: those within its view (matplotlib keeps labels for
    ticks outside the view, undrawn, at stale places)."""
    out = []
    for axis, position in ((ax.xaxis, 0), (ax.yaxis, 1)):
        if not axis.get_visible():  # a twin's shared axis
            continue
        low, high = sorted(axis.get_view_interval())
        span = high - low
        for label in axis.get_ticklabels():
            at = label.get_position()[position]
            if low - 1e-9 * span <= at <= high + 1e-9 * span:
                out.append(label)
    return out


def texts(fig: Figure):
    """Every text the figure draws, with its box on the canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    found = list(fig.texts)
    for legend in fig.legends:
        found += legend.get_texts()
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        found += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label, *ax.texts,
                  *_drawn_ticks(ax)]
        if ax.get_legend() is not None:
            found += ax.get_legend().get_texts() + [ax.get_legend().get_title()]
    found = [t for t in found if t.get_visible() and t.get_text().strip()]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in found], fig.bbox


def collisions(fig: Figure) -> list[str]:
    """Pairs of texts that overlap, and texts that leave the figure."""
    found, frame = texts(fig)
    problems = [f"重なり: {a!r} と {b!r}" for (a, box_a), (b, box_b) in itertools.combinations(found, 2)
                if box_a.overlaps(box_b)]
    problems += [f"図の外: {t!r}" for t, box in found
                 if box.x0 < frame.x0 - 1 or box.y0 < frame.y0 - 1 or box.x1 > frame.x1 + 1 or box.y1 > frame.y1 + 1]
    return problems


def axis_problems(fig: Figure) -> list[str]:
    problems = []
    for ax in fig.axes:
        label = ax.get_ylabel()
        if "%" in label or "ポイント" in label:
            low, high = ax.get_ylim()
            if high - low < MIN_RATE_SPAN and CUT_NOTE not in label:
                problems.append(f"率の軸の幅 {high - low:.2f}（{label}、{ax.get_title()}）")
        for tick in ax.get_yticklabels() + ax.get_xticklabels():
            text = tick.get_text().replace("\u2212", "-")
            if re.fullmatch(r"-?\d{4,}(\.\d+)?", text):
                problems.append(f"桁区切りのない目盛 {text}（{ax.get_title()}）")
    return problems
