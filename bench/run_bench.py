"""Benchmark of report batches: naive papermill + nbconvert loop, `workbook run`, the
floor (plain Python), and ploomber-engine (the best off-the-shelf in-process executor)
against `workbook run --jobs 1` at equal cores, for all sections nationally and for 47
prefectures; then an unchanged re-run (incremental runs), all sections over the 312
offices (cost per notebook) and the memory of fan-outs.

Each method runs as a child process; wall time, CPU time (user + system of the whole
process tree) and peak memory (the largest sum of RSS over the process tree, sampled
every 50 ms) are recorded, as medians over `--runs` repetitions. The naive loop over
the 47-prefecture fan-out is timed once on `--naive-prefectures` prefectures and scaled
to 47 (labelled as such in the results).

    python bench/run_bench.py                # writes bench/results.json and bench/RESULTS.md
    python bench/run_bench.py --runs 1 --workloads national   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from helpers.notebook.execute import NOTEBOOKS

ROOT = Path(__file__).resolve().parents[1]
METHODS = ("naive", "workbook", "workbook_cluster", "floor", "ploomber", "workbook_1core")
# which methods each workload compares: the one-core pair (ploomber against the workbook
# with one worker) on the national pages and on notebook 01 for Okinawa
WORKLOAD_METHODS = {"national": ("naive", "workbook", "floor", "ploomber", "workbook_1core"),
                    "prefectures": ("naive", "workbook", "workbook_cluster", "floor"),
                    "okinawa_01": ("ploomber", "workbook_1core")}
BIN = Path(sys.executable).parent
SNAPSHOT = "sample-2023-09-30"
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss(pids: list[int]) -> int:
    """Sum of resident memory (bytes) of these processes."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", encoding="utf-8") as fh:
                total += int(fh.read().split()[1]) * PAGE
        except (OSError, IndexError, ValueError):
            pass
    return total


def _tree_pss(pids: list[int]) -> int:
    """Proportional set size (bytes) of a process tree: each shared page divided among
    the processes that share it. Workers forked from the fork server share its libraries,
    which a sum of resident memory counts once per process."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("Pss:"))
        except (OSError, StopIteration, ValueError):
            continue
    return total


def _tree(root: int) -> list[int]:
    """A process and all its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as fh:
                    children.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack += children.get(pid, [])
    return found


def _become_subreaper() -> None:
    """Processes orphaned below the measured command (a fork server and its workers
    outlive the run's main process by a moment) are re-parented to this process instead
    of init, so that reaping them counts their CPU time in RUSAGE_CHILDREN."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_orphans(seconds: float = 10.0) -> None:
    """Wait for the orphans of the measured command to end, and reap them."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return  # no children left
        if pid == 0:
            time.sleep(0.05)


