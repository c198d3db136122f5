"""Navigation between a run's pages: each page's title and its links to the index, to
the other sections of its area and, in a fan-out, to its parent and child areas."""

from __future__ import annotations

from html import escape

from helpers.batch.jobs import Job
from helpers.data.plan import Plan
from helpers.data.snapshot import Snapshot
from helpers.outputs.index_page import section_titles

__all__ = ["link_pages"]


def link_pages(jobs: list[Job], snapshot: Snapshot, plan: Plan) -> None:
    """Give every page its title (「全国 スコアカード」) and its links: back to the
    index, to the other sections of the same area, and in a fan-out to the same
    section of the parent and child areas that are in the run."""
    titles = section_titles()
    in_run = {j.area_code: j for j in jobs}
    names = {j.area_code: j.area_name for j in jobs}
    notebooks = list(dict.fromkeys(j.notebook for j in jobs))
    chains = {code: snapshot.ancestors(code) for code in in_run}
    for job in jobs:
        job.title = f"{job.area_name} {titles.get(job.notebook, job.notebook)}"
        up = "../" if job.folder else ""
        links = [f'<a href="{up}index.html">索引に戻る</a>']
        links += [f'<a href="{escape(nb)}.html">{escape(titles.get(nb, nb))}</a>'
                  for nb in notebooks if nb != job.notebook]
        if job.folder:
            parent = next((c for c in chains[job.area_code][1:] if c in in_run), None)
            if parent is not None:
                where = f"../{escape(in_run[parent].folder)}/" if in_run[parent].folder else "../"
                links.append(f'<a href="{where}{escape(job.notebook)}.html">上位: {escape(names[parent])}</a>')
        children = [c for c, chain in chains.items()
                    if c != job.area_code and next((a for a in chain[1:] if a in in_run), None) == job.area_code]
        if children:
            child_links = " ".join(f'<a href="{up}{escape(c)}/{escape(job.notebook)}.html">{escape(names[c])}</a>'
                                   for c in children)
            links.append(f"<details><summary>下位の地域（{len(children)}）</summary>{child_links}</details>")
        job.nav = " ".join(links)
