"""Pages are exported without nbconvert's BeautifulSoup pass (`html_export`): the page
must still be, element for element, the page nbconvert's HTMLExporter writes."""

from __future__ import annotations

import base64
import copy

from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from helpers.outputs import html_export

_PNG = base64.b64encode(bytes.fromhex("89504e470d0a1a0a") + b"\0" * 64).decode()


def _notebook():
    outputs = [
        new_output("display_data", data={"image/png": _PNG, "text/plain": "<Figure>"},
                   metadata={"image/png": {"alt": "図: 現年度納付率の推移", "csv": "横軸,値\n4月末,70.1\n"}}),
        new_output("display_data", data={"image/png": _PNG, "text/plain": "<Figure>"}),  # no text alternative
        new_output("display_data", data={"text/html": '<table class="workbook-table"><tr><th>指標</th><td>77.6%</td></tr>'
                                                      "</table><br><p>A &amp; B &lt;tag&gt; &nbsp;</p>",
                                         "text/plain": "表"}),
        new_output("stream", name="stdout", text="注意: 1 件\n"),
        new_output("display_data", data={"text/markdown": "- 項目 **太字** [出典](https://www.nenkin.go.jp/)",
                                         "text/plain": "-"}),
    ]
    record = new_code_cell("", outputs=[new_output("display_data", data={"application/json": {"a": 1}})])
    record.metadata["tags"] = ["record"]
    return new_notebook(cells=[new_markdown_cell("# 見出し\n\n本文 <b>強調</b>"), new_code_cell("x = 1", outputs=outputs),
                               record], metadata={"language_info": {"name": "python"}})


def test_the_page_is_the_one_nbconverts_exporter_writes():
    exporter = html_export._exporter()
    resources = {"metadata": {"name": "全国 国民年金"}, "workbook_nav": '<a href="index.html">一覧</a>'}
    nb = _notebook()
    ours, _ = exporter.from_notebook_node(copy.deepcopy(nb), resources=dict(resources))
    upstream, _ = HTMLExporter.from_notebook_node(exporter, copy.deepcopy(nb), resources=dict(resources))
    assert "No description has been provided for this image" in upstream
    upstream = upstream.replace("No description has been provided for this image", html_export.NO_ALT)
    assert str(BeautifulSoup(ours, features="html.parser")) == upstream
    assert ours.count('tabindex="0"') == upstream.count('tabindex="0"') >= 5
    assert f'alt="{html_export.NO_ALT}"' in ours and 'alt="図: 現年度納付率の推移"' in ours


def test_htmlexporters_page_pass_is_the_one_the_workbook_replaces():
    """`PageExporter.from_notebook_node` repeats HTMLExporter's up to the soup; a change
    upstream must be looked at (and this hash updated)."""
    import hashlib
    import inspect

    source = inspect.getsource(HTMLExporter.from_notebook_node)
    assert hashlib.sha256(source.encode()).hexdigest()[:16] == "3dccafff45cc4e74", source
