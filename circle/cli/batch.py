"""``circle batch``: many studies, or the tiles of a large one, on a Dask cluster."""

from __future__ import annotations

import argparse
import sys
import textwrap
from pathlib import Path

from circle.cli._common import EXIT_BAD_INPUT, EXIT_OK, cli_author


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "batch",
        help="run many studies (or tiles of a large one) on a Dask cluster",
        description=textwrap.dedent(
            """\
            Run every study of a batch file (YAML) as one task on a Dask distributed cluster;
            a study with `tiles: {columns: C, rows: R}` runs as C×R tasks, one per tile of
            its bbox. Each study is written to OUT/NAME (tiles to OUT/NAME/rRcC) exactly as
            `circle analyze` would write it. A failing study is reported and the others go
            on; a re-run skips the studies already complete. Without --scheduler a local
            cluster is started on this machine. Batch file:

              defaults: {preset: gb50180_2018, profile: standard}
              studies:
                - {name: chengdu, source: data/chengdu.osm.pbf}
                - {name: core, source: city.osm.pbf, bbox: "104.05,30.65,104.10,30.70"}
                - {name: big, source: city.osm.pbf, bbox: "...", tiles: {columns: 4, rows: 4}}"""
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    cmd.add_argument("config", help="the batch file (YAML)")
    cmd.add_argument("--out", required=True, help="folder for the studies and batch-report.json")
    cmd.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="an existing Dask scheduler")
    cmd.add_argument("--workers", type=int, default=2, help="worker processes of the local cluster (default 2)")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    from circle.tasks.batch import REPORT, read_batch_file, run_batch  # circle --help must not load the pipeline: 0.7 s

    plan = read_batch_file(args.config, args.out)
    where = args.scheduler or f"a local cluster of {args.workers} workers"
    print(f"{plan.steps} task(s) on {where}", file=sys.stderr, flush=True)
    done = [0]

    def on_result(result) -> None:
        done[0] += 1
        detail = result.message.splitlines()[0][:160] if result.message else f"{result.seconds:.1f} s"
        if result.attempts > 1:
            detail += f" ({result.attempts} attempts)"
        print(f"[{done[0]}/{plan.steps}] {result.status:7} {result.name}: {detail}", file=sys.stderr, flush=True)
        _record(result)

    results = run_batch(plan, args.out, scheduler=args.scheduler, workers=args.workers, on_result=on_result)
    failed = [r for r in results if r.status == "failed"]
    counts = {s: sum(r.status == s for r in results) for s in ("done", "skipped", "failed")}
    print(
        f"{counts['done']} done, {counts['skipped']} skipped (already complete), {counts['failed']} failed; "
        f"report: {Path(args.out) / REPORT}"
    )
    return EXIT_BAD_INPUT if failed else EXIT_OK


def _record(result) -> None:
    """Record a study the batch built or failed to build in its studies folder's audit log (tiles are not studies)."""
    # circle --help must not load the audit log's database and study folder: 0.9 s
    from circle.deploy.audit import record

    folder = getattr(result, "folder", None)
    if result.status not in ("done", "failed") or "/" in result.name or not folder:
        return
    study = Path(folder).expanduser().absolute()
    if not study.parent.is_dir():
        return
    outcome = "done" if result.status == "done" else "refused"
    facts = {"outcome": outcome, "batch": True, "blocks": result.blocks}
    if result.message and outcome == "refused":
        facts["message"] = result.message.splitlines()[0][:300]
    record(study.parent, cli_author(), None, "build_study", study.name, **facts)
