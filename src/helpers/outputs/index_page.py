"""The report's front page: every section (and, for a fan-out, every area) with its KPI
statuses at a glance, the snapshot, and the run. One self-contained, offline page."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from html import escape
from pathlib import Path

from helpers.core.era import date_label, fiscal_year_label, month_end_label
from helpers.core.statuses import ITEM_STATUSES, KPI_STATUSES, css_class, css_rules
from helpers.outputs.html_export import scoped_headers
from helpers.report.item_model import ITEM_COLUMNS, YEAR_END_COLUMN, item_views
from helpers.sections.registry import SECTIONS

__all__ = ["write_index", "section_titles"]

_STYLE = """
body { font-family: "IPAexGothic", "IPAGothic", "Noto Sans CJK JP", "Hiragino Sans", "Yu Gothic", "Meiryo", sans-serif;
       margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.5em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
a { text-decoration: underline; }  /* a link is told by more than its colour (WCAG 1.4.1) */
.notice { background: #fff3cd; border: 1px solid #e0c36c; padding: 0.6em 1em; }
.failed { background: #f8d7da; }
.filters { margin: 0.5em 0; } .filters label { margin-right: 1.5em; }
@media print {
  @page { size: A4 landscape; margin: 12mm 12mm 14mm 12mm;
          @bottom-center { content: counter(page) " / " counter(pages); font-size: 8pt; } }
  nav.workbook-nav, .filters { display: none; }
  body { font-size: 9.5pt; margin: 0; }
  table { font-size: 7.5pt; width: 100%; }
  td { white-space: normal !important; overflow-wrap: anywhere; } th { white-space: nowrap; }
  details { display: block; } details > summary { list-style: none; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; page-break-inside: avoid; }
  h1, h2, h3 { break-after: avoid; page-break-after: avoid; }
}
#items td:first-child, #items td:nth-child(3) { white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; } td.status { white-space: nowrap; }
.badge { display: inline-block; padding: 0 4px; margin: 1px; border-radius: 3px; font-size: 0.85em; }
"""


def section_titles() -> dict[str, str]:
    """Notebook stem -> the section's Japanese title (from the sections registry)."""
    return {s.notebook: s.title for s in SECTIONS}


def _counts(record: dict | None) -> str:
    if not record:
        return ""
    counts = Counter(v.get("status") for v in record.get("kpis", {}).values() if v.get("status"))
    return " ".join(f'<span class="badge {css_class(s)}">{s}{counts[s]}</span>' for s in KPI_STATUSES
                    if counts[s] and s != "参考")


def _outcome(result) -> str:
    if result.ok:
        return "成功（入力が前回と同じため再利用）" if getattr(result, "cached", False) else "成功"
    e = result.error or {}
    where = f"セル {e.get('cell')}" if e.get("cell") else "実行前"
    return f"失敗（{where}で {escape(str(e.get('ename')))}: {escape(str(e.get('evalue')))}）"


def write_index(path: Path, *, snapshot, plan, results: list, record: dict, each: str | None,
                items: list | None = None, register=None, excel: str | None = None) -> None:
    """Write index.html for a run's results: the KPIs at a glance, the sections, the
    plan's twelve parts and the 進捗管理表 of every 計画事項 (when `items` is given)."""
    titles = section_titles()
    started = dt.datetime.fromisoformat(record["started_at"])
    failed = [r for r in results if not r.ok]
    head = [
        f"<h1>{escape(plan.title)} 進捗レポート</h1>",
        "<table>",
        f"<tr><th>スナップショット</th><td>{escape(snapshot.id)}（出所: {escape(snapshot.source)}）</td></tr>",
        f"<tr><th>基準日</th><td>{month_end_label(snapshot.as_of)}（{fiscal_year_label(snapshot.fiscal_year)}）</td></tr>",
        f"<tr><th>実行</th><td>{date_label(started.date())} {started:%H:%M:%S}開始、所要 {record['wall_seconds']:.1f}秒、"
        f"{len(results)} 件（失敗 {len(failed)} 件）{_cluster_text(record.get('cluster'))}</td></tr>",
        '<tr><th>実行記録</th><td><a href="run.json">run.json</a></td></tr>',
        *([f'<tr><th>Excel</th><td><a href="{escape(excel)}">{escape(excel)}</a>'
           "（スコアカードと各区分の指標・計画事項）</td></tr>"] if excel else []),
        "</table>",
    ]
    if snapshot.is_sample:
        head.insert(1, '<p class="notice"><strong>注意: 合成サンプルデータである。</strong>'
                       "全国計は公表値に合わせているが、年金事務所は架空である。</p>")
    if failed:
        head.append(f'<p class="notice failed">{len(failed)} 件の区分が失敗した。'
                    "失敗した区分のノートブック（.ipynb）をこのフォルダに残している。</p>")
    notebooks = list(dict.fromkeys(r.job.notebook for r in results))
    root = [r for r in results if not r.job.folder]
    body = _kpi_table(root, plan) + _section_table(root, titles)
    if items and register is not None:
        kpi_status = {k: v.get("status_text") or v.get("status")
                      for r in root for k, v in ((r.record or {}).get("kpis") or {}).items()}
        pages = {r.job.notebook: r.job.html for r in root if r.ok}
        body += _parts_table(register, items, pages) + _items_table(register, items, kpi_status, snapshot.as_of)
    if each:
        body += _each_table([r for r in results if r.job.folder], notebooks, titles, each)
    html = ("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(plan.title)} 進捗レポート（{escape(snapshot.id)}）</title>\n"
            f"<style>{_STYLE}{css_rules()}\n</style>\n</head>\n<body>\n" + "\n".join(head + body) + "\n</body>\n</html>\n")
    path.write_text(scoped_headers(html), encoding="utf-8")


def _kpi_table(results: list, plan) -> list[str]:
    """Every KPI of the scope at a glance: name, 実績, 目標 and 判定 (coloured), from
    the records of the pages (the scorecard's when it ran, else each section's)."""
    kpis: dict[str, dict] = {}
    for r in sorted(results, key=lambda r: r.job.notebook != "00_scorecard"):
        for kpi_id, values in ((r.record or {}).get("kpis") or {}).items():
            kpis.setdefault(kpi_id, values)
    if not kpis:
        return []
    area = results[0].job.area_name
    names = {s.id: s.name_ja for s in plan.sections}
    order = {k.id: i for i, k in enumerate(plan.kpis)}
    rows = [f"<h2>指標の一覧（{escape(area)}）</h2>", '<table class="kpis">',
            "<thead><tr><th>区分</th><th>指標</th><th>実績</th><th>目標</th><th>判定</th></tr></thead>"]
    for kpi_id in sorted(kpis, key=lambda k: order.get(k, len(order))):
        v = kpis[kpi_id]
        status = str(v.get("status") or "—")
        shown = str(v.get("status_text") or status)  # 参考表示, 全国値のみ's 「—」: as the page says it
        rows.append(f"<tr><td>{escape(names.get(str(v.get('section')), ''))}</td>"
                    f"<td>{escape(kpi_id)} {escape(str(v.get('name', '')))}</td>"
                    f'<td class="num">{escape(str(v.get("value_text", "")))}</td>'
                    f"<td>{escape(str(v.get('target_text', '')))}</td>"
                    f'<td class="status s-{escape(status)}">{escape(shown)}</td></tr>')
    rows.append("</table>")
    return rows


def _parts_table(register, items: list, pages: dict[str, str]) -> list[str]:
    """The plan's twelve parts: the section page answering for each, and its items by status."""
    from helpers.sections.registry import by_slug

    rows = ["<h2>計画の部</h2>", "<table>", "<tr><th>部</th><th>区分</th><th>計画事項の状況</th></tr>"]
    for part in register.parts:
        mine = [p for p in items if p.item.part == part.part]
        counts = Counter(p.status for p in mine)
        badges = " ".join(f'<span class="badge {css_class(s)}">{s}{counts[s]}</span>' for s in ITEM_STATUSES if counts[s])
        spec = by_slug(part.section)
        page = pages.get(spec.notebook)
        link = f'<a href="{escape(page)}">{escape(spec.title)}</a>' if page else escape(spec.title)
        rows.append(f"<tr><td>{escape(part.label)}（{escape(part.pages)}）</td><td>{link}</td><td>{badges}</td></tr>")
    rows.append("</table>")
    return rows


# Inline, no network; listeners attached here, so the page has no on* attributes.
_FILTER_SCRIPT = """<script>
function workbookFilter() {
  var part = document.getElementById('f-part').value, status = document.getElementById('f-status').value;
  document.querySelectorAll('#items tr[data-part]').forEach(function (row) {
    var show = (!part || row.dataset.part === part) && (!status || row.dataset.status === status);
    row.style.display = show ? '' : 'none';
  });
}
['f-part', 'f-status'].forEach(function (id) {
  document.getElementById(id).addEventListener('change', workbookFilter);
});
</script>"""


def _items_table(register, items: list, kpi_status: dict, as_of) -> list[str]:
    """The 進捗管理表: every item's deliverables with 予定, 実績, status and the KPIs'
    statuses, the plan's 主な内容 in full on a detail line under each item, filterable
    by part and status in the page itself (no network resource)."""
    parts = "".join(f'<option value="{p.part}">{escape(p.label)}</option>' for p in register.parts)
    statuses = "".join(f'<option value="{s}">{s}</option>' for s in ITEM_STATUSES)
    views = item_views(items, kpi_status, register.parts)
    columns = list(ITEM_COLUMNS) + ([YEAR_END_COLUMN] if views and views[0].year_end is not None else [])
    count = sum(len(v.deliverables) for v in views)
    rows = [f"<h2>進捗管理表（{month_end_label(as_of)}現在、{len(items)}件・取組{count}件）</h2>",
            '<div class="filters">'
            f'<label>部 <select id="f-part"><option value="">すべて</option>{parts}</select></label>'
            f'<label>状況 <select id="f-status"><option value="">すべて</option>{statuses}'
            "</select></label></div>",
            '<table id="items">',
            "<thead><tr>" + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead>"]
    for v in views:
        data = f'data-part="{v.part}" data-status="{escape(v.status)}"'
        for row in v.rows(repeat=False):
            cells = "".join(f'<td class="status s-{escape(text)}">{escape(text)}</td>'
                            if column in ("状況", YEAR_END_COLUMN) and text else f"<td>{escape(text)}</td>"
                            for column, text in row.items())
            rows.append(f"<tr {data}>{cells}</tr>")
        content = "".join(f"<li>{escape(c)}</li>" for c in v.content)
        rows.append(f'<tr {data} class="detail"><td></td><td colspan="{len(columns) - 1}"><details>'
                    f"<summary>計画の主な内容（{escape(v.part_label)}、{escape(v.pages_text)}）</summary>"
                    f"<ul>{content}</ul></details></td></tr>")
    rows += ["</table>", _FILTER_SCRIPT]
    return rows


def _cluster_text(cluster: dict | None) -> str:
    """Where the pages ran, when not in this machine's own workers."""
    if not cluster:
        return ""
    return f"、Dask クラスタ {escape(cluster['scheduler'])} の作業ノード {len(cluster['workers'])} 台で実行"


def _section_table(results: list, titles: dict[str, str]) -> list[str]:
    area = results[0].job.area_name if results else ""
    rows = [f"<h2>区分（{escape(area)}）</h2>", "<table>",
            "<tr><th>区分</th><th>指標の判定</th><th>結果</th><th>所要時間</th></tr>"]
    for r in results:
        title = escape(titles.get(r.job.notebook, r.job.notebook))
        css = ' class="failed"' if not r.ok else ""
        rows.append(f'<tr{css}><td><a href="{escape(r.job.html)}">{title}</a></td><td>{_counts(r.record)}</td>'
                    f"<td>{_outcome(r)}</td><td>{r.seconds:.1f}秒</td></tr>")
    rows.append("</table>")
    return rows


def _each_table(results: list, notebooks: list[str], titles: dict[str, str], each: str) -> list[str]:
    level = {"region": "地域", "prefecture": "都道府県", "office": "年金事務所"}[each]
    header = "".join(f"<th>{escape(titles.get(nb, nb))}</th>" for nb in notebooks)
    rows = [f"<h2>{level}別</h2>", "<table>", f"<tr><th>{level}</th>{header}<th>Excel</th></tr>"]
    by_area: dict[str, dict[str, object]] = {}
    names: dict[str, str] = {}
    workbooks: dict[str, str] = {}
    for r in results:
        by_area.setdefault(r.job.area_code, {})[r.job.notebook] = r
        names[r.job.area_code] = r.job.area_name
        if r.job.excel and r.ok:
            workbooks[r.job.area_code] = f"{r.job.folder}/{r.job.excel}"
    for code, cells in by_area.items():
        tds = []
        for nb in notebooks:
            r = cells.get(nb)
            if r is None:
                tds.append("<td></td>")
                continue
            css = ' class="failed"' if not r.ok else ""
            label = "開く" if r.ok else "失敗"
            tds.append(f'<td{css}><a href="{escape(r.job.html)}">{label}</a> {_counts(r.record)}</td>')
        book = f'<a href="{escape(workbooks[code])}">.xlsx</a>' if code in workbooks else ""
        rows.append(f"<tr><td>{escape(names[code])}（{escape(code)}）</td>{''.join(tds)}<td>{book}</td></tr>")
    rows.append("</table>")
    return rows


def plan_items(snapshot, plan) -> dict:
    """The register and every 計画事項 at the snapshot's 基準日, for the index (none when
    the snapshot's year is not the plan's)."""
    from helpers.engine.item_progress import item_progress

    if snapshot.fiscal_year != plan.fiscal_year:
        return {}
    register = plan.register()
    return {"register": register, "items": item_progress(register, snapshot.progress, snapshot.as_of)}
