"""Large cell output through papermill: one cell printing N lines of 99 characters, run
by `papermill --engine workbook` and by papermill's default engine (a Jupyter kernel),
for N = 10,000, 20,000 and 100,000. Appending to a stream must cost the same for every
write, so the workbook engine's time grows in proportion to N.

    python bench/large_output.py                  # writes bench/large_output.json and LARGE_OUTPUT.md
    python bench/large_output.py --src OTHER/src  # the same for another checkout's helpers (before/after)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import _become_subreaper  # noqa: E402
from run_bench import measure as run_bench_measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LINES = (10_000, 20_000, 100_000)
LIMIT_S = 150  # a run still going after this is stopped and reported as such


def notebook(lines: int, folder: Path) -> Path:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nb = new_notebook(cells=[new_code_cell(f"for i in range({lines}):\n    print(f'{{i:06d}}' + 'x' * 92)")])
    nb.metadata = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    path = folder / f"print_{lines}.ipynb"
    nbformat.write(nb, path)
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", help="the src/ folder whose helpers to measure (default: this checkout's)")
    parser.add_argument("--label", default="after")
    args = parser.parse_args()
    if args.src:
        os.environ["PYTHONPATH"] = str(Path(args.src).resolve())
    _become_subreaper()
    results = []
    with tempfile.TemporaryDirectory(prefix="workbook-output-") as tmp:
        for lines in LINES:
            source = notebook(lines, Path(tmp))
            for engine in ("workbook", "kernel"):
                command = ["timeout", str(LIMIT_S), sys.executable, "-m", "papermill", str(source),
                           str(Path(tmp) / f"out-{engine}-{lines}.ipynb"), "--no-progress-bar"]
                if engine == "workbook":
                    command += ["--engine", "workbook"]
                try:
                    sample = run_bench_measure(command, ROOT)
                    row = {"wall_s": round(sample["wall_s"], 2), "cpu_s": round(sample["cpu_s"], 2)}
                except RuntimeError:
                    row = {"wall_s": None, "cpu_s": None, "note": f"did not finish in {LIMIT_S} s"}
                results.append({"label": args.label, "engine": engine, "lines": lines, **row})
                print(json.dumps(results[-1]), flush=True)
    here = Path(__file__).parent
    out = here / "large_output.json"
    earlier = [r for r in (json.loads(out.read_text()) if out.exists() else []) if r["label"] != args.label]
    results = earlier + results
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    lines = ["# Benchmark: large cell output", "",
             f"Measured {dt.date.today()} on this machine ({os.cpu_count()} cores) by `python bench/large_output.py`, "
             "one sample each: one cell printing N lines of 99 characters, through `papermill` (the whole command: "
             "start, execution, writing the notebook). CPU is user + system of the process tree.", "",
             "| code | engine | lines | wall (s) | CPU (s) |", "| --- | --- | ---: | ---: | ---: |"]
    for r in results:
        wall = r["note"] if r.get("note") else r["wall_s"]
        lines.append(f"| {r['label']} | {r['engine']} | {r['lines']:,} | {wall} | {r['cpu_s'] or '—'} |")
    (here / "LARGE_OUTPUT.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
