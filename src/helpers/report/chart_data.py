"""What a chart says, for readers who cannot see it: its data as a table (offered as
CSV beside the chart) and its message in words (the image's text alternative), both
read from what the chart draws, so they can never disagree with it.

A series' message is its latest value and its change from the point before; bars give
their largest and smallest; the titles say what the chart is about.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["alt_text", "chart_frame", "chart_message", "chart_csv"]

_MAX_SERIES_IN_MESSAGE = 4


def alt_text(fig: Figure) -> str:
    """A figure named in words: its titles.

    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> _ = fig.subplots().set_title("現年度納付率の推移")
    >>> alt_text(fig)
    '図: 現年度納付率の推移'
    """
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()]
    return "図: " + "、".join(titles) if titles else "図"


def _drawn(label: str | None) -> bool:
    """A series with a name of its own (matplotlib names helpers '_child0' and the like)."""
    return bool(label) and not str(label).startswith("_")


def _tick_labels(ax) -> dict[float, str]:
    """The axis's tick labels by position (asked once per axis: each call runs the locator)."""
    return {round(float(t), 6): label.get_text() for t, label in zip(ax.get_xticks(), ax.get_xticklabels())}


def _x_text(ax, x, ticks: dict[float, str] | None = None) -> str:
    """An x value as the axis writes it: a 令和 month, the tick label at that position
    (`ticks`, from `_tick_labels`), or the number."""
    from helpers.core.era import month_label

    if isinstance(x, (dt.date, pd.Timestamp, np.datetime64)):
        return month_label(pd.Timestamp(x).date())
    if isinstance(ax.xaxis.get_major_formatter(), (mdates.AutoDateFormatter, mdates.DateFormatter,
                                                   mdates.ConciseDateFormatter)):
        return month_label(mdates.num2date(float(x)).date())
    try:
        value = float(x)
    except (TypeError, ValueError):
        return str(x)
    ticks = _tick_labels(ax) if ticks is None else ticks
    text = ticks.get(round(value, 6)) or ax.xaxis.get_major_formatter()(value) or f"{value:g}"
    # month positions are labelled '4' … '3', '翌4' under an axis titled 月末 or 月
    if ax.get_xlabel() in ("月末", "月") and text.lstrip("翌").isdigit():
        text += ax.get_xlabel()
    return text


def chart_frame(fig: Figure) -> pd.DataFrame:
    """Every named series of the figure as rows: 図 (the panel's title), 系列, 横軸, 値."""
    rows = []
    for ax in fig.axes:
        title = ax.get_title() or (fig.axes[0].get_title() if fig.axes else "")
        lines = _series(ax)
        ticks = _tick_labels(ax) if lines else {}
        for line in lines:
            label = line.get_label()
            for x, y in zip(line.get_xdata(), line.get_ydata()):
                if y is None or (isinstance(y, float) and math.isnan(y)):
                    continue
                rows.append({"図": title, "系列": label, "横軸": _x_text(ax, x, ticks), "値": float(y)})
        for container in ax.containers:
            if isinstance(container, BarContainer):
                rows += [{"図": title, "系列": _bar_name(container), **row}
                         for row in chart_frame_for(ax, container).to_dict("records")]
        for collection in ax.collections:
            if isinstance(collection, PathCollection) and _drawn(collection.get_label()):
                for x, y in collection.get_offsets():
                    rows.append({"図": title, "系列": collection.get_label(), "横軸": f"{float(x):g}", "値": float(y)})
    return pd.DataFrame(rows, columns=["図", "系列", "横軸", "値"])


def _series(ax) -> list[Line2D]:
    """The named lines drawn in data coordinates (a target or reference line across the
    axes is drawn in axes coordinates: it is a mark, not data)."""
    return [line for line in ax.get_lines() if _drawn(line.get_label()) and line.get_transform() == ax.transData]


def _number(value: float, unit: str) -> str:
    """'76.9%', '100万人', '45人': a whole count without decimals, rates with one."""
    whole = float(value).is_integer() and unit not in ("%", "ポイント", "分")
    text = f"{value:,.0f}" if abs(value) >= 100 or whole else f"{value:.1f}"
    return f"{text}{unit}"


