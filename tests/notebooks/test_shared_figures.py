"""Charts shared across the areas of a batch: every function marked area-independent
really is (the same output for the nation and an office), and a shared chart displays
exactly as the figure it stands for."""

from __future__ import annotations

import pytest

from helpers.notebook import inprocess
from helpers.report import plots, shared_figures
from helpers.report.section import open_section
from helpers.report.views import consultation as views_consultation  # noqa: F401  (they mark their views)
from helpers.report.views import items as views_items  # noqa: F401  (imported here, not by chance elsewhere)
from helpers.report.views import national as views_national
from helpers.report.views import records as views_records  # noqa: F401

SNAPSHOT = "sample-2023-09-30"
# the section each marked view is shown in
SECTION_OF = {"national_series": "national_pension", "okinawa_gap": "national_pension",
              "records_trend": "records", "milestone_timeline": "employee_pension", "items_overview": "scorecard"}


def _report(section: str, scope: str):
    return open_section(section, snapshot=SNAPSHOT, plan_file="params/plan_fy2023.yaml", scope=scope,
                        fiscal_year=2023)


@pytest.fixture(scope="module")
def formatter():
    shell = inprocess.shell()
    plots.use_report_style()  # registers the PNG formatter, as the notebooks' first cell does
    yield shell.display_formatter.format
    shared_figures.disable()


def test_every_marked_view_is_known_here():
    assert sorted(f.__name__ for f in shared_figures.MARKED) == sorted(SECTION_OF)


@pytest.mark.parametrize("name", sorted(SECTION_OF))
def test_marked_view_gives_the_same_output_for_every_area(name, formatter):
    shared_figures.disable()
    view = next(f for f in shared_figures.MARKED if f.__name__ == name)
    national = formatter(view(_report(SECTION_OF[name], "00")))
    office = formatter(view(_report(SECTION_OF[name], "13001")))
    assert "image/png" in national[0]
    assert national == office


def test_shared_chart_displays_as_its_figure_and_is_drawn_once(formatter, monkeypatch):
    shared_figures.disable()
    figure_output = formatter(views_national.okinawa_gap(_report("national_pension", "47")))
    shared_figures.enable()
    drawn = []
    real = plots.line_series
    monkeypatch.setattr(plots, "line_series", lambda *a, **k: drawn.append(1) or real(*a, **k))
    first = views_national.okinawa_gap(_report("national_pension", "47"))
    again = views_national.okinawa_gap(_report("national_pension", "01"))
    assert isinstance(first, shared_figures.SharedFigure) and isinstance(again, shared_figures.SharedFigure)
    assert formatter(first) == figure_output == formatter(again)
    assert len(drawn) == 2  # the two panels of one figure: built once for both areas
    views_national.okinawa_gap(open_section("national_pension", snapshot=SNAPSHOT, scope="01", fiscal_year=2022,
                                            plan_file="params/plan_fy2023.yaml"))
    assert len(drawn) == 4  # another fiscal year is another key: drawn again
    shared_figures.disable()


def test_png_bytes_are_savefigs_bytes_from_one_draw(formatter, monkeypatch):
    """The notebooks' PNG formatter draws a figure once (the layout engine runs inside
    that draw), and the file is the one `savefig` writes, byte for byte."""
    import base64
    import io

    from matplotlib.figure import Figure

    report = _report("national_pension", "47")
    reference = io.BytesIO()
    report.kpi_charts().savefig(reference, format="png", bbox_inches=None)
    figure = report.kpi_charts()
    draws = []
    real_draw = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, renderer: draws.append(1) or real_draw(self, renderer))
    data, metadata = formatter(figure)[0]["image/png"], formatter(figure)[1]["image/png"]
    assert base64.b64decode(data) == reference.getvalue()
    assert len(draws) == 2  # one per call of the formatter above; savefig draws twice
    assert metadata["alt"].startswith("図: NP")
    assert figure.get_layout_engine() is not None and figure.canvas.figure is figure  # left as it was
