"""The floor of the batch benchmark: the notebooks' code cells, exported with nbconvert,
run as plain Python without Jupyter, in one long-lived process per core that imports
once and then executes every run's code in turn, writing the same charts (PNG) and
tables (HTML) that the notebooks display.

    python bench/floor.py --snapshot sample-2023-09-30 [--each prefecture] [--jobs 2] --out DIR
"""

from __future__ import annotations

import argparse
import ast
import multiprocessing
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from helpers.notebook.execute import NOTEBOOKS
from helpers.sections import registry

_CELL = re.compile(r"^# In\[[ 0-9]*\]:\s*$", re.M)


def export_cells(path: Path) -> list[str]:
    """The notebook's code cells, via nbconvert's Python exporter."""
    from nbconvert import PythonExporter

    script, _ = PythonExporter().from_filename(str(path))
    return [c.strip() for c in _CELL.split(script)[1:] if c.strip()]


def _render(value, stem: Path) -> None:
    """Write what a notebook would display for a cell's last expression."""
    from matplotlib.figure import Figure

    from helpers.report.plots import png_bytes

    if isinstance(value, Figure):  # as the notebook's PNG formatter renders it (one draw)
        stem.with_suffix(".png").write_bytes(png_bytes(value))
    elif hasattr(value, "_repr_html_"):
        stem.with_suffix(".html").write_text(value._repr_html_(), encoding="utf-8")
    elif hasattr(value, "data") and isinstance(value.data, str):  # IPython Markdown
        stem.with_suffix(".md").write_text(value.data, encoding="utf-8")


def run_code(cells: list[str], parameters: dict, out: Path) -> None:
    """One run: a fresh namespace, the parameters after the parameters cell."""
    import contextlib
    import io

    out.mkdir(parents=True, exist_ok=True)
    namespace: dict = {"__name__": "__main__"}
    sources = [cells[0], "\n".join(f"{k} = {v!r}" for k, v in parameters.items()), *cells[1:]]
    with contextlib.redirect_stdout(io.StringIO()):
        for i, source in enumerate(sources):
            tree = ast.parse(source)
            last = tree.body[-1] if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            if last is not None:
                tree.body = tree.body[:-1]
            exec(compile(tree, f"<cell {i}>", "exec"), namespace)
            if last is not None:
                value = eval(compile(ast.Expression(last.value), f"<cell {i}>", "eval"), namespace)
                _render(value, out / f"cell{i:02d}")


_CELLS: dict[str, list[str]] = {}


def _task(name: str, parameters: dict, out: str) -> float:
    started = time.perf_counter()
    run_code(_CELLS[name], parameters, Path(out))
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", default="sample-2023-09-30")
    parser.add_argument("--each", choices=["prefecture"])
    parser.add_argument("--jobs", type=int, default=multiprocessing.cpu_count())
    parser.add_argument("--limit", type=int, default=0, help="only the first N areas")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    root = Path(__file__).resolve().parents[1]
    for name in NOTEBOOKS:
        _CELLS[name] = export_cells(root / "notebooks" / f"{name}.ipynb")
    scopes = ["00"]
    if args.each:
        from helpers.data.snapshot import load_snapshot

        areas = load_snapshot(args.snapshot).areas
        scopes += list(areas.loc[areas["level"] == args.each, "area_code"])  # as the workbook: the nation's pages too
    if args.limit:
        scopes = scopes[: args.limit]
    tasks = [(name, {"snapshot": args.snapshot, "scope": scope, "fiscal_year": 2023,
                     **registry.by_notebook(name).batch_parameters},
              str(Path(args.out) / scope / name)) for scope in scopes for name in NOTEBOOKS]
    # imports happen once per worker process (forked after the cells are exported)
    with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        seconds = list(pool.map(_task, *zip(*tasks)))
    print(f"floor: {len(tasks)} runs, {sum(seconds):.1f}s of run time", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
