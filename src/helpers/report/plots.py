"""Charts in one house style, with Japanese text that renders.

Figure builders return a `matplotlib.figure.Figure` made without pyplot, so nothing is
shown twice in a notebook and nothing leaks between figures; the notebook displays the
returned figure. The Japanese font is IPAex Gothic from matplotlib-fontja (the
maintained fork of japanize-matplotlib), applied after seaborn's theme because the
theme resets the font.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from helpers.core.era import month_label
from helpers.report.chart_data import chart_csv, chart_message

__all__ = [
    "use_report_style", "PALETTE", "new_figure", "kpi_panels", "year_lines", "bar_ranking", "scatter_levels",
    "line_series", "funnel_bars", "PNG_OPTIONS", "no_data", "counts_from_zero", "rate_span", "thousands",
    "legend_below", "legend_right", "stacked_counts", "png_bytes",
]

# How IPython's own PNG formatter saves figures (the workbook's figures go through
# `png_bytes`). Layout is constrained, so the figure is already tight: skipping
# bbox_inches="tight" saves drawing every figure twice.
PNG_OPTIONS = {"bbox_inches": None}

# The UK Analysis Function's categorical palette (dark blue, turquoise, dark pink,
# orange, light purple) with a dark and a mid grey: every colour has at least 3:1
# contrast on white (WCAG 2.1 non-text contrast) and the colours stay apart for the
# common colour-vision deficiencies (tests/unit/test_charts.py checks both).
PALETTE = {
    "this": "#12436D",  # this fiscal year
    "last": "#28A197",  # last fiscal year
    "older": "#757575",
    "target": "#801650",
    "band": "#A285D1",  # a shaded span, drawn light (its legend and a note say what it is)
    "accent": "#F46A25",
    "ok": "#3D3D3D",
}


def use_report_style() -> None:
    """Seaborn's white grid, then the Japanese font, with sizes readable in HTML."""
    import matplotlib_fontja
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    matplotlib_fontja.japanize()
    matplotlib.rcParams.update({
        "figure.dpi": 100,
        "savefig.dpi": 100,
        "axes.titlesize": 12,
        "axes.labelsize": 10,
        "xtick.labelsize": 9,
        "ytick.labelsize": 9,
        "legend.fontsize": 9,
        "axes.unicode_minus": False,  # IPAex has no U+2212; a hyphen avoids a missing glyph
        "svg.hashsalt": "workbook",
        "text.parse_math": False,  # names are data: a '$' in one must not start mathtext
        # A title at the top of its axes, where matplotlib's automatic placement puts it
        # anyway (no chart has x tick labels on top or a y offset text): that placement
        # measures every tick label of the axes at each layout pass and each draw: a tenth
        # of the national pages' CPU, 8.86 -> 7.92 s in one worker (tests/integration/
        # test_charts.py checks the pixels).
        "axes.titley": 1.0,
    })
    _register_png_display()


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, as `savefig(format="png")` writes it, drawn once.

    `savefig` (and IPython's `print_figure`, which calls it) lays a figure with a layout
    engine out by drawing it without rendering, then draws it again to render: for
    the small multiples that first draw was a sixth of a notebook's time. Here the
    layout engine runs inside the one draw that renders (as on screen), and the pixels
    are encoded as `savefig` encodes them: the same bytes.
    """
    import io

    from matplotlib import image
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    previous = fig.canvas
    canvas = FigureCanvasAgg(fig)
    try:
        canvas.draw()
        out = io.BytesIO()
        # savefig's PNG: the figure's own dpi and face colour here (savefig.* are "figure"/"auto")
        image.imsave(out, canvas.buffer_rgba(), format="png", origin="upper", dpi=fig.dpi)
        return out.getvalue()
    finally:
        fig.set_canvas(previous)


def _png_with_alt(fig: Figure):
    import base64

    png = png_bytes(fig)  # drawn first: the message reads the tick labels the drawing sets
    # base64 text, as IPython's own PNG formatter returns (the in-process engine stores it as is);
    # the page writes the message as the image's text alternative and links the data as CSV
    return base64.b64encode(png).decode("ascii"), {"alt": chart_message(fig), "csv": chart_csv(fig)}


def _register_png_display() -> None:
    """Show returned Figures as PNG in a notebook, with alt text (nbconvert writes it
    into the HTML). The figures are made without pyplot, so the inline backend's hook
    never runs; register the formatter here."""
    try:
        from IPython import get_ipython
        from IPython.core.pylabtools import select_figure_formats
    except ImportError:  # plain Python: nothing to display
        return
    shell = get_ipython()
    if shell is not None:
        select_figure_formats(shell, {"png"}, **PNG_OPTIONS)
        shell.display_formatter.formatters["image/png"].for_type(Figure, _png_with_alt)


def new_figure(width: float = 9.0, height: float = 4.0, ncols: int = 1, nrows: int = 1):
    """A Figure (not registered with pyplot) and its axes."""
    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _month_axis(ax, labels: Sequence[str], title: str = "月末") -> None:
    """Months as short numbers ('4' … '3', '翌4'); the axis title says 月末 (a figure
    at the month's end) or 月 (the month's own figure)."""
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels([label.replace("月末", "").replace("月", "") for label in labels], rotation=0)
    ax.set_xlabel(title)


def thousands(ax, which: str = "y") -> None:
    """Count axis numbers with thousands separators (8,000, never 8000)."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    axis.set_major_formatter(mticker.FuncFormatter(_number))


def _number(value: float, _position=None) -> str:
    """Axis numbers: thousands separated, no scientific notation."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.6g}"


def year_lines(
    lines: dict[str, pd.Series], *, title: str, unit: str, target: float | None = None,
    target_label: str | None = None, projection: tuple[float, float, float] | None = None,
    x_labels: Sequence[str] | None = None, ax=None, target_at_year_end: bool = False,
    x_title: str = "月末",
) -> Figure | None:
    """Month-by-month lines of several fiscal years on one axis (this year emphasised).

    Args:
        lines: label -> values indexed 0..n (month position within the fiscal year);
            the first entry is this year.
        projection: (low, central, high) at the last position of the axis.
        target_at_year_end: the target is a year-end figure: a mark at the last
            position, not a line across the months.
    """
    fig = None
    if ax is None:
        fig, axes = new_figure()
        ax = axes[0][0]
    colors = [PALETTE["this"], PALETTE["last"], PALETTE["older"], PALETTE["older"]]
    for (label, values), color in zip(lines.items(), colors):
        ax.plot(values.index, values.to_numpy(dtype=float), marker="o", markersize=3, color=color,
                linewidth=2.2 if color == PALETTE["this"] else 1.4, label=label)
    if target is not None and not math.isnan(target):
        if target_at_year_end and x_labels is not None:
            ax.plot([len(x_labels) - 1], [target], marker="_", markersize=18, markeredgewidth=2.5,
                    linestyle="none", color=PALETTE["target"], label=target_label or "年度末の目標")
        else:
            ax.axhline(target, color=PALETTE["target"], linestyle="--", linewidth=1.2,
                       label=target_label or "目標")
    if projection is not None and x_labels is not None:
        low, central, high = projection
        x = len(x_labels) - 1
        ax.errorbar([x], [central], yerr=[[central - low], [high - central]], fmt="D",
                    color=PALETTE["accent"], capsize=4, label="年度末見込み（幅）")
    if x_labels is not None:
        _month_axis(ax, x_labels, x_title)
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(_number))
    counts_from_zero(ax, unit)
    legend_below(ax, ncol=2 if fig is None else 3)
    return fig


def kpi_panels(panels: list[dict], ncols: int = 2) -> Figure:
    """Small multiples: one panel per KPI (see `year_lines` for a panel's keys)."""
    nrows = max(1, math.ceil(len(panels) / ncols))
    fig, axes = new_figure(width=5.2 * ncols, height=3.2 * nrows, ncols=ncols, nrows=nrows)
    flat = [ax for row in axes for ax in row]
    for ax, panel in zip(flat, panels):
        year_lines(ax=ax, **panel)
    for ax in flat[len(panels):]:
        ax.set_visible(False)
    return fig


def bar_ranking(values: pd.Series, *, title: str, unit: str, reference: float | None = None,
                reference_label: str = "全国", highlight: Sequence[str] = ()) -> Figure:
    """Horizontal bars sorted from high to low, with a reference line (e.g. 全国),
    labelled with the caller's text (the figure as the report model writes it)."""
    ordered = values.dropna().sort_values()
    height = max(3.0, 0.22 * len(ordered) + 1.0)
    fig, axes = new_figure(width=8.0, height=height)
    ax = axes[0][0]
    colors = [PALETTE["accent"] if name in highlight else PALETTE["this"] for name in ordered.index]
    ax.barh(range(len(ordered)), ordered.to_numpy(), color=colors)
    ax.set_yticks(range(len(ordered)))
    ax.set_yticklabels(ordered.index)
    if reference is not None and not math.isnan(reference):
        ax.axvline(reference, color=PALETTE["target"], linestyle="--", linewidth=1.2,
                   label=reference_label)
    low = float(np.nanmin(ordered.to_numpy())) if len(ordered) else 0.0
    left = max(0.0, math.floor(low / 5) * 5 - 5)
    ax.set_xlim(left=left)
    ax.set_title(title)
    ax.set_xlabel(unit if left == 0 else f"{unit}（横軸は{left:.0f}から）")
    legend_below(ax)
    return fig


def scatter_levels(frame: pd.DataFrame, *, x: str, y: str, title: str, xlabel: str, ylabel: str,
                   groups: str | None = None, reference: float | None = None) -> Figure:
    """Scatter of areas (e.g. office size against rate) on a log x axis, coloured by
    group. Areas without a positive size or a value cannot sit on the chart; with none
    left (the first month of a year) the figure says so."""
    frame = frame[(frame[x] > 0) & frame[y].notna()]
    if frame.empty:
        return no_data(title)
    fig, axes = new_figure(width=8.0, height=4.5)
    ax = axes[0][0]
    if groups:
        colors = [PALETTE["this"], PALETTE["accent"], PALETTE["target"], PALETTE["ok"]]
        for (name, part), color in zip(frame.groupby(groups, sort=True), colors):
            ax.scatter(part[x], part[y], s=14, alpha=0.8, color=color, label=name)
        legend_below(ax)
    else:
        ax.scatter(frame[x], frame[y], s=14, alpha=0.8, color=PALETTE["this"])
    if reference is not None:
        ax.axhline(reference, color=PALETTE["target"], linestyle="--", linewidth=1.0)
    if "%" in ylabel:
        rate_span(ax, "%")
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.xaxis.set_minor_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig


def _date_axis(ax, index: pd.Index) -> None:
    """Month ends on x as 令和 months ('令和5年9月'), at most five ticks (a 令和 month is
    long: more of them, slanted, run into each other beside a legend)."""
    days = pd.to_datetime(pd.Index(index)).sort_values().unique()
    step = max(1, math.ceil(len(days) / 5))
    ticks = days[::step]
    ax.set_xticks(ticks)
    ax.set_xticklabels([month_label(d.date()) for d in ticks], rotation=30, ha="right")


def legend_below(ax, ncol: int = 4) -> None:
    """The legend under the axes, never over the data or a target line (for month
    axes with short, unrotated labels)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=ncol,
                  frameon=False)


def legend_right(ax) -> None:
    """The legend right of the axes (for date and year axes, whose rotated labels
    leave no room below)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


MIN_RATE_SPAN = 5.0  # points: on a narrower rate axis ±0.1 point looks like a swing


def rate_span(ax, unit: str) -> None:
    """A rate axis (% or ポイント) spans at least `MIN_RATE_SPAN` points around its data,
    within 0–100 for a rate, so that a small movement looks small."""
    low, high = ax.get_ylim()
    if high - low >= MIN_RATE_SPAN:
        return
    middle = (low + high) / 2
    low, high = middle - MIN_RATE_SPAN / 2, middle + MIN_RATE_SPAN / 2
    if unit == "%" and high > 100:
        low, high = 100 - MIN_RATE_SPAN, 100
    if unit == "%" and low < 0:
        low, high = 0, MIN_RATE_SPAN
    ax.set_ylim(low, high)


def counts_from_zero(ax, unit: str, from_zero: bool = True) -> None:
    """Counts (件, 人, 万件, 億円, 分) start at zero; rates and differences of rates
    keep the range that shows their movement, at least a few points wide. A count axis
    that must be cut to show a small change (`from_zero=False`) gets a break mark on
    the axis and says so."""
    if unit in ("%", "ポイント"):
        rate_span(ax, unit)
        return
    if from_zero:
        ax.set_ylim(bottom=0)
        return
    mark = {"transform": ax.transAxes, "color": "#333333", "clip_on": False, "linewidth": 1.0}
    for y in (0.0, 0.025):
        ax.plot([-0.012, 0.012], [y - 0.01, y + 0.01], **mark)
    ax.set_ylabel(f"{unit}（縦軸は途中から）")


def no_data(title: str, message: str = "この時点ではまだ図示できるデータがない。") -> Figure:
    """A small figure that says there is nothing to draw yet (the first month of a year)."""
    fig, axes = new_figure(height=1.6)
    ax = axes[0][0]
    ax.set_axis_off()
    ax.set_title(title)
    ax.text(0.5, 0.4, message, ha="center", va="center", fontsize=11)
    return fig


def line_series(series: dict[str, pd.Series], *, title: str, unit: str,
                marks: dict[str, float] | None = None, shade: tuple | None = None,
                x_format=None, ax=None, from_zero: bool = True) -> Figure | None:
    """Lines over time on one axis (no second axis: a difference gets its own panel).

    x is month ends (labelled in 令和) or years (labelled by `x_format`, e.g.
    `fiscal_year_label`). Counts start at zero.

    Args:
        marks: label -> x value to annotate with a vertical line.
        shade: (x_from, x_to, label) to shade.
        x_format: year -> label for integer x values.
        from_zero: False to cut a count axis (with a break mark) where a small
            change on a large count would otherwise be a flat line.
    """
    fig = None
    if ax is None:
        fig, axes = new_figure()
        ax = axes[0][0]
    colors = [PALETTE["this"], PALETTE["last"], PALETTE["accent"], PALETTE["ok"]]
    for (label, values), color in zip(series.items(), colors):
        ax.plot(values.index, values.to_numpy(dtype=float), marker="o", markersize=3, color=color,
                label=label)
    if shade:
        ax.axvspan(shade[0], shade[1], color=PALETTE["band"], alpha=0.25, label=shade[2])
    for label, xv in (marks or {}).items():
        ax.axvline(xv, color=PALETTE["target"], linestyle=":", linewidth=1.0)
        ax.annotate(label, (xv, ax.get_ylim()[1]), fontsize=8, ha="left", va="top")
    index = pd.Index([]).append([pd.Index(v.index) for v in series.values()]) if series else pd.Index([])
    if len(index) and pd.api.types.is_datetime64_any_dtype(pd.Index(index)):
        _date_axis(ax, index)
    elif x_format is not None:
        ax.xaxis.set_major_locator(mticker.MaxNLocator(nbins=8, integer=True))
        ax.xaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: x_format(int(round(v)))))
        for tick in ax.get_xticklabels():
            tick.set_rotation(30)
            tick.set_ha("right")
    ax.set_title(title)
    ax.set_ylabel(unit)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(_number))
    counts_from_zero(ax, unit, from_zero)
    legend_right(ax)
    return fig


