"""Charts that never mislead or collide: every chart of every section, drawn as the
notebooks draw it for both samples (and the next year's), has no two texts
overlapping and none leaving the figure, rate axes at least a few points wide unless
they say they are cut, thousands separators on count axes; the palette passes WCAG 2.1
non-text contrast on white and its colours stay apart for colour-vision deficiencies."""

from __future__ import annotations

import hashlib
import itertools

import matplotlib
import pytest

from chart_checks import axis_problems, collisions, section_figures
from helpers.core.statuses import ITEM_STATUSES, KPI_STATUSES, YEAR_END_STATUSES, chart_colors
from helpers.report import plots
from helpers.report.section import open_section
from helpers.sections.registry import SECTIONS

# both samples (the year-end one for 沖縄県, whose offices make the narrowest scatter; the
# next plan year's April draws the same charts with less in them)
RUNS = [("sample-2023-09-30", None, "00"), ("sample-2024-03-31", None, "47")]


@pytest.mark.parametrize(("snapshot", "plan", "scope"), RUNS, ids=lambda v: str(v).split("/")[-1] if v else "-")
def test_every_chart_is_free_of_collisions_and_honest_in_its_axes(snapshot, plan, scope):
    plots.use_report_style()
    drawn, problems = 0, []
    for spec in SECTIONS:
        r = open_section(spec.slug, snapshot=snapshot, plan_file=plan, scope=scope, fiscal_year=None)
        for code, fig in section_figures(spec, r):
            drawn += 1
            problems += [f"{spec.notebook} {code}: {p}" for p in collisions(fig) + axis_problems(fig)]
    assert drawn >= 20
    assert not problems, "\n".join(problems)



def test_titles_sit_where_matplotlibs_own_placement_puts_them():
    """The report style fixes each title at the top of its axes (rcParams axes.titley),
    which spares matplotlib's automatic placement, a measure of every tick label at each
    layout pass and draw: the national charts of the three sections that between them
    use every chart builder must come out pixel for pixel as with the automatic placement."""
    plots.use_report_style()
    builders_all_used = [s for s in SECTIONS if s.slug in ("scorecard", "national_pension", "employee_pension")]

    def pngs() -> list[bytes]:
        out = []
        for spec in builders_all_used:
            r = open_section(spec.slug, snapshot="sample-2023-09-30", plan_file=None, scope="00", fiscal_year=None)
            out += [plots.png_bytes(fig) for _, fig in section_figures(spec, r)]
        return out

    fixed = pngs()
    with matplotlib.rc_context({"axes.titley": None}):  # matplotlib's default: placed automatically
        automatic = pngs()
    assert len(builders_all_used) == 3 and len(fixed) >= 10
    assert [hashlib.sha256(p).hexdigest() for p in fixed] == [hashlib.sha256(p).hexdigest() for p in automatic]

# --- colours ------------------------------------------------------------------------

def _linear(hex_colour: str) -> list[float]:
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    return [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]


def _contrast_on_white(hex_colour: str) -> float:
    r, g, b = _linear(hex_colour)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)


# Machado, Oliveira and Fernandes (2009), severity 1.0, applied in linear RGB
CVD = {
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.011820, 0.042940, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.303900)),
}


def _lab(linear: list[float]) -> tuple[float, float, float]:
    r, g, b = (min(max(c, 0.0), 1.0) for c in linear)
    xyz = (0.4124 * r + 0.3576 * g + 0.1805 * b, 0.2126 * r + 0.7152 * g + 0.0722 * b,
           0.0193 * r + 0.1192 * g + 0.9505 * b)
    f = [(v / n) ** (1 / 3) if v / n > 0.008856 else 7.787 * v / n + 16 / 116
         for v, n in zip(xyz, (0.95047, 1.0, 1.08883))]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def _seen(hex_colour: str, matrix) -> tuple[float, float, float]:
    linear = _linear(hex_colour)
    return _lab([sum(m * c for m, c in zip(row, linear)) for row in matrix])


def _apart(a: str, b: str, matrix) -> float:
    return sum((x - y) ** 2 for x, y in zip(_seen(a, matrix), _seen(b, matrix))) ** 0.5


GROUPS = {"years": [plots.PALETTE[k] for k in ("this", "last", "older", "target", "accent")],
          "KPI statuses": list(chart_colors(KPI_STATUSES).values()),
          "item statuses": list(chart_colors(ITEM_STATUSES).values()),
          "year-end statuses": list(chart_colors(YEAR_END_STATUSES).values())}


def test_every_chart_colour_has_three_to_one_contrast_on_white():
    colours = set(plots.PALETTE.values()) - {plots.PALETTE["band"]} | {c for g in GROUPS.values() for c in g}
    weak = {c: round(_contrast_on_white(c), 2) for c in colours if _contrast_on_white(c) < 3.0}
    assert not weak


@pytest.mark.parametrize("vision", ["normal", *CVD])
@pytest.mark.parametrize("group", GROUPS)
def test_colours_shown_together_stay_apart(group, vision):
    matrix = CVD.get(vision, ((1, 0, 0), (0, 1, 0), (0, 0, 1)))
    colours = sorted(set(GROUPS[group]))
    close = [(a, b, round(_apart(a, b, matrix), 1)) for a, b in itertools.combinations(colours, 2)
             if _apart(a, b, matrix) < 10]
    assert not close  # ΔE*ab under 10 reads as the same colour at a glance
