"""The city workload: the path a planner takes, on mosaics of 1 to 100 copies of a real extract.

Usage::

    python benchmarks/city.py [--tiles 1,4,16,64,100] [--runs 3] [--extract chengdu]
                              [--skip report,browser] [--json OUT.json]

For each size it takes the cached mosaic (:mod:`benchmarks.mosaic`, made on
first use) and times, as separate processes a user would start:

- ``circle analyze`` end to end, with each stage's time from the study's
  ``summary.json`` and the process's peak memory (the operating system's
  account of the finished child, ``wait4``);
- the engine's one-pass floor on the same study: one plain Dijkstra pass per
  category from all its facilities over the engine's contracted graph, the
  least any exact nearest-facility search must do;
- ``circle score``, ``circle indicators``, ``circle compare`` (the study
  with itself), a closure of every flight of steps (``circle whatif
  --close-steps``) and ``circle report --lang zh``;
- in Debian's headless Chromium against ``streamlit run app.py`` on
  127.0.0.1 with sign-in on: the planner page's first map (from the sign-in page's document loaded,
  Streamlit still starting, to the map drawn; with its parts: the sign-in form drawn, and from
  pressing 登录 to the map), one click (until the
  reached facilities are listed), one what-if (a facility added at the
  clicked point, until its result shows), and the resident page
  of one compound (until its score shows); with the server's peak memory.

Every figure is the median of ``--runs`` runs. The table gives each figure per
size and its growth exponent ``k`` between consecutive sizes and from 16 to
the largest (time ∝ tiles^k: 1 is linear).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from benchmarks.mosaic import EXTRACTS, load_or_build, shared_osm_folder  # noqa: E402
from circle.i18n import t  # noqa: E402

STAGES = ("read", "blocks", "facilities", "network", "engine", "write")
PAGE_TIMEOUT_S = 300.0


def run_process(command: list[str], env: dict | None = None, timeout_s: float = 3600.0) -> dict:
    """Run a command; return its wall seconds, peak memory (MB, from ``wait4``), exit code and output tail."""
    started = time.perf_counter()
    # the output goes to a file, not a pipe: a pipe nobody reads until the end fills at 64 kB and the
    # command then waits for ever (``circle score`` on 100 tiles did, and the harness with it)
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log, stderr=log)
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        log.seek(max(0, log.seek(0, os.SEEK_END) - 4000))
        output = log.read()
    return {
        "seconds": time.perf_counter() - started,
        "peak_mb": usage.ru_maxrss / 1024.0,
        "code": os.waitstatus_to_exitcode(status),
        "tail": output.decode("utf-8", "replace")[-2000:],
    }


def circle_command() -> list[str]:
    """Return how to start the ``circle`` command of this interpreter."""
    script = Path(sys.executable).parent / "circle"
    return [str(script)] if script.exists() else [sys.executable, "-m", "circle.cli"]


def median(values: list[float]) -> float | None:
    """Return the median, or None for no values."""
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else None


def measure_size(tiles: int, extract: str, runs: int, skip: set[str], scratch: Path) -> dict:
    """Measure every step of the user path on one mosaic size."""
    mosaic = load_or_build(tiles, extract)
    studies = scratch / f"tiles-{tiles}" / "studies"
    study = studies / "default"
    circle = circle_command()
    result: dict = {"tiles": tiles, "extract": extract, "pbf_mb": round(mosaic.megabytes, 2), "runs": runs}
    analyses = []
    for _ in range(runs):
        run = run_process([*circle, "analyze", str(mosaic.path), "--out", str(study), "--overwrite", "--quiet"])
        if run["code"] != 0:
            raise SystemExit(f"circle analyze failed on {tiles} tiles:\n{run['tail']}")
        summary = json.loads((study / "summary.json").read_text(encoding="utf-8"))
        analyses.append((run, summary))
    counts = analyses[-1][1]["counts"]
    result.update(
        blocks=counts["blocks"],
        population=counts["population"],
        walk_nodes=counts["network_nodes"],
        facilities=counts["facilities"],
        osm_objects=_objects(mosaic.path),
        analyze_s=median([r["seconds"] for r, _ in analyses]),
        analyze_peak_mb=median([r["peak_mb"] for r, _ in analyses]),
        estimated_peak_mb=analyses[-1][1]["memory"]["estimated_peak_mb"],
    )
    for stage in STAGES:
        result[f"{stage}_s"] = median([s["timings_s"].get(stage) for _, s in analyses])
    result["read_objects_per_s"] = round(result["osm_objects"] / result["read_s"]) if result["read_s"] else None
    floor = run_process([sys.executable, __file__, "--worker", "floor", "--study", str(study), "--runs", str(runs)])
    result["one_pass_floor_s"] = (
        json.loads(floor["tail"].strip().splitlines()[-1])["seconds"] if floor["code"] == 0 else None
    )
    scores = [run_process([*circle, "score", "--study", str(study)]) for _ in range(runs)]
    result.update(score_s=median([r["seconds"] for r in scores]), score_peak_mb=median([r["peak_mb"] for r in scores]))
    if "planning" not in skip:
        result.update(measure_planning(study, runs, scratch))
    if "report" not in skip:
        reports = [
            run_process([*circle, "report", "--study", str(study), "--lang", "zh", "--out", str(scratch / "r.pdf")])
            for _ in range(runs)
        ]
        ok = [r for r in reports if r["code"] == 0]
        result.update(
            report_s=median([r["seconds"] for r in ok]),
            report_peak_mb=median([r["peak_mb"] for r in ok]),
            report_failed=len(reports) - len(ok),
        )
    if "browser" not in skip and Path(CHROMIUM).exists():
        result.update(measure_pages(studies, runs))
    return result


def measure_planning(study: Path, runs: int, scratch: Path) -> dict:
    """Time what a bureau runs on a built study: the indicator sheet, a comparison, a city-wide closure.

    The closure closes every flight of steps (``--close-steps``): the reach of
    every category is recomputed over what stays open, the most a closure costs.
    """
    circle = circle_command()
    commands = {
        "indicators": [*circle, "indicators", "--study", str(study), "--out", str(scratch / "indicators.xlsx")],
        "compare": [*circle, "compare", str(study), str(study), "--out", str(scratch / "comparison")],
        "closure": [*circle, "whatif", "--study", str(study), "--close-steps", "--name", "bench-steps"],
    }
    out = {}
    for name, command in commands.items():
        timed = [run_process(command) for _ in range(runs)]
        ok = [r for r in timed if r["code"] == 0]
        if len(ok) < len(timed):
            raise SystemExit(f"circle {name} failed:\n{timed[-1]['tail']}")
        out[f"{name}_s"] = median([r["seconds"] for r in ok])
        out[f"{name}_peak_mb"] = median([r["peak_mb"] for r in ok])
    return out


def _objects(path: Path) -> int:
    from circle.sources.pbf import read_pbf

    return read_pbf(path, {}).objects


def measure_pages(studies: Path, runs: int) -> dict:
    """Time the planner and resident pages in Chromium against one server; median of ``runs`` fresh sessions."""
    import tempfile

    import geopandas as gpd
    import numpy as np

    from benchmarks.load import MemoryWatch, start_server, write_signin_config

    blocks = gpd.read_parquet(studies / "default" / "blocks.parquet", columns=["block_id", "geometry"])
    inner = blocks.geometry.representative_point()
    centre = np.array([inner.x.mean(), inner.y.mean()])
    nearest = int(np.argmin((inner.x - centre[0]) ** 2 + (inner.y - centre[1]) ** 2))
    block = (blocks["block_id"].iloc[nearest], float(inner.y.iloc[nearest]), float(inner.x.iloc[nearest]))
    settings = Path(tempfile.mkdtemp(prefix="circle-city-settings-"))
    server, url = start_server(studies, timeout_s=120, config=write_signin_config(settings, studies, 1))
    watch = MemoryWatch(server.pid)
    watch.start()
    timings: dict[str, list[float]] = {
        "signin_form_s": [],
        "first_map_s": [],
        "signin_to_map_s": [],
        "click_s": [],
        "whatif_s": [],
        "resident_s": [],
    }
    failures: list[str] = []
    try:
        for _ in range(runs + 1):  # the first is the warm-up a deployed server has had
            one = asyncio.run(_one_session(url, block))
            failures.extend(one.pop("failures"))
            if _ == 0:
                continue
            for key, value in one.items():
                timings[key].append(value)
    finally:
        watch.stop.set()
        watch.join()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(settings, ignore_errors=True)
    out = {key: median(values) for key, values in timings.items()}
    out["server_peak_mb"] = round(watch.peak_mb, 1)
    out["page_failures"] = failures[:5]
    return out


async def _one_session(url: str, block: tuple[str, float, float]) -> dict:
    """One planner session (sign-in to the first map, a click near the middle, a what-if there) and a resident page."""
    from playwright.async_api import async_playwright

    from benchmarks.load import PLANNER_PASSWORD

    timeout = int(PAGE_TIMEOUT_S * 1000)
    found: dict = {"failures": []}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(viewport={"width": 1400, "height": 1000})).new_page()
            await page.goto(f"{url}/signin?lang=zh", wait_until="domcontentloaded", timeout=timeout)
            # the first map: from the sign-in page's document loaded (Streamlit still starting: its scripts,
            # its connection, the sign-in form drawn) to the planner's map drawn; and its two parts, the
            # sign-in form drawn, then from pressing 登录 to the map
            started = time.perf_counter()
            await page.get_by_label("账户名").wait_for(timeout=timeout)
            found["signin_form_s"] = time.perf_counter() - started
            await page.get_by_label("账户名").fill("planner-1", timeout=timeout)
            await page.get_by_label("密码").fill(PLANNER_PASSWORD, timeout=timeout)
            pressed = time.perf_counter()
            await page.get_by_role("button", name="登录").click(timeout=timeout)
            frame = await _map_frame(page, PAGE_TIMEOUT_S)
            found["first_map_s"] = time.perf_counter() - started
            found["signin_to_map_s"] = time.perf_counter() - pressed
            block_id, lat, lon = block
            container = frame.locator(".leaflet-container").first
            await container.scroll_into_view_if_needed()  # a user clicks the map they see
            await page.wait_for_timeout(300)
            point = await frame.evaluate(
                """([lat, lon]) => {
                    const isMap = (k) => k.startsWith("map_") && window[k].latLngToContainerPoint;
                    const name = Object.keys(window).find(isMap);
                    const p = window[name].latLngToContainerPoint([lat, lon]);
                    return {x: p.x, y: p.y};
                }""",
                [lat, lon],
            )
            started = time.perf_counter()
            await container.click(position=point, force=True)
            await page.get_by_text("从所选位置步行可达的设施").first.wait_for(timeout=timeout)
            await _map_frame(page, PAGE_TIMEOUT_S)
            found["click_s"] = time.perf_counter() - started
            started = time.perf_counter()
            await page.get_by_role("button", name="在所选位置新增设施").click(timeout=timeout)
            # the result's headline: people newly served in the scored categories, or none where the category
            # added is one the data leaves unscored (the first category, kindergarten, is in central Chengdu)
            await page.get_by_text(WHATIF_DONE).first.wait_for(timeout=timeout)
            found["whatif_s"] = time.perf_counter() - started
            resident = await (await browser.new_context(viewport={"width": 390, "height": 844})).new_page()
            started = time.perf_counter()
            await resident.goto(
                f"{url}/resident?block={block_id}&lang=zh", wait_until="domcontentloaded", timeout=timeout
            )
            await resident.get_by_text("您所在街坊的得分").first.wait_for(timeout=timeout)
            found["resident_s"] = time.perf_counter() - started
        except Exception as error:  # a page that does not answer is reported, not fatal
            found["failures"].append(repr(error)[:300])
        finally:
            await browser.close()
    return found


#: the what-if's headlines (scored categories changed or not), whose words up to the first figure tell it has shown
WHATIF_HEADLINES = ("whatif_served_people", "whatif_served_group", "whatif_served_mixed", "whatif_scored_unchanged")
#: the what-if's result has shown, in the app's own words (so the harness follows when they change)
WHATIF_DONE = re.compile("|".join(re.escape(re.split(r"[{；（]", t(key, "zh"))[0].strip()) for key in WHATIF_HEADLINES))

#: the map has drawn: its vector layers are on their canvas and every image of the blocks has loaded
MAP_DRAWN = """() => !!document.querySelector('.leaflet-overlay-pane canvas, .leaflet-overlay-pane path')
    && [...document.querySelectorAll('.leaflet-overlay-pane img')].every((image) => image.complete)"""


async def _map_frame(page, timeout_s: float):
    """Return the frame whose Leaflet map has drawn its layers."""
    await page.wait_for_timeout(300)
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        for frame in page.frames:
            try:
                if await frame.evaluate(MAP_DRAWN):
                    return frame
            except Exception:  # frames come and go while Streamlit reruns
                continue
        await asyncio.sleep(0.1)
    raise TimeoutError("the map did not draw")


def floor_worker(study: Path, runs: int) -> float:
    """Median seconds of the one-pass floor on a study's own network and access tables."""
    from benchmarks.workloads import one_pass_floor
    from circle.analysis.saved_reach import study_problem
    from circle.study import Study

    problem = study_problem(Study.open(study))
    one_pass_floor(problem)  # load the compiled kernels
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        one_pass_floor(problem)
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def exponent(small: tuple[int, float | None], large: tuple[int, float | None]) -> float | None:
    """Return k in time ∝ tiles^k between two sizes.

    >>> round(exponent((16, 2.0), (100, 12.5)), 3)
    1.0
    """
    (n1, t1), (n2, t2) = small, large
    if not t1 or not t2 or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