def measure(command: list[str] | str, cwd: Path, shell: bool = False) -> dict:
    """Run a command; wall seconds, CPU seconds of the tree, peak MiB of the tree (summed
    RSS, and proportional set size)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, pss = [0], [0]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, shell=shell, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, executable="/bin/bash" if shell else None)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            pids = _tree(proc.pid)  # one walk of /proc for both figures
            peak[0] = max(peak[0], _tree_rss(pids))
            pss[0] = max(pss[0], _tree_pss(pids))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{err[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "peak_mib": peak[0] / 2**20, "peak_pss_mib": pss[0] / 2**20}


def naive_script(scopes: list[str], out: Path) -> str:
    """One papermill and one nbconvert command per notebook, one after another."""
    lines = ["set -e"]
    for scope in scopes:
        for name in NOTEBOOKS:
            target = out / scope / f"{name}.ipynb"
            extra = "-r link_suffix .html" if name == "00_scorecard" else ""
            lines.append(f"mkdir -p {out / scope}")
            lines.append(f"{BIN}/papermill notebooks/{name}.ipynb {target} -r snapshot {SNAPSHOT} "
                         f"-r scope {scope} -p fiscal_year 2023 {extra} -k python3 --no-progress-bar")
            lines.append(f"{BIN}/jupyter nbconvert --to html --no-input {target} --log-level WARN")
    return "\n".join(lines)


def prefectures() -> list[str]:
    sys.path.insert(0, str(ROOT / "src"))
    from helpers.data.snapshot import load_snapshot

    areas = load_snapshot(SNAPSHOT).areas
    return list(areas.loc[areas["level"] == "prefecture", "area_code"])


def run_method(method: str, workload: str, tmp: Path, naive_prefectures: int) -> dict:
    out = tmp / f"{method}-{workload}"
    shutil.rmtree(out, ignore_errors=True)  # a cold run: nothing to reuse
    each = ["--each", "prefecture"] if workload == "prefectures" else []
    okinawa = workload == "okinawa_01"  # notebook 01 for Okinawa, as the issue measured ploomber
    if method in ("workbook", "workbook_1core", "workbook_cluster"):
        # the cluster: a Dask LocalCluster of two worker processes on the same two cores
        jobs = {"workbook_1core": ["--jobs", "1"], "workbook_cluster": ["--cluster", "local:2"]}.get(method, [])
        narrow = ["--scope", "47", "--sections", "national_pension"] if okinawa else []
        return measure([str(BIN / "workbook"), "run", "--snapshot", SNAPSHOT, *each, *jobs, *narrow,
                        "--out", str(out)], ROOT)
    if method == "ploomber":
        narrow = ["--scope", "47", "--notebooks", "01_national_pension"] if okinawa else []
        return measure([sys.executable, str(ROOT / "bench" / "ploomber_loop.py"), "--snapshot", SNAPSHOT,
                        *each, *narrow, "--out", str(out)], ROOT)
    if method == "floor":
        return measure([sys.executable, str(ROOT / "bench" / "floor.py"), "--snapshot", SNAPSHOT,
                        *each, "--out", str(out)], ROOT)
    scopes = ["00"] if workload == "national" else prefectures()[:naive_prefectures]
    result = measure(naive_script(scopes, out), ROOT, shell=True)
    if workload == "prefectures":
        factor = 47 / naive_prefectures
        result = {"wall_s": result["wall_s"] * factor, "cpu_s": result["cpu_s"] * factor,
                  "peak_mib": result["peak_mib"], "scaled_from_prefectures": naive_prefectures}
    return result


NOTEBOOK_COUNT = {"national": len(NOTEBOOKS), "prefectures": 48 * len(NOTEBOOKS), "okinawa_01": 1}
# (name, numerator, denominator): each by wall time and by CPU time
RATIOS = (("workbook_over_floor", "workbook", "floor"), ("naive_over_workbook", "naive", "workbook"),
          ("workbook_1core_over_ploomber", "workbook_1core", "ploomber"),
          ("cluster_over_workbook", "workbook_cluster", "workbook"))


def ratios(table: dict) -> dict:
    """The ratios of the methods present, by wall time and (suffix _cpu) by CPU time;
    only between entries measured on the same day (the machine's speed drifts)."""
    found = {}
    for name, top, bottom in RATIOS:
        if top in table and bottom in table and table[top].get("measured") == table[bottom].get("measured"):
            found[name] = round(table[top]["wall_s"] / table[bottom]["wall_s"], 2)
            found[f"{name}_cpu"] = round(table[top]["cpu_s"] / table[bottom]["cpu_s"], 2)
            tops, bottoms = table[top].get("cpu_by_round"), table[bottom].get("cpu_by_round")
            if tops and bottoms and len(tops) == len(bottoms):
                # the same round: run one after the other, so in the same state of the machine
                by_round = [round(t / b, 2) for t, b in zip(tops, bottoms)]
                found[f"{name}_cpu_by_round"] = by_round
                found[f"{name}_cpu_paired"] = round(statistics.median(by_round), 2)
    return found


def refresh_ratios(results: dict) -> None:
    """Every workload's ratios computed again from its entries (a ratio is never kept
    beside entries it was not computed from)."""
    for table in results["workloads"].values():
        for key in [k for k, v in table.items() if not isinstance(v, dict)]:
            del table[key]
        table.update(ratios(table))


def incremental_check(tmp: Path) -> dict:
    """The 47-prefecture fan-out run twice into the same folder: the second run has the
    same snapshot, plan, parameters and code, so every page is reused."""
    out = tmp / "incremental"
    shutil.rmtree(out, ignore_errors=True)
    command = [str(BIN / "workbook"), "run", "--snapshot", SNAPSHOT, "--each", "prefecture", "--out", str(out)]
    first = measure(command, ROOT)
    again = measure(command, ROOT)
    print(f"incremental first {first['wall_s']:.1f}s re-run {again['wall_s']:.1f}s", flush=True)
    return {"first_wall_s": round(first["wall_s"], 2), "rerun_wall_s": round(again["wall_s"], 2),
            "rerun_cpu_s": round(again["cpu_s"], 2), "speedup": round(first["wall_s"] / again["wall_s"], 1)}


def offices_check(tmp: Path) -> dict:
    """All sections for each of the 312 offices (and the nation's pages): cost per notebook."""
    out = tmp / "offices"
    shutil.rmtree(out, ignore_errors=True)
    sample = measure([str(BIN / "workbook"), "run", "--snapshot", SNAPSHOT, "--each", "office", "--out", str(out)],
                     ROOT)
    notebooks = len(NOTEBOOKS) * (312 + 1)
    print(f"offices     {notebooks} notebooks wall {sample['wall_s']:.1f}s", flush=True)
    return {"notebooks": notebooks, "wall_s": round(sample["wall_s"], 2), "cpu_s": round(sample["cpu_s"], 2),
            "peak_mib": round(sample["peak_mib"], 2),
            "wall_ms_per_notebook": round(1000 * sample["wall_s"] / notebooks, 1),
            "cpu_ms_per_notebook": round(1000 * sample["cpu_s"] / notebooks, 1)}


def memory_check(tmp: Path, runs: int) -> dict:
    """Peak memory of a fan-out over 8 regions and over all 312 offices (04_records,
    the quickest section): memory must not grow with the number of areas."""
    table = {}
    for level in ("region", "office"):
        samples = []
        for _ in range(runs):
            out = tmp / f"memory-{level}"
            shutil.rmtree(out, ignore_errors=True)
            samples.append(measure([str(BIN / "workbook"), "run", "--snapshot", SNAPSHOT, "--each", level,
                                    "--sections", "records", "--out", str(out)], ROOT))
            print(f"memory      {level:8s} wall {samples[-1]['wall_s']:.1f}s peak {samples[-1]['peak_mib']:.0f} MiB",
                  flush=True)
        table[level] = {k: round(statistics.median(s[k] for s in samples), 2) for k in ("wall_s", "cpu_s", "peak_mib")}
        table[level]["notebooks"] = (8 if level == "region" else 312) + 1  # and the nation's page
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="repetitions per method (median reported)")
    parser.add_argument("--naive-runs", type=int, default=1, help="repetitions of the slow naive loop")
    parser.add_argument("--naive-prefectures", type=int, default=2)
    parser.add_argument("--workloads", nargs="*", default=list(WORKLOAD_METHODS))
    parser.add_argument("--skip", nargs="*", default=[], choices=METHODS,
                        help="methods not to run (with --merge their earlier entries are kept, with their date)")
    parser.add_argument("--prefecture-runs", type=int, default=1,
                        help="repetitions over the 47 prefectures (each run takes minutes)")
    parser.add_argument("--extras", action=argparse.BooleanOptionalAction, default=True,
                        help="also the incremental re-run and the 312-office run")
    parser.add_argument("--note", help="a sentence to keep with the results (e.g. what changed between runs)")
    parser.add_argument("--merge", action="store_true",
                        help="keep the other entries of the existing bench/results.json")
    parser.add_argument("--memory", action=argparse.BooleanOptionalAction, default=True,
                        help="also measure peak memory of 8-region and 312-office fan-outs")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=True,
                        help="write bench/results.json and bench/RESULTS.md")
    parser.add_argument("--render", action="store_true",
                        help="only write bench/RESULTS.md again from bench/results.json")
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
        refresh_ratios(saved)
        (ROOT / "bench" / "RESULTS.md").write_text(render_markdown(saved), encoding="utf-8")
        return 0
    _become_subreaper()

    results: dict = {"date": dt.date.today().isoformat(), "cores": os.cpu_count(), "snapshot": SNAPSHOT,
                     "runs": args.runs, "workloads": {}}
    existing = ROOT / "bench" / "results.json"
    if args.merge and existing.is_file():
        results = json.loads(existing.read_text(encoding="utf-8"))
        for table in results["workloads"].values():  # entries kept from the earlier run say when
            for entry in table.values():
                if isinstance(entry, dict):
                    entry.setdefault("measured", results["date"])
        results["date"] = dt.date.today().isoformat()
    with tempfile.TemporaryDirectory(prefix="workbook-bench-") as tmp:
        for workload in args.workloads:
            methods = tuple(m for m in WORKLOAD_METHODS[workload] if m not in args.skip)
            repeats = {m: args.naive_runs if m == "naive" else
                       args.prefecture_runs if workload == "prefectures" else args.runs for m in methods}
            samples: dict[str, list[dict]] = {m: [] for m in methods}
            # round-robin over the methods, so that a machine that slows down or speeds
            # up during the bench moves every method alike instead of one of them
            for i in range(max(repeats.values())):
                for method in methods:
                    if i >= repeats[method]:
                        continue
                    sample = run_method(method, workload, Path(tmp), args.naive_prefectures)
                    print(f"{workload:11s} {method:8s} run {i + 1}/{repeats[method]}: wall {sample['wall_s']:.1f}s "
                          f"cpu {sample['cpu_s']:.1f}s peak {sample['peak_mib']:.0f} MiB", flush=True)
                    samples[method].append(sample)
            earlier = results["workloads"].get(workload, {}) if args.merge else {}
            table = {m: earlier[m] for m in WORKLOAD_METHODS[workload] if m in args.skip and m in earlier}
            for method in methods:
                entry = {k: round(statistics.median(s[k] for s in samples[method]), 2)
                         for k in ("wall_s", "cpu_s", "peak_mib")}
                entry["samples"] = len(samples[method])
                entry["cpu_by_round"] = [round(sample["cpu_s"], 2) for sample in samples[method]]
                entry["measured"] = dt.date.today().isoformat()
                entry["cpu_ms_per_notebook"] = round(1000 * entry["cpu_s"] / NOTEBOOK_COUNT[workload], 1)
                if "scaled_from_prefectures" in samples[method][0]:
                    entry["scaled_from_prefectures"] = samples[method][0]["scaled_from_prefectures"]
                table[method] = entry
            table.update(ratios(table))
            results["workloads"][workload] = table
        if args.extras:
            results["incremental"] = incremental_check(Path(tmp))
            results["offices"] = offices_check(Path(tmp))
        if args.memory:
            results["memory"] = memory_check(Path(tmp), 1)
    refresh_ratios(results)  # the workloads kept from an earlier run too
    if args.note:
        results.setdefault("notes", []).append(args.note)
    if args.write:
        (ROOT / "bench" / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n",
                                                     encoding="utf-8")
        (ROOT / "bench" / "RESULTS.md").write_text(render_markdown(results), encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


def render_markdown(results: dict) -> str:
    """bench/RESULTS.md from the results."""
    lines = [
        "# Benchmark: report batches",
        "",
        f"Measured {results['date']} on this machine ({results['cores']} cores), snapshot "
        f"`{results['snapshot']}`, by `python bench/run_bench.py` (rows marked with another date are kept from "
        "an earlier run, and no ratio is taken across days). Medians of the "
        "samples column (the 47-prefecture runs take minutes each, and are sampled fewer times). "
        "CPU is user + system time of the whole process tree (orphaned workers included); "
        "peak memory is the largest sum of resident memory over the tree.",
        "",
        "- **naive**: one `papermill` and one `jupyter nbconvert --to html --no-input` command per notebook, "
        "sequential.",
        "- **workbook**: `workbook run` (in-process papermill engine in warm worker processes, one per core; "
        "HTML exported in-process).",
        "- **floor**: the notebooks' code cells (exported with nbconvert) as plain Python, one long-lived "
        "process per core, writing the same charts and tables (no HTML pages, no Excel).",
        "- **ploomber**: ploomber-engine's `execute_notebook` (the notebook's code in one process, no kernel) and "
        "nbconvert's HTML export in the same process, one notebook after another: one core.",
        "- **workbook_1core**: `workbook run --jobs 1`, to compare with ploomber at equal cores.",
        "- **workbook_cluster**: `workbook run --cluster local:2`: the same pages on a Dask LocalCluster of two "
        "worker processes (one thread each) on the same two cores, the run's inputs shipped to the workers and "
        "the pages sent back: the cost of distribution.",
        "",
        "Every run starts cold: a new output folder, so nothing is reused from an earlier run. The "
        "methods take turns (one sample of each, then the next round), so that a change in the machine's "
        "speed during the bench affects them alike.",
        "",
    ]
    names = {"national": f"All sections, 全国 ({len(NOTEBOOKS)} notebooks)",
             "prefectures": f"All sections × 47 prefectures and 全国 ({48 * len(NOTEBOOKS)} notebooks)",
             "okinawa_01": "Notebook 01 (国民年金) for 沖縄県, one core"}
    for workload, table in results["workloads"].items():
        lines += [f"## {names.get(workload, workload)}", "",
                  "| method | wall (s) | CPU (s) | CPU per notebook (ms) | peak memory (MiB) | samples |",
                  "| --- | ---: | ---: | ---: | ---: | --- |"]
        for method in METHODS:
            if method not in table:
                continue
            row = table[method]
            note = str(row["samples"])
            if "scaled_from_prefectures" in row:
                note += f" (timed on {row['scaled_from_prefectures']} prefectures, scaled ×47/{row['scaled_from_prefectures']})"
            if row.get("measured", results["date"]) != results["date"]:
                note += f", measured {row.get('measured', 'earlier')}"
            per = row.get("cpu_ms_per_notebook", 1000 * row["cpu_s"] / NOTEBOOK_COUNT.get(workload, 1))
            lines.append(f"| {method} | {row['wall_s']:.1f} | {row['cpu_s']:.1f} | {per:.0f} | {row['peak_mib']:.0f} "
                         f"| {note} |")
        shown = {"workbook_over_floor": "workbook / floor", "naive_over_workbook": "naive / workbook",
                 "workbook_1core_over_ploomber": "workbook --jobs 1 / ploomber",
                 "cluster_over_workbook": "--cluster local:2 / local pool"}
        parts = [f"{label} = **{table[key]:.2f}** wall, **{table[key + '_cpu']:.2f}** CPU"
                 for key, label in shown.items() if key in table and key + "_cpu" in table]
        lines += ["", "; ".join(parts), ""]
        paired = [f"{label}: median **{table[key + '_cpu_paired']:.2f}** (rounds "
                  f"{', '.join(f'{r:.2f}' for r in table[key + '_cpu_by_round'])})"
                  for key, label in shown.items() if key + "_cpu_paired" in table]
        if paired:
            lines += ["CPU ratio of each round (the two methods measured one after the other, so in the same "
                      "state of the machine): " + "; ".join(paired) + ".", ""]
    if "incremental" in results:
        inc = results["incremental"]
        lines += ["## Unchanged re-run (47 prefectures and 全国, all sections)", "",
                  "| run | wall (s) |", "| --- | ---: |",
                  f"| first (cold) | {inc['first_wall_s']:.1f} |", f"| re-run, nothing changed | {inc['rerun_wall_s']:.1f} |",
                  "", f"first / re-run = **{inc['speedup']:.1f}**", ""]
    if "offices" in results:
        off = results["offices"]
        lines += ["## All sections over the 312 offices", "",
                  f"{off['notebooks']} notebooks (312 offices and 全国) in {off['wall_s']:.1f} s wall, "
                  f"{off['cpu_s']:.1f} s CPU, peak {off['peak_mib']:.0f} MiB: "
                  f"**{off['wall_ms_per_notebook']:.0f} ms wall** and {off['cpu_ms_per_notebook']:.0f} ms CPU per notebook.",
                  ""]
    for note in results.get("notes", []):
        lines += [f"Note: {note}", ""]
    if "memory" in results:
        m = results["memory"]
        lines += ["## Memory of a fan-out (04_records only, the nation's page included)", "",
                  "| fan-out | notebooks | wall (s) | peak memory (MiB) |", "| --- | ---: | ---: | ---: |"]
        for level, row in m.items():
            lines.append(f"| each {level} | {row['notebooks']} | {row['wall_s']:.1f} | {row['peak_mib']:.0f} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