def stacked_counts(counts: pd.DataFrame, colors: dict[str, str], *, title: str, xlabel: str,
                   height: float | None = None) -> Figure:
    """Horizontal stacked bars: rows (sections, parts) by columns (statuses, in order),
    each status in its colour, the legend right of the bars."""
    fig, axes = new_figure(width=9.0, height=height or 0.4 * len(counts) + 1.2)
    ax = axes[0][0]
    left = np.zeros(len(counts))
    for status in counts.columns:
        values = counts[status].to_numpy(dtype=float)
        ax.barh(range(len(counts)), values, left=left, color=colors[status], label=status)
        left = left + values
    ax.set_yticks(range(len(counts)))
    ax.set_yticklabels(counts.index)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    legend_right(ax)
    return fig


def funnel_bars(stages: pd.DataFrame, *, title: str, unit: str) -> Figure:
    """Grouped bars: stages (rows) by year (columns), e.g. 最終催告状 → 督促 → 差押."""
    fig, axes = new_figure(width=8.0, height=4.0)
    ax = axes[0][0]
    n_years = len(stages.columns)
    width = 0.8 / max(n_years, 1)
    colors = [PALETTE["older"], PALETTE["last"], PALETTE["this"]][-n_years:]
    for j, (year, color) in enumerate(zip(stages.columns, colors)):
        xs = np.arange(len(stages)) + (j - (n_years - 1) / 2) * width
        bars = ax.bar(xs, stages[year].to_numpy(dtype=float), width=width, color=color, label=str(year))
        ax.bar_label(bars, labels=[f"{v:,.0f}" for v in stages[year]], fontsize=7, padding=2)
    ax.set_xticks(range(len(stages)))
    ax.set_xticklabels(stages.index)
    ax.yaxis.set_major_formatter(mticker.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(title)
    ax.set_ylabel(unit)
    legend_below(ax)
    return fig
