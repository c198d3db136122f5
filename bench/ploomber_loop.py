"""The off-the-shelf in-process method of the batch benchmark: ploomber-engine.

One Python process runs every notebook with `ploomber_engine.execute_notebook` (the
notebook's code in this process, no kernel) and exports each to HTML in-process with
nbconvert's `HTMLExporter` (no input, as the reports hide code). It has one core, so it
is compared with `workbook run --jobs 1`.

    python bench/ploomber_loop.py --snapshot sample-2023-09-30 [--each prefecture] --out DIR

Telemetry and version checks of ploomber are switched off (this machine has no
network, and a benchmark must not wait for one).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("PLOOMBER_STATS_ENABLED", "false")
os.environ.setdefault("PLOOMBER_VERSION_CHECK_DISABLED", "true")

from helpers.notebook.execute import NOTEBOOKS  # noqa: E402
from helpers.sections import registry  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", default="sample-2023-09-30")
    parser.add_argument("--each", choices=["prefecture"])
    parser.add_argument("--scope", default="00")
    parser.add_argument("--notebooks", nargs="*", default=list(NOTEBOOKS))
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    from nbconvert import HTMLExporter
    from ploomber_engine import execute_notebook

    root = Path(__file__).resolve().parents[1]
    scopes = [args.scope]
    if args.each:
        from helpers.data.snapshot import load_snapshot

        areas = load_snapshot(args.snapshot).areas
        scopes += list(areas.loc[areas["level"] == args.each, "area_code"])  # the scope's pages, then each area's
    exporter = HTMLExporter(exclude_input=True)
    for scope in scopes:
        out = Path(args.out) / scope
        out.mkdir(parents=True, exist_ok=True)
        for name in args.notebooks:
            parameters = {"snapshot": args.snapshot, "scope": scope, "fiscal_year": 2023}
            parameters.update(registry.by_notebook(name).batch_parameters)
            nb = execute_notebook(root / "notebooks" / f"{name}.ipynb", out / f"{name}.ipynb",
                                  parameters=parameters, progress_bar=False, cwd=str(root / "notebooks"))
            body, _ = exporter.from_notebook_node(nb)
            (out / f"{name}.html").write_text(body, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