FIGURES = [
    ("pbf_mb", "PBF MB", "{:.1f}"),
    ("osm_objects", "OSM objects", "{:,}"),
    ("blocks", "blocks", "{:,}"),
    ("walk_nodes", "walk nodes", "{:,}"),
    ("population", "residents", "{:,.0f}"),
    ("read_s", "read s", "{:.2f}"),
    ("read_objects_per_s", "read objects/s", "{:,}"),
    ("blocks_s", "blocks s", "{:.2f}"),
    ("facilities_s", "facilities s", "{:.2f}"),
    ("network_s", "network s", "{:.2f}"),
    ("engine_s", "engine s", "{:.2f}"),
    ("one_pass_floor_s", "one-pass floor s", "{:.2f}"),
    ("write_s", "write s", "{:.2f}"),
    ("analyze_s", "analyze s (process)", "{:.1f}"),
    ("analyze_peak_mb", "analyze peak MB", "{:,.0f}"),
    ("estimated_peak_mb", "guard's estimate MB", "{:,.0f}"),
    ("score_s", "score s", "{:.1f}"),
    ("indicators_s", "indicators s", "{:.1f}"),
    ("indicators_peak_mb", "indicators peak MB", "{:,.0f}"),
    ("compare_s", "compare s", "{:.1f}"),
    ("compare_peak_mb", "compare peak MB", "{:,.0f}"),
    ("closure_s", "closure (all steps) s", "{:.1f}"),
    ("closure_peak_mb", "closure peak MB", "{:,.0f}"),
    ("report_s", "report s", "{:.1f}"),
    ("report_peak_mb", "report peak MB", "{:,.0f}"),
    ("signin_form_s", "  sign-in form drawn s", "{:.1f}"),
    ("signin_to_map_s", "  pressing 登录 to map s", "{:.1f}"),
    ("first_map_s", "planner first map s", "{:.1f}"),
    ("click_s", "planner click s", "{:.1f}"),
    ("whatif_s", "planner what-if s", "{:.1f}"),
    ("resident_s", "resident page s", "{:.1f}"),
    ("server_peak_mb", "app server peak MB", "{:,.0f}"),
]
TIMED = {
    "read_s",
    "blocks_s",
    "facilities_s",
    "network_s",
    "engine_s",
    "one_pass_floor_s",
    "write_s",
    "analyze_s",
    "analyze_peak_mb",
    "score_s",
    "indicators_s",
    "compare_s",
    "closure_s",
    "report_s",
    "signin_form_s",
    "first_map_s",
    "signin_to_map_s",
    "click_s",
    "whatif_s",
    "resident_s",
}