def _unit(ax) -> str:
    label = ax.get_ylabel()
    return label if 0 < len(label) <= 3 else ""


def _change_unit(unit: str) -> str:
    """A difference of rates is in ポイント."""
    return "ポイント" if unit == "%" else unit


def _line_sentence(ax, line: Line2D, unit: str) -> str | None:
    points = [(x, float(y)) for x, y in zip(line.get_xdata(), line.get_ydata())
              if y is not None and not (isinstance(y, float) and math.isnan(y))]
    if not points:
        return None
    x, last = points[-1]
    sentence = f"{line.get_label()}は{_x_text(ax, x)}に{_number(last, unit)}"
    if len(points) >= 2:
        change = last - points[-2][1]
        sentence += f"（前の点から{'+' if change >= 0 else '-'}{_number(abs(change), _change_unit(unit))}）"
    return sentence


def _bar_name(container: BarContainer) -> str:
    return container.get_label() if _drawn(container.get_label()) else "値"


def _bar_sentence(ax, container: BarContainer, unit: str) -> str | None:
    frame = chart_frame_for(ax, container)
    if frame.empty:
        return None
    if container.orientation == "horizontal":  # a ranking: its unit is on the value axis below
        label = ax.get_xlabel()
        unit = label.split("（")[0] if 0 < len(label.split("（")[0]) <= 3 else ""
    top, low = frame.loc[frame["値"].idxmax()], frame.loc[frame["値"].idxmin()]
    name = "" if _bar_name(container) == "値" else f"{_bar_name(container)}は"
    return (f"{name}最大が{top['横軸']}の{_number(top['値'], unit)}、"
            f"最小が{low['横軸']}の{_number(low['値'], unit)}")


def _points_sentence(ax, collection: PathCollection, unit: str) -> str | None:
    """A scatter's points: how many, and the range of their values."""
    offsets = collection.get_offsets()
    if len(offsets) == 0:
        return None
    values = [float(y) for _, y in offsets]
    name = collection.get_label() if _drawn(collection.get_label()) else "各点"
    return f"{name}は{len(values)}点、{ax.get_ylabel() or '値'}は{_number(min(values), '')}～{_number(max(values), '')}"


def chart_message(fig: Figure) -> str:
    """The chart in words: its titles, then each series' latest value and its change
    from the point before (for bars, the largest and smallest). Small multiples give
    each panel's first series, after the panel's title."""
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_title()]
    if len(panels) > 1:
        parts = []
        for ax in panels:
            lines = _series(ax)
            sentence = _line_sentence(ax, lines[0], _unit(ax)) if lines else None
            parts.append(f"{ax.get_title()}: {sentence}" if sentence else ax.get_title())
        return "図: " + "。".join(parts) + "。"
    parts = []
    parts.append(alt_text(fig))
    sentences = []
    for ax in fig.axes:
        unit = _unit(ax)
        sentences += [_line_sentence(ax, line, unit) for line in _series(ax)]
        sentences += [_bar_sentence(ax, c, unit) for c in ax.containers if isinstance(c, BarContainer)]
        sentences += [_points_sentence(ax, c, unit) for c in ax.collections if isinstance(c, PathCollection)]
    parts += [s for s in sentences if s][:_MAX_SERIES_IN_MESSAGE]
    return "。".join(parts) + "。"


def chart_frame_for(ax, container: BarContainer) -> pd.DataFrame:
    """One bar series as rows (横軸, 値)."""
    names = [t.get_text() for t in (ax.get_yticklabels() if container.orientation == "horizontal"
                                     else ax.get_xticklabels())]
    rows = [{"横軸": names[i] if i < len(names) else str(i + 1),
             "値": float(bar.get_width() if container.orientation == "horizontal" else bar.get_height())}
            for i, bar in enumerate(container.patches)]
    return pd.DataFrame(rows, columns=["横軸", "値"])


def chart_csv(fig: Figure) -> str:
    """The chart's data as CSV text (UTF-8 with a BOM when saved, for Excel)."""
    return chart_frame(fig).to_csv(index=False, lineterminator="\n")
