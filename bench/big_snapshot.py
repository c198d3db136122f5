"""Memory and time on a large snapshot: `workbook validate` and the national run of every
section on the sample and on a snapshot N times its size (each office copied N times,
as CSV, the format an office system exports), to show the cost grows with the rows.

The copies keep their office's figures, so rates stay as in the sample and counts grow
N times; the snapshot is written to a temporary folder and removed afterwards.

    python bench/big_snapshot.py              # 1x and 10x; writes bench/big_snapshot.json
    python bench/big_snapshot.py --times 3    # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_bench import _become_subreaper  # noqa: E402  (the main bench's tree sampling)
from run_bench import measure as run_bench_measure  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "data" / "snapshots" / "sample-2023-09-30"
BIN = Path(sys.executable).parent


def write_scaled(times: int, folder: Path) -> int:
    """The sample with every office copied `times` times (codes PP + 3 digits, each copy
    in its own block of 50), as a CSV snapshot; returns the number of measure rows."""
    areas = pd.read_csv(SOURCE / "areas.csv", dtype=str, keep_default_na=False)
    measures = pd.read_parquet(SOURCE / "measures.parquet")
    offices = areas[areas["level"] == "office"]
    if times > 1 and offices["area_code"].str[2:].astype(int).max() >= 50:
        raise SystemExit("an office number of 50 or more: the copies' codes would collide")
    copies, measure_copies = [areas[areas["level"] != "office"]], [measures[~measures["area_code"].isin(offices["area_code"])]]
    office_rows = measures[measures["area_code"].isin(offices["area_code"])]
    for k in range(times):
        def code(c: pd.Series, k=k) -> pd.Series:
            return c.str[:2] + (c.str[2:].astype(int) + 50 * k).astype(str).str.zfill(3)
        copy = offices.copy()
        copy["area_code"] = code(copy["area_code"])
        if k:
            copy["name_ja"] = copy["name_ja"] + f"（写し{k}）"
        copies.append(copy)
        rows = office_rows.copy()
        rows["area_code"] = code(rows["area_code"])
        measure_copies.append(rows)
    folder.mkdir(parents=True)
    areas_out = pd.concat(copies)
    measures_out = pd.concat(measure_copies)
    measures_out["premium_fy"] = measures_out["premium_fy"].astype("Int64")
    areas_out.to_csv(folder / "areas.csv", index=False)
    measures_out.to_csv(folder / "measures.csv", index=False)
    manifest = yaml.safe_load((SOURCE / "manifest.yaml").read_text(encoding="utf-8"))
    manifest["id"] = folder.name
    manifest["tables"] = {name: {"file": f"{name}.csv", "sha256": _sha(folder / f"{name}.csv"), "rows": len(frame)}
                          for name, frame in (("areas", areas_out), ("measures", measures_out))}
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                          encoding="utf-8")
    return len(measures_out)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def measure(command: list[str]) -> dict:
    """Wall and CPU seconds of a command's process tree and the peaks of its summed
    resident memory and of its proportional set size (`run_bench.measure`)."""
    sample = run_bench_measure(command, ROOT)
    return {"wall_s": round(sample["wall_s"], 1), "cpu_s": round(sample["cpu_s"], 1),
            "peak_rss_mib": round(sample["peak_mib"]), "peak_pss_mib": round(sample["peak_pss_mib"])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, nargs="+", default=[1, 10])
    args = parser.parse_args()
    results = []
    os.environ["WORKBOOK_ROOT"] = str(ROOT)
    _become_subreaper()
    for times in args.times:
        with tempfile.TemporaryDirectory(prefix="workbook-big-") as tmp:
            folder = Path(tmp) / f"big{times}x-2023-09-30"
            rows = write_scaled(times, folder)
            size = (folder / "measures.csv").stat().st_size
            validate = measure([str(BIN / "workbook"), "validate", str(folder)])
            run = measure([str(BIN / "workbook"), "run", "--snapshot", str(folder), "--out",
                           str(Path(tmp) / "reports"), "--compare-with", "none"])
            results.append({"times": times, "rows": rows, "csv_mib": round(size / 2**20), "validate": validate,
                            "run_national": run})
            print(json.dumps(results[-1], ensure_ascii=False))
    here = Path(__file__).parent
    (here / "big_snapshot.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (here / "BIG_SNAPSHOT.md").write_text(render(results), encoding="utf-8")
    return 0


def render(results: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = ["# Benchmark: a large snapshot", "",
             f"Measured {dt.date.today()} on this machine ({os.cpu_count()} cores) by `python bench/big_snapshot.py`, "
             "one sample each. The sample snapshot with every office copied N times, written as CSV. "
             "CPU is user + system of the whole process tree. Peak RSS is the largest sum of resident memory over the "
             "tree (as bench/RESULTS.md reports it: it counts the libraries that the workers share with their fork "
             "server once per process); peak PSS divides each shared page among the processes sharing it, so it is "
             "the memory the run takes from the machine.", "",
             "| size | rows | CSV (MiB) | step | wall (s) | CPU (s) | peak RSS (MiB) | peak PSS (MiB) |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
    for r in results:
        for step, label in (("validate", "workbook validate"), ("run_national", "workbook run (all sections, 全国)")):
            m = r[step]
            lines.append(f"| {r['times']}x | {r['rows']:,} | {r['csv_mib']} | {label} | {m['wall_s']} | {m['cpu_s']} | "
                         f"{m['peak_rss_mib']} | {m['peak_pss_mib']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