def table(results: list[dict]) -> str:
    """Return the figures per size, with growth exponents, as aligned text."""
    sizes = [r["tiles"] for r in results]
    header = ["figure", *[f"{n} tiles" for n in sizes]]
    steps = list(itertools.pairwise(results))
    header += [f"k {a['tiles']}→{b['tiles']}" for a, b in steps]
    span = [r for r in results if r["tiles"] >= 16]
    if len(span) >= 2:
        header.append(f"k {span[0]['tiles']}→{span[-1]['tiles']}")
    rows = []
    for key, label, fmt in FIGURES:
        if all(r.get(key) is None for r in results):
            continue
        row = [label] + ["—" if r.get(key) is None else fmt.format(r[key]) for r in results]
        if key in TIMED:
            ks = [exponent((a["tiles"], a.get(key)), (b["tiles"], b.get(key))) for a, b in steps]
            if len(span) >= 2:
                ks.append(exponent((span[0]["tiles"], span[0].get(key)), (span[-1]["tiles"], span[-1].get(key))))
            row += ["—" if k is None else f"{k:.2f}" for k in ks]
        else:
            row += [""] * (len(header) - len(row))
        rows.append(row)
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    lines = [
        "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
        for line in [header, *rows]
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the city workload (or the floor worker)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiles", default="1,4,16,64,100", help="comma-separated mosaic sizes")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--extract", default="chengdu", choices=sorted(EXTRACTS))
    parser.add_argument("--skip", default="", help="comma-separated: planning, report, browser")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--worker", choices=["floor"], help=argparse.SUPPRESS)
    parser.add_argument("--study", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "floor":
        print(json.dumps({"seconds": floor_worker(args.study, args.runs)}))
        return 0
    if not shared_osm_folder().is_dir():
        print(f"the city workload needs the real extracts in {shared_osm_folder()}", file=sys.stderr)
        return 2
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    started = time.perf_counter()
    results = []
    with tempfile.TemporaryDirectory(prefix="circle-city-") as scratch:
        for tiles in (int(t) for t in args.tiles.split(",")):
            print(f"— {tiles} tiles …", file=sys.stderr, flush=True)
            results.append(measure_size(tiles, args.extract, args.runs, skip, Path(scratch)))
            print(table(results), file=sys.stderr, flush=True)
    from benchmarks.run import _machine

    report = {
        "machine": _machine(),
        "runs": args.runs,
        "harness_s": round(time.perf_counter() - started, 1),
        "sizes": results,
    }
    print(table(results))
    print(
        f"\nmachine: {report['machine']['cpu']}, {report['machine']['cores']} cores; medians of {args.runs} runs; "
        f"{report['harness_s']} s in all"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
