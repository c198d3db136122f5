"""The national run of every section (`workbook run`, nothing reused) with this checkout's
helpers against another checkout's, taking turns round by round so that the machine's
drift affects both alike; medians of wall and CPU seconds.

    git worktree add ../before <commit>
    python bench/compare_checkouts.py ../before --rounds 5 --label "before → after"

Both run on this checkout's snapshots, plan and notebooks (WORKBOOK_ROOT); only the
`helpers` code differs. Results are appended to bench/compare_checkouts.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import _become_subreaper  # noqa: E402
from run_bench import measure as run_bench_measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("other", help="the other checkout (its src/ is put first on PYTHONPATH)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    _become_subreaper()
    other = Path(args.other).resolve()
    commits = {name: subprocess.run(["git", "-C", str(path), "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip() for name, path in (("other", other), ("this", ROOT))}
    samples: dict[str, list[dict]] = {"other": [], "this": []}
    for _ in range(args.rounds):
        for name, src in (("other", other / "src"), ("this", ROOT / "src")):
            with tempfile.TemporaryDirectory(prefix="workbook-compare-") as out:
                os.environ.update(WORKBOOK_ROOT=str(ROOT), PYTHONPATH=str(src))
                samples[name].append(run_bench_measure(
                    [sys.executable, "-m", "helpers.cli", "run", "--snapshot", "sample-2023-09-30", "--out", out,
                     "--force"], ROOT))
    row = {"date": dt.date.today().isoformat(), "label": args.label, "rounds": args.rounds, "cores": os.cpu_count(),
           **{f"{name}_{key}": round(statistics.median(s[key] for s in samples[name]), 2)
              for name in samples for key in ("wall_s", "cpu_s")},
           "commits": commits}
    row["wall_ratio_this_over_other"] = round(row["this_wall_s"] / row["other_wall_s"], 3)
    out = Path(__file__).parent / "compare_checkouts.json"
    rows = json.loads(out.read_text()) if out.exists() else []
    out.write_text(json.dumps(rows + [row], ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(row, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
