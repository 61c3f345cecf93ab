"""The speed and scale harness.

Usage::

    python benchmarks/run.py [--quick] [--json OUT.json] [--runs N] [--workloads andorra,megacity,public]

Every measurement runs in a fresh worker subprocess (so each peak memory is
its own); every timing is the median of ``--runs`` runs. The pandana and
networkx baselines run on the same graph in the same invocation. The
``public`` workload is :mod:`benchmarks.public_load` (the published resident
site under wrk against the Streamlit resident page) on the default study.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

COLUMNS = [
    ("name", "workload", "{}"),
    ("nodes", "nodes", "{:,}"),
    ("blocks", "blocks", "{:,}"),
    ("facilities", "facilities", "{:,}"),
    ("ingest_s", "ingest s", "{:.2f}"),
    ("engine_s", "engine s", "{:.2f}"),
    ("engine_node_to_node_s", "engine n2n s", "{:.2f}"),
    ("pandana_s", "pandana s", "{:.2f}"),
    ("ratio_vs_pandana", "× pandana", "{:.1f}"),
    ("naive_s_estimated", "naive s (est.)", "{:,.0f}"),
    ("isochrone_ms_median", "isochrone ms", "{:.0f}"),
    ("whatif_ms_median", "what-if ms", "{:.1f}"),
    ("peak_rss_mb", "peak MB", "{:,.0f}"),
    ("analyze_s", "analyze s", "{:.1f}"),
]


def main(argv: list[str] | None = None) -> int:
    """Run the harness (or one worker, when called with --worker)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="megacity of about 200,000 nodes instead of 1,000,000")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--runs", type=int, default=None, help="runs per timing (default 3, quick 3)")
    parser.add_argument("--workloads", default="andorra,megacity")
    parser.add_argument("--no-pandana", action="store_true")
    parser.add_argument("--no-naive", action="store_true")
    parser.add_argument("--naive-sample", type=int, default=10)
    parser.add_argument("--worker", choices=["circle", "pandana", "naive"], help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    parser.add_argument("--answers", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    runs = args.runs or 3
    if args.worker:
        return _worker(args, runs)

    from benchmarks.megacity import shared_osm_folder

    wanted = {w.strip() for w in args.workloads.split(",") if w.strip()}
    if wanted - {"public"} and not shared_osm_folder().is_dir():
        print(f"the benchmarks need the real extracts in {shared_osm_folder()}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for workload in [w.strip() for w in args.workloads.split(",") if w.strip()]:
            results.append(_run_workload(workload, args, runs, Path(scratch)))
    report = {
        "machine": _machine(),
        "quick": args.quick,
        "runs": runs,
        "harness_s": round(time.perf_counter() - started, 1),
        "workloads": results,
    }
    print(_table(results))
    print(
        f"\nmachine: {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"{report['machine']['memory_gb']} GB; medians of {runs} runs; {report['harness_s']} s in all"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"JSON written to {args.json}")
    return 0


def _run_workload(workload: str, args, runs: int, scratch: Path) -> dict:
    if workload == "public":
        return _public_workload(args, scratch)
    theirs = scratch / f"{workload}-pandana.npz"
    baseline = {}
    if not args.no_pandana:
        # pandana runs first: circle then solves the node-to-node problem on pandana's own node mapping
        print(f"— {workload}: pandana baseline …", file=sys.stderr, flush=True)
        baseline = _spawn("pandana", workload, args, runs, theirs)
    print(f"— {workload}: circle …", file=sys.stderr, flush=True)
    result = _spawn("circle", workload, args, runs, theirs if baseline else None)
    if baseline:
        result.update(baseline)
        result["ratio_vs_pandana"] = round(result["pandana_s"] / result["engine_node_to_node_s"], 2)
        result["ratio_full_problem_vs_pandana"] = round(result["pandana_s"] / result["engine_s"], 2)
    else:
        result.update(pandana_s=None, ratio_vs_pandana=None)
    if not args.no_naive:
        print(f"— {workload}: naive networkx baseline (sampled) …", file=sys.stderr, flush=True)
        result.update(_spawn("naive", workload, args, runs, None))
    else:
        result["naive_s_estimated"] = None
    if workload == "andorra":
        print("— andorra: circle analyze end to end …", file=sys.stderr, flush=True)
        result["analyze_s"] = _analyze_seconds(scratch, runs)
    return result


def _public_workload(args, scratch: Path) -> dict:
    """Run benchmarks/public_load.py in its own process (shorter with --quick); return its report."""
    print("— public: published site (wrk) against the Streamlit resident page …", file=sys.stderr, flush=True)
    out = scratch / "public.json"
    command = [sys.executable, str(Path(__file__).with_name("public_load.py")), "--json", str(out)]
    if args.quick:
        command += ["--duration", "10", "--streamlit-visits", "5"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"the public workload failed:\n{tail}")
    return {"name": "public", "public": json.loads(out.read_text(encoding="utf-8"))}


def _spawn(worker: str, workload: str, args, runs: int, answers: Path | None, mapping: Path | None = None) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        worker,
        "--workload",
        workload,
        "--runs",
        str(runs),
        "--naive-sample",
        str(args.naive_sample),
    ]
    if args.quick:
        command.append("--quick")
    if answers is not None:
        command += ["--answers", str(answers)]
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if completed.returncode != 0:
        tail = "\n".join(completed.stderr.strip().splitlines()[-15:])
        raise SystemExit(f"worker {worker} on {workload} failed:\n{tail}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _worker(args, runs: int) -> int:
    import contextlib
    import io

    from benchmarks import workloads

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        if args.worker == "circle":
            result = workloads.measure_circle(args.workload, args.quick, runs, args.answers)
        elif args.worker == "pandana":
            result = _quietly(lambda: workloads.measure_pandana(args.workload, args.quick, runs, args.answers))
        else:
            result = workloads.measure_naive(args.workload, args.quick, args.naive_sample)
    print(json.dumps(result))
    return 0


def _quietly(function):
    """Run pandana with its C++ progress output (written to fd 1) sent to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    try:
        return function()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _analyze_seconds(scratch: Path, runs: int) -> float:
    from benchmarks.workloads import andorra_path

    circle = Path(sys.executable).parent / "circle"
    command = [str(circle)] if circle.exists() else [sys.executable, "-m", "circle.cli"]
    seconds = []
    for run in range(runs):
        out = scratch / f"andorra-study-{run}"
        start = time.perf_counter()
        subprocess.run(
            [*command, "analyze", str(andorra_path()), "--out", str(out), "--quiet"],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        seconds.append(time.perf_counter() - start)
    seconds.sort()
    return round(seconds[len(seconds) // 2], 2)


def _machine() -> dict:
    import numba
    import psutil

    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": cpu,
        "python": platform.python_version(),
        "numba_threads": numba.get_num_threads(),
        "platform": platform.platform(),
    }


def _table(results: list[dict]) -> str:
    header = [label for _, label, _ in COLUMNS]
    rows = []
    for result in results:
        if "public" in result:
            continue  # the public workload has a table of its own, below
        row = []
        for key, _, fmt in COLUMNS:
            value = result.get(key)
            row.append("—" if value is None else fmt.format(value))
        rows.append(row)
    lines = []
    if rows:
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        lines = ["  ".join(h.rjust(w) for h, w in zip(header, widths, strict=True))]
        lines += ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    notes = []
    for result in results:
        if "answers_time_cells" in result:
            notes.append(
                f"{result['name']}: node-to-node answers vs pandana: max |Δt| = "
                f"{result['answers_max_time_difference_s']} s over {result['answers_time_cells']:,} times; "
                f"{result['answers_blocks_with_times_off_by_more_than_1s']} block-categories with a time off by "
                f"> 1 s, {result['answers_count_cells_different']} of {result['answers_count_cells']:,} counts "
                f"differ; checked with an exact Dijkstra: "
                f"{result['answers_disagreements_explained_by_rounding_at_an_edge']} explained by pandana's "
                f"rounding at a threshold or the limit, {result['answers_disagreements_unexplained']} unexplained"
            )
        if result.get("public"):
            from benchmarks.public_load import table

            notes.append(f"{result['name']}:\n{table(result['public'])}")
        if result.get("naive_note"):
            notes.append(f"{result['name']}: naive = {result['naive_note']}")
        if result.get("ingest"):
            notes.append(f"{result['name']}: ingest = {result['ingest']}")
        if result.get("generation_s") is not None:
            notes.append(f"{result['name']}: one-time generation from the OSM tiles took {result['generation_s']} s")
    return "\n".join([*lines, "", *notes])


if __name__ == "__main__":
    sys.exit(main())
