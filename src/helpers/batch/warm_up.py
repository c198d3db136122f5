"""First use, once per run instead of once per worker.

The first chart a process draws loads the Japanese font and fills matplotlib's caches,
the first table compiles pandas' templates and the first page nbconvert's: measured
on the sample's national pages, a worker's first round of the seven notebooks took
0.7 s of CPU more than the same round again, and drawing one chart, one table and one
small page beforehand (0.4 s) takes most of that away. The fork server does it once
(`helpers.batch.preload`), before it forks the workers, so every worker starts warm;
a cluster's worker does it when it starts (the same preload module).

Nothing here starts a thread (the fork server must stay single-threaded), and nothing
is kept but the libraries' own caches: the notebooks' outputs are the same with or
without it (their process state is reset before each notebook,
`helpers.notebook.isolation`).
"""

from __future__ import annotations

import base64
import sys

__all__ = ["warm_up"]


def warm_up() -> None:
    """Draw a chart, render a table and export a page, and throw them away."""
    import matplotlib
    import pandas as pd
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from helpers.outputs import html_export
    from helpers.report import plots, tables

    plots.use_report_style()
    months = pd.to_datetime(["2023-04-30", "2023-05-31", "2023-06-30"])
    figure = plots.line_series({"全国": pd.Series([70.1, 72.3, 74.0], index=months)}, title="納付率（令和5年度）",
                               unit="%")
    png = plots.png_bytes(figure)
    frame = pd.DataFrame({"指標": ["現年度納付率"], "値": ["77.6%"], "判定": ["達成見込み"]})
    table = tables.styled(frame, uuid="warm-up", caption="表", status_column="判定", right_align=("値",))
    outputs = [new_output("display_data", data={"text/markdown": "- 項目 **太字**", "text/plain": "-"}),
               new_output("display_data", data={"image/png": base64.b64encode(png).decode(), "text/plain": "図"}),
               new_output("display_data", data={"text/html": table.html, "text/plain": "表"})]
    html_export.export_html(new_notebook(cells=[new_markdown_cell("# 見出し"), new_code_cell("", outputs=outputs)]),
                            "warm-up")
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    matplotlib.rcdefaults()  # as every notebook starts (helpers.notebook.isolation)
