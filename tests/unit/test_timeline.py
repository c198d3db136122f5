"""The deliverables' timeline can be read: one row per dated deliverable, whole-phrase
labels, the 基準日 marked, and no two texts of a rendered chart overlapping."""

from __future__ import annotations

import itertools

import matplotlib
import pytest

from helpers.report import plots
from helpers.report.section import open_section
from helpers.report.views import items as views_items
from helpers.sections.registry import SECTIONS

matplotlib.use("Agg")


def _texts(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    found = [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text().strip()]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in found]


@pytest.mark.parametrize("snapshot", ["sample-2023-09-30", "sample-2024-03-31"])
def test_no_two_labels_of_any_timeline_overlap(snapshot):
    plots.use_report_style()
    drawn = 0
    for spec in SECTIONS:
        if spec.slug == "scorecard":
            continue
        r = open_section(spec.slug, snapshot=snapshot, plan_file="params/plan_fy2023.yaml", scope="00",
                         fiscal_year=None)
        fig = views_items.milestone_timeline.__wrapped__(r)  # the figure itself, not a shared copy
        if not hasattr(fig, "canvas"):
            continue  # a section with no dated deliverable says so in words
        texts = _texts(fig)
        for (a, box_a), (b, box_b) in itertools.combinations(texts, 2):
            assert not box_a.overlaps(box_b), (spec.slug, a, b)
        labels = [t for t, _ in texts if t.startswith("R0") or t.startswith("R1")]
        rows = [(v.id, d.id) for v in r.item_views() for d in v.deliverables if d.kind != "年度内"]
        assert len(labels) == len(rows)  # one row per dated deliverable
        assert any(t.startswith("基準日") for t, _ in texts)
        drawn += 1
    assert drawn >= 4


def test_row_labels_are_whole_phrases():
    from helpers.report.item_model import short_title

    heading = "【事業所調査】 ○事業所調査による適用の適正化 ・短時間労働者への適用の推進"
    assert short_title(heading) == "事業所調査による適用の適正化"
    assert short_title("年金業務システムフェーズ1") == "年金業務システムフェーズ1"
    assert short_title("本部  ○事業推進部門の評価体系の見直し ○チャンネル統括体制の実現") == "事業推進部門の評価体系の見直し"
