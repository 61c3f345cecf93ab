"""Capacity of the published resident site against the Streamlit resident page, measured in one run, loopback only.

Usage::

    python benchmarks/public_load.py [--study DIR] [--connections 200] [--duration 20] [--warmup 3]
                                     [--visits browser|rule] [--streamlit-visits 10] [--workers 1]
                                     [--time-limit 600] [--json OUT.json]

It publishes the study (``circle publish``, timed) to a temporary folder and
starts ``circle serve --public --sites TMP`` on 127.0.0.1 at a free port,
with a deployment of its own (its reports database in the temporary folder).
A *visit* is what a phone fetches to show a block page's first screen. By
default it is recorded: Chromium opens ``--recorded-visits`` block pages
(``/NAME/?b=ID``), each in a fresh phone-sized context, and every
same-origin request is kept until the page is drawn and the network is idle
(the page, its styles and scripts, ``data/site.json``, the block, the street
squares the map shows, the scripts loaded after, the report token). With
``--visits rule`` it is planned from the files instead: the page and what
``index.html`` loads, ``data/site.json``, ``data/blocks/ID.json``, the
level-0 street squares within ``--radius`` metres of the block's centre and
the report token. ``wrk`` drives ``--connections`` visitors at once
(``visit.lua``: each connection walks a visit's requests in sequence with
``Accept-Encoding: gzip``, records the visit's wall time when its last
response arrives, and connects anew for the next visit) for ``--duration``
seconds after a ``--warmup``. The CPU per visit is the server process tree's
CPU seconds during the run (psutil, children included) over the visits.

Then, with the site's server stopped, it starts the Streamlit resident page
as the deployment serves it (:func:`benchmarks.load.start_server`) and opens
``--streamlit-visits`` block pages (``/resident?block=ID``) one after another,
each in a fresh phone-sized Chromium context, until the score shows; the CPU
per visit is the Streamlit server's CPU seconds over those visits (after one
warm-up visit). Everything stops by itself at ``--time-limit`` seconds, and
the servers are killed on the way out, Ctrl-C included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import math
import os
import posixpath
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS, free_port, session, start_server  # noqa: E402

VISIT_SCRIPT = Path(__file__).with_name("visit.lua")
WRK = "wrk"
#: the first view of a block page: the level-0 street squares within this many metres of its centre
FIRST_VIEW_RADIUS_M = 1500.0
#: Streamlit's page once its script run has finished (the app root's run state)
SCRIPT_DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


class LoadError(RuntimeError):
    """The benchmark cannot run or was cut short: a missing tool, a server that does not start, a time limit."""


@dataclass
class Deadline:
    """The run's time limit: seconds left, and the error when none are."""

    limit_s: float
    started: float = field(default_factory=time.monotonic)

    def left(self, what: str) -> float:
        """Return the seconds left; raise :class:`LoadError` naming ``what`` when the limit is reached."""
        left = self.limit_s - (time.monotonic() - self.started)
        if left <= 0:
            raise LoadError(f"stopped at the time limit of {self.limit_s:.0f} s before {what}")
        return left


# --- the site and its visits -------------------------------------------------------------------------


class _PageAssets(HTMLParser):
    """Collect the local styles and scripts a page loads, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        if tag == "script" and values.get("src"):
            self.found.append(values["src"])
        elif tag == "link" and values.get("href") and {"stylesheet", "modulepreload", "preload"} & set(rel):
            self.found.append(values["href"])


_IMPORT = re.compile(r"""(?:\bimport|\bexport)\s*(?:[^'";]*?\bfrom\s*)?\(?\s*['"](\.{1,2}/[^'"]+)['"]""")


def _local(reference: str) -> str | None:
    """Return a reference's path relative to the site, or None for another origin, a data URL or an anchor."""
    if re.match(r"^([a-z][a-z0-9+.-]*:|//|#)", reference, re.IGNORECASE):
        return None
    path = posixpath.normpath(reference.split("#", 1)[0].split("?", 1)[0].lstrip("/"))
    return None if path in {".", ""} or path.startswith("..") else path


def page_files(site: Path) -> list[str]:
    """Return what the page loads before it asks for data: ``index.html``, then its styles and scripts.

    Styles and scripts are the ``<link rel=stylesheet|modulepreload|preload>``
    and ``<script src>`` of ``index.html`` on this site, in document order,
    and the modules those scripts import (``import … from "./x.js"``).

    Raises
    ------
    LoadError
        When the site has no ``index.html`` or the page names a file the site does not hold.
    """
    index = site / "index.html"
    if not index.is_file():
        raise LoadError(f"{site} has no index.html: it is not a published site (circle publish writes one)")
    parser = _PageAssets()
    parser.feed(index.read_text(encoding="utf-8"))
    files = ["index.html"]
    pending = list(parser.found)
    while pending:
        path = _local(pending.pop(0))
        if path is None or path in files:
            continue
        file = site / path
        if not file.is_file():
            raise LoadError(f"{site}/index.html loads {path}, which the site does not hold")
        files.append(path)
        if file.suffix in {".js", ".mjs"}:
            base = posixpath.dirname(path)
            for imported in _IMPORT.findall(file.read_text(encoding="utf-8", errors="replace")):
                pending.append(posixpath.join(base, imported))
    return files


def _squares_near(centre: tuple[float, float], size: float, radius_m: float, held: set[str]) -> list[str]:
    """Return the level-0 squares (``I_J``) the site holds within ``radius_m`` of ``centre``, nearest first."""
    cx, cy = centre
    found = []
    for i in range(math.floor((cx - radius_m) / size), math.floor((cx + radius_m) / size) + 1):
        for j in range(math.floor((cy - radius_m) / size), math.floor((cy + radius_m) / size) + 1):
            dx = max(i * size - cx, 0.0, cx - (i + 1) * size)
            dy = max(j * size - cy, 0.0, cy - (j + 1) * size)
            if math.hypot(dx, dy) <= radius_m and f"{i}_{j}" in held:
                found.append((math.hypot((i + 0.5) * size - cx, (j + 0.5) * size - cy), f"{i}_{j}"))
    return [name for _, name in sorted(found)]


@dataclass
class Visit:
    """One visitor's first screen of a block page: the block and the URL paths fetched, in order."""

    file_id: str
    block_id: str
    paths: list[str]


#: what report.js asks the server for on every block page (a plain static host answers 404 and the page goes on)
TOKEN_PATH = "/api/reports/token"
#: a phone as Chromium emulates it (the Streamlit visits use benchmarks.load's 390×844 contexts too)
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3, "is_mobile": True, "has_touch": True}
#: the block page once it is drawn (site.js sets it)
PAGE_READY = "body[data-ready='1']"


def block_page(prefix: str, file_id: str, lang: str = "zh") -> str:
    """Return the address of a block's page under ``prefix`` (the site's folder URL): ``?b=ID&lang=…``."""
    return f"{prefix}?b={urllib.parse.quote(file_id)}&lang={lang}"


def choose_blocks(site: Path, most: int, seed: int = 0) -> list[tuple[str, str, tuple[float, float]]]:
    """Return up to ``most`` of the site's blocks (a fixed random choice, in a fixed random order).

    Each is ``(file id, the study's block_id, centre)``.

    Raises
    ------
    LoadError
        When the site has no block pages.
    """
    blocks = sorted((site / "data" / "blocks").glob("*.json"))
    if not blocks:
        raise LoadError(f"{site / 'data' / 'blocks'} holds no block page: the study published no block")
    chosen = []
    for index in np.random.default_rng(seed).permutation(len(blocks))[:most]:
        block = json.loads(blocks[index].read_text(encoding="utf-8"))
        chosen.append((blocks[index].stem, str(block.get("block_id", blocks[index].stem)), tuple(block["centre"])))
    return chosen


def plan_visits(
    site: Path, prefix: str = "/", radius_m: float = FIRST_VIEW_RADIUS_M, most: int = 2000, seed: int = 0
) -> list[Visit]:
    """Return the visits of up to ``most`` blocks by rule, the site served at ``prefix``.

    A visit asks for the block's page, the styles and scripts ``index.html``
    loads, ``data/site.json``, the block's file, the level-0 street squares
    the site holds within ``radius_m`` of the block's centre (nearest first)
    and, when the site takes reports, a report token. :func:`record_visits`
    asks a browser instead.

    Raises
    ------
    LoadError
        When the site has no page, no block pages or its ``site.json`` names no level-0 street squares.
    """
    page = page_files(site)
    data = site / "data"
    about = json.loads((data / "site.json").read_text(encoding="utf-8"))
    levels = [level for level in about.get("levels", []) if level.get("level") == 0]
    if not levels:
        raise LoadError(f"{data / 'site.json'} names no street level 0: the site's format is not the one expected")
    size = float(levels[0]["size"])
    held = {p.stem for p in (data / "streets" / "0").glob("*.json")}
    visits = []
    for file_id, block_id, centre in choose_blocks(site, most, seed):
        squares = _squares_near(centre, size, radius_m, held)
        paths = [
            block_page(prefix, file_id),
            *(prefix + p for p in page[1:]),
            f"{prefix}data/site.json",
            f"{prefix}data/blocks/{file_id}.json",
            *(f"{prefix}data/streets/0/{square}.json" for square in squares),
            *([TOKEN_PATH] if about.get("reports") else []),
        ]
        visits.append(Visit(file_id, block_id, paths))
    return visits


async def _record(site_url: str, file_ids: list[str], timeout_ms: int) -> dict[str, list[str]]:
    """Open each block's page in a fresh phone context; return the same-origin paths it asked for, in order."""
    from playwright.async_api import async_playwright

    origin = urllib.parse.urljoin(site_url, "/")[:-1]
    found = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for file_id in file_ids:
                context = await browser.new_context(**PHONE)
                page = await context.new_page()
                asked: list[str] = []
                page.on("request", lambda request, asked=asked: asked.append(request.url))
                await page.goto(origin + block_page(urllib.parse.urlsplit(site_url).path, file_id), timeout=timeout_ms)
                await page.wait_for_selector(PAGE_READY, state="attached", timeout=timeout_ms)
                await page.wait_for_load_state("networkidle", timeout=timeout_ms)  # the map's squares, qr.js, …
                found[file_id] = [url.removeprefix(origin) for url in dict.fromkeys(asked) if url.startswith(origin)]
                await context.close()
        finally:
            await browser.close()
    return found


def record_visits(site_url: str, site: Path, most: int, timeout_s: float, seed: int = 0) -> list[Visit]:
    """Return the visits of up to ``most`` blocks as Chromium makes them: what a phone asks for until the page is drawn.

    Each block's page is opened in a fresh phone-sized context at
    ``site_url`` and every same-origin request is kept, in order, until the
    page is drawn and the network has been idle for half a second.

    Raises
    ------
    LoadError
        When a page is not drawn, or does not settle, within ``timeout_s``.
    """
    from playwright.async_api import Error as PlaywrightError

    chosen = choose_blocks(site, most, seed)
    try:
        asked = asyncio.run(
            asyncio.wait_for(_record(site_url, [c[0] for c in chosen], int(min(timeout_s, 60) * 1000)), timeout_s)
        )
    except (TimeoutError, PlaywrightError) as error:
        first = (str(error).strip().splitlines() or [repr(error)])[0]
        raise LoadError(f"recording the visits in Chromium failed: {first}") from error
    return [Visit(file_id, block_id, asked[file_id]) for file_id, block_id, _ in chosen]


def site_footprint(site: Path) -> dict:
    """Return the site's size on disk (bytes of its files, and the blocks they take) and its file count."""
    files = [p for p in site.rglob("*") if p.is_file()]
    stats = [p.stat() for p in files]
    return {
        "site_files": len(files),
        "site_bytes": sum(s.st_size for s in stats),
        "site_disk_bytes": sum(s.st_blocks * 512 for s in stats),
    }


def _site_file(site: Path, prefix: str, path: str) -> Path | None:
    """Return the site's file a URL path names, or None for the server's own endpoints and files it lacks."""
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix).split("?", 1)[0].split("#", 1)[0] or "index.html"
    file = site / name
    return file if file.is_file() else None


def gzip_bytes(site: Path, prefix: str, visits: list[Visit]) -> dict:
    """Return the first screen's bytes per visit, each site file gzip-compressed (level 6): median and largest.

    The server's own answers (a report token) are not files and not counted here;
    :func:`served_bytes` counts everything the server sent.
    """
    cache: dict[Path, tuple[int, int]] = {}

    def size(path: str) -> tuple[int, int]:
        file = _site_file(site, prefix, path)
        if file is None:
            return 0, 0
        if file not in cache:
            raw = file.read_bytes()
            cache[file] = (len(gzip.compress(raw, compresslevel=6, mtime=0)), len(raw))
        return cache[file]

    sizes = np.array([[sum(size(p)[k] for p in v.paths) for k in (0, 1)] for v in visits])
    counts = [len(v.paths) for v in visits]
    return {
        "first_screen_gzip_bytes": {"median": int(np.median(sizes[:, 0])), "max": int(sizes[:, 0].max())},
        "first_screen_raw_bytes": {"median": int(np.median(sizes[:, 1])), "max": int(sizes[:, 1].max())},
        "requests_per_visit": {"median": float(np.median(counts)), "max": max(counts)},
    }


def served_bytes(origin: str, visits: list[Visit], sample: int = 20) -> dict:
    """Fetch ``sample`` visits as a phone does (``Accept-Encoding: gzip``); return the body bytes the server sent.

    Raises
    ------
    LoadError
        When the server answers a visit's request with an error other than 404 (a street square left out).
    """
    totals, gzipped, answered, missing = [], 0, 0, 0
    for visit in visits[:sample]:
        total = 0
        for path in visit.paths:
            request = urllib.request.Request(origin + path, headers={"Accept-Encoding": "gzip"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    total += len(response.read())
                    gzipped += response.headers.get("Content-Encoding", "") == "gzip"
                    answered += 1
            except urllib.error.HTTPError as error:
                if error.code != 404:
                    raise LoadError(f"the site's server answered {error.code} to {origin + path}") from error
                missing += 1
        totals.append(total)
    return {
        "first_screen_served_bytes": {"median": int(np.median(totals)), "max": int(max(totals))},
        "served_gzip_share": round(gzipped / max(answered, 1), 3),
        "served_not_found": missing,
    }


# --- servers and their CPU -----------------------------------------------------------------------------


def tree_cpu_seconds(pid: int) -> float:
    """Return the CPU seconds (user and system) of a process and its descendants, the reaped ones included."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def stop_tree(process: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """Terminate a server and everything it started; kill what does not stop within ``timeout_s``."""
    try:
        family = [*psutil.Process(process.pid).children(recursive=True), psutil.Process(process.pid)]
    except psutil.Error:
        family = []
    for member in family:
        with contextlib.suppress(psutil.Error):
            member.terminate()
    _, alive = psutil.wait_procs(family, timeout=timeout_s)
    for member in alive:
        with contextlib.suppress(psutil.Error):
            member.kill()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()


def circle_command() -> list[str]:
    """Return how to run the ``circle`` command of this environment."""
    installed = Path(sys.executable).parent / "circle"
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "circle.cli"]


def publish(study: Path, out: Path, timeout_s: float) -> float:
    """Publish ``study`` to ``out`` with ``circle publish``; return the command's wall seconds.

    Raises
    ------
    LoadError
        When the command fails or does not finish within ``timeout_s``.
    """
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [*circle_command(), "publish", "--study", str(study), "--out", str(out)],
            capture_output=True,
            text=True,
            timeout=timeout_s,
            cwd=ROOT,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise LoadError(f"circle publish did not finish within {timeout_s:.0f} s") from error
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise LoadError(f"circle publish --study {study} failed:\n{tail}")
    return time.perf_counter() - started


def site_server_command(sites: Path, port: int, workers: int = 1) -> list[str]:
    """Return ``circle serve --public`` serving the published sites under ``sites`` on 127.0.0.1:``port``."""
    return [
        *circle_command(),
        "serve",
        "--public",
        "--sites",
        str(sites),
        "--address",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def _server_environment(scratch: Path) -> dict[str, str]:
    """Return the site server's environment: a deployment of its own, its database of reports in ``scratch``."""
    config = scratch / "site-circle.toml"
    config.write_text(f'mode = "public"\nstudies = "{scratch / "deployment"}"\n', encoding="utf-8")
    environment = {k: v for k, v in os.environ.items() if k not in {"CIRCLE_STUDIES", "CIRCLE_CONFIG"}}
    return {**environment, "CIRCLE_CONFIG": str(config)}


def start_site_server(
    sites: Path, name: str, options: Options, scratch: Path, log, timeout_s: float = 60.0
) -> tuple[subprocess.Popen, str]:
    """Start the server of the published sites; return it and the URL of site ``name`` once its data answers.

    The server is ``circle serve --public`` with a deployment of its own in
    ``scratch``, site ``name`` at ``/NAME/``. ``options.site_server``
    replaces it with any static server (``{port}`` and ``{sites}`` filled in)
    serving ``SITES/NAME/`` at ``/NAME/``.

    Raises
    ------
    LoadError
        When the server exits or does not serve the site within ``timeout_s``.
    """
    port = free_port()
    if options.site_server:
        command = [part.format(port=port, sites=sites) for part in shlex.split(options.site_server)]
    else:
        command = site_server_command(sites, port, options.workers)
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=_server_environment(scratch),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # Ctrl-C reaches the harness alone, which stops the server's whole tree
    )
    site_url = f"http://127.0.0.1:{port}/{urllib.parse.quote(name)}/"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LoadError(f"the site's server exited with code {server.returncode}: {' '.join(command)}")
        try:
            with urllib.request.urlopen(f"{site_url}data/site.json", timeout=1) as response:
                if "format" in json.loads(response.read()):
                    return server, site_url
        except (OSError, ValueError):
            pass
        time.sleep(0.3)
    stop_tree(server)
    raise LoadError(f"the site's server did not serve {site_url}data/site.json within {timeout_s:.0f} s")


# --- the site under wrk --------------------------------------------------------------------------------


def run_wrk(
    site_url: str, visits_file: Path, connections: int, duration_s: float, timeout_s: float, think_s: float = 0.0
) -> dict:
    """Run wrk with ``visit.lua`` (one thread per connection: one visitor each); return its JSON report.

    Raises
    ------
    LoadError
        When wrk fails, runs past ``timeout_s`` or prints no report.
    """
    command = [
        WRK,
        f"-t{connections}",
        f"-c{connections}",
        f"-d{max(1, round(duration_s))}s",
        "--timeout",
        "10s",
        "-s",
        str(VISIT_SCRIPT),
        urllib.parse.urljoin(site_url, "/"),
        "--",
        str(visits_file),
        str(connections),
        str(think_s),
    ]
    before = _children_cpu_seconds()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as error:
        raise LoadError(f"wrk ran past {timeout_s:.0f} s") from error
    for line in done.stdout.splitlines():
        if line.startswith("VISITS_JSON "):
            # wrk shares the machine's cores with the server: its own CPU is part of the picture
            return {
                **json.loads(line.removeprefix("VISITS_JSON ")),
                "cpu_s": round(_children_cpu_seconds() - before, 2),
            }
    tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
    raise LoadError(f"wrk printed no visits report (exit {done.returncode}):\n{tail}")


def _children_cpu_seconds() -> float:
    """Return the CPU seconds of this process's finished children (wrk, once it has been waited for)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def write_visits(visits: list[Visit], file: Path) -> Path:
    """Write the visits as ``visit.lua`` reads them: one visit a line, its URL paths separated by spaces."""
    file.write_text("\n".join(" ".join(v.paths) for v in visits) + "\n", encoding="utf-8")
    return file


def measure_site(
    sites: Path, name: str, options: Options, deadline: Deadline, scratch: Path, log
) -> tuple[dict, list[Visit]]:
    """Serve the published site, find its visits, warm it, then run wrk and count the server's CPU.

    Returns the site's part of the report and the visits.
    """
    site = sites / name
    server, site_url = start_site_server(sites, name, options, scratch, log, min(60.0, deadline.left("serving")))
    origin = urllib.parse.urljoin(site_url, "/")[:-1]
    prefix = urllib.parse.urlsplit(site_url).path
    try:
        if options.visits == "browser":
            visits = record_visits(site_url, site, options.recorded_visits, deadline.left("recording the visits"))
        else:
            visits = plan_visits(site, prefix, options.radius_m, options.max_visits)
        result = {"visits_from": options.visits, "blocks_visited": len(visits), **gzip_bytes(site, prefix, visits)}
        result.update(served_bytes(origin, visits))
        visits_file = write_visits(visits, scratch / "visits.txt")
        if options.warmup_s > 0:
            run_wrk(
                site_url, visits_file, options.connections, options.warmup_s, options.warmup_s + 30, options.think_s
            )
        left = deadline.left("the site's run")
        if left < options.duration_s + 5:
            raise LoadError(f"stopped at the time limit: {left:.0f} s left, the run takes {options.duration_s:.0f} s")
        before = tree_cpu_seconds(server.pid)
        report = run_wrk(
            site_url, visits_file, options.connections, options.duration_s, options.duration_s + 60, options.think_s
        )
        cpu_s = tree_cpu_seconds(server.pid) - before
    finally:
        stop_tree(server)
    workers = f"{options.workers} worker{'s' * (options.workers > 1)}"
    result.update(
        server=options.site_server or f"circle serve --public, {workers}",
        wrk=report,
        visits=report["visits"],
        visit_ms=report["visit_ms"],
        visits_per_s=round(report["visits"] / report["duration_s"], 1),
        cpu_s=round(cpu_s, 3),
        cpu_s_per_visit=cpu_s / report["visits"] if report["visits"] else None,
        errors=sum(v for k, v in report["errors"].items() if k != "status") + report["bad_status"],
    )
    return result, visits


# --- the Streamlit resident page -----------------------------------------------------------------------


def _streamlit_root(study: Path, scratch: Path) -> tuple[Path, Path]:
    """Return a studies root holding only ``study`` (by its own name) and a public deployment's settings for it."""
    root = scratch / "streamlit-studies"
    root.mkdir(parents=True, exist_ok=True)
    (root / study.name).symlink_to(study.resolve(), target_is_directory=True)
    config = scratch / "streamlit-circle.toml"
    config.write_text(
        f'mode = "public"\nstudies = "{root}"\ndata_folders = []\npublic_studies = ["{study.name}"]\n',
        encoding="utf-8",
    )
    return root, config


def _entry_script() -> str:
    """Return the script that serves the resident page alone if the deployment still has one, else the full app."""
    from circle.deploy.serve import ENTRY_SCRIPTS

    return "public_app.py" if "public" in ENTRY_SCRIPTS and ENTRY_SCRIPTS["public"].is_file() else "app.py"


async def _browse(url_of, blocks: list[str], count: int, timeout_ms: int, pid: int, done: dict) -> None:
    """Open one warm-up page, then ``count`` pages one at a time, each in a fresh phone-sized context."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page, seconds = await session(browser, url_of(blocks[-1]), timeout_ms)
            await page.context.close()
            done["cold_s"] = seconds
            await asyncio.sleep(1.0)
            done["cpu_before"] = tree_cpu_seconds(pid)
            for number in range(count):
                started = time.perf_counter()
                page, seconds = await session(browser, url_of(blocks[number % len(blocks)]), timeout_ms)
                done["visit_s"].append(seconds)
                # the page's whole script run is the visit's cost, not only its part until the score shows
                await page.wait_for_selector(SCRIPT_DONE, state="attached", timeout=timeout_ms)
                done["finished_s"].append(time.perf_counter() - started)
                await page.context.close()
            await asyncio.sleep(1.0)  # the server closes the sessions it no longer has a browser for
            done["cpu_after"] = tree_cpu_seconds(pid)
        finally:
            await browser.close()


def measure_streamlit(study: Path, blocks: list[str], count: int, deadline: Deadline, scratch: Path, log) -> dict:
    """Serve the Streamlit resident page and open ``count`` block pages one after another; count its CPU."""
    from playwright.async_api import Error as PlaywrightError

    root, config = _streamlit_root(study, scratch)
    script = _entry_script()
    try:
        server, base = start_server(
            root, log, timeout_s=min(90.0, deadline.left("Streamlit")), config=config, script=script
        )
    except RuntimeError as error:
        raise LoadError(str(error)) from error
    done: dict = {"visit_s": [], "finished_s": []}
    try:
        left = deadline.left("the Streamlit visits")

        def url_of(block: str) -> str:
            return f"{base}/resident?block={urllib.parse.quote(block)}&lang=zh"

        browsing = _browse(url_of, blocks, count, int(min(left, 120.0) * 1000), server.pid, done)
        try:
            asyncio.run(asyncio.wait_for(browsing, timeout=left))
        except TimeoutError as error:
            raise LoadError(f"stopped at the time limit with {len(done['visit_s'])} Streamlit visits done") from error
        except PlaywrightError as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            raise LoadError(f"a Streamlit visit failed after {len(done['visit_s'])} visits: {first}") from error
    finally:
        stop_tree(server)
    visits = len(done["visit_s"])
    cpu_s = done["cpu_after"] - done["cpu_before"]
    return {
        "server": f"streamlit ({script}, circle's production settings)",
        "visits": visits,
        "visit_ms": _percentiles_ms(done["visit_s"]),
        "run_finished_ms": _percentiles_ms(done["finished_s"]),
        "cold_visit_ms": round(done["cold_s"] * 1000, 1),
        "cpu_s": round(cpu_s, 3),
        "cpu_s_per_visit": cpu_s / visits if visits else None,
        "errors": 0,  # a failed visit ends the run with its reason
    }


def _percentiles_ms(seconds: list[float]) -> dict:
    array = np.asarray(seconds) * 1000.0
    if not len(array):
        return {"p50": None, "p95": None, "p99": None, "max": None}
    return {f"p{p}": round(float(np.percentile(array, p)), 1) for p in (50, 95, 99)} | {
        "max": round(float(array.max()), 1)
    }


# --- the run ----------------------------------------------------------------------------------------------


@dataclass
class Options:
    """How hard and how long to load the servers."""

    connections: int = 200
    duration_s: float = 20.0
    warmup_s: float = 3.0
    think_s: float = 0.0  # mean seconds a site visitor reads before the next visit (0: back to back)
    streamlit_visits: int = 10
    time_limit_s: float = 600.0
    radius_m: float = FIRST_VIEW_RADIUS_M
    max_visits: int = 2000
    visits: str = "browser"  # "browser": recorded in Chromium; "rule": planned from the site's files
    recorded_visits: int = 40
    workers: int = 1  # circle serve --public --workers
    site_server: str | None = None  # a command template replacing ``circle serve --public`` ({port}, {sites})


def run(study: Path, options: Options | None = None) -> dict:
    """Publish ``study``, load its site with wrk, then the Streamlit resident page with Chromium; return the report.

    Raises
    ------
    LoadError
        When wrk is missing, the study is not one, a server does not start or the time limit is reached.
    """
    options = options or Options()
    if shutil.which(WRK) is None:
        raise LoadError("wrk is not installed (scripts/system_packages.sh --tests installs it)")
    if not (study / "blocks.parquet").is_file():
        raise LoadError(f"{study} is not a study folder (it has no blocks.parquet): make one with circle analyze")
    if options.visits not in {"browser", "rule"}:
        raise LoadError(f"visits come from 'browser' or 'rule', not {options.visits!r}")
    browser = options.streamlit_visits > 0 or options.visits == "browser"
    if browser and not Path(CHROMIUM).exists():
        raise LoadError(
            f"recording the visits and the Streamlit visits need {CHROMIUM} (scripts/system_packages.sh --tests "
            "installs it); without it, run with --visits rule --streamlit-visits 0"
        )
    deadline = Deadline(options.time_limit_s)
    scratch = Path(tempfile.mkdtemp(prefix="circle-public-load-"))
    log = open(os.environ.get("CIRCLE_LOAD_SERVER_LOG", os.devnull), "a")  # noqa: SIM115 - closed below
    try:
        sites = scratch / "sites"
        site = sites / study.name
        publish_s = publish(study, site, deadline.left("publishing"))
        report = {
            "study": str(study),
            "publish_s": round(publish_s, 2),
            **site_footprint(site),
            "connections": options.connections,
            "duration_s": options.duration_s,
            "warmup_s": options.warmup_s,
            "think_s": options.think_s,
            "cpus": os.cpu_count(),
        }
        part, visits = measure_site(sites, study.name, options, deadline, scratch, log)
        for key in ("visits_from", "blocks_visited", "first_screen_gzip_bytes", "first_screen_raw_bytes"):
            report[key] = part.pop(key)
        report["requests_per_visit"] = part.pop("requests_per_visit")
        report["site"] = part
        if options.streamlit_visits > 0:
            blocks = [v.block_id for v in visits]
            report["streamlit"] = measure_streamlit(study, blocks, options.streamlit_visits, deadline, scratch, log)
            mine, theirs = report["site"]["cpu_s_per_visit"], report["streamlit"]["cpu_s_per_visit"]
            report["cpu_ratio_streamlit_over_site"] = round(theirs / mine, 1) if mine and theirs else None
        return report
    finally:
        log.close()
        shutil.rmtree(scratch, ignore_errors=True)


def table(report: dict) -> str:
    """Return the report as a plain-text table with the site's facts under it."""
    header = ["server", "visits", "visits/s", "p50 ms", "p95 ms", "p99 ms", "CPU s/visit", "errors"]
    rows = []
    for key, label in (("site", "published site ({})"), ("streamlit", "Streamlit resident page")):
        if key not in report:
            continue
        part = report[key]
        label = label.format(part["server"])
        ms = part["visit_ms"]
        cpu = part["cpu_s_per_visit"]
        rows.append(
            [
                label,
                f"{part['visits']:,}",
                "—" if part.get("visits_per_s") is None else f"{part['visits_per_s']:,.0f}",
                *("—" if ms[p] is None else f"{ms[p]:.1f}" for p in ("p50", "p95", "p99")),
                "—" if cpu is None else f"{cpu:.6f}" if cpu < 0.01 else f"{cpu:.3f}",
                f"{part['errors']:,}",
            ]
        )
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(h, widths, strict=True)))
        for h in [header, *rows]
    ]
    ratio = report.get("cpu_ratio_streamlit_over_site")
    lines += [
        "",
        f"CPU per visit, Streamlit / site: {ratio:,.0f}×" if ratio else "CPU per visit, Streamlit / site: —",
        f"site: {report['connections']} concurrent visitors (wrk, one connection each, a new one per visit, "
        + (
            f"{report['think_s']:g} s reading between visits) "
            if report.get("think_s")
            else "each visit at once after the last: the server's saturation) "
        )
        + f"for {report['duration_s']:.0f} s "
        f"after {report['warmup_s']:.0f} s of warm-up; Streamlit: one visitor at a time in Chromium (390×844), "
        "until the score shows",
        f"site on disk: {report['site_bytes'] / 1e6:.1f} MB in {report['site_files']:,} files; published in "
        f"{report['publish_s']:.1f} s (circle publish)",
        f"visits: {'recorded in Chromium at 390×844' if report['visits_from'] == 'browser' else 'planned by rule'} "
        f"for {report['blocks_visited']:,} blocks; 404s (street squares left out): "
        f"{report['site']['wrk']['not_found']:,}",
        f"first screen of a visit: {report['requests_per_visit']['median']:.0f} requests, "
        f"{report['first_screen_gzip_bytes']['median'] / 1e3:.0f} KB gzip (median; largest "
        f"{report['first_screen_gzip_bytes']['max'] / 1e3:.0f} KB), "
        f"{report['site']['first_screen_served_bytes']['median'] / 1e3:.0f} KB as served",
        f"machine: {report['cpus']} cores, shared by the server and the load tool (wrk used "
        f"{report['site']['wrk']['cpu_s']:.1f} CPU-s in the {report['site']['wrk']['duration_s']:.0f} s run)",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = ROOT / "data" / "studies" / "default"
    parser.add_argument("--study", type=Path, help=f"the study to publish (default: {default.relative_to(ROOT)})")
    parser.add_argument("--connections", type=int, default=200, help="concurrent visitors of the site (default 200)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the measured wrk run (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of wrk before it (default 3; 0: none)")
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds a visitor reads between visits (default 0: at once)"
    )
    parser.add_argument(
        "--streamlit-visits", type=int, default=10, help="Streamlit visits, one at a time (default 10; 0: skip)"
    )
    parser.add_argument(
        "--visits",
        choices=["browser", "rule"],
        default="browser",
        help="browser: record what Chromium asks for on --recorded-visits block pages (default); rule: the page, "
        "its scripts, the study, the block and the level-0 street squares within --radius (for --max-visits blocks)",
    )
    parser.add_argument("--recorded-visits", type=int, default=40, help="block pages recorded (default 40)")
    parser.add_argument("--radius", type=float, default=FIRST_VIEW_RADIUS_M, help="rule: first view radius, metres")
    parser.add_argument("--max-visits", type=int, default=2000, help="rule: blocks visited at most (default 2000)")
    parser.add_argument(
        "--site-server",
        metavar="COMMAND",
        help="serve the sites with this command instead of circle serve --public ({port} and {sites} filled in)",
    )
    parser.add_argument("--workers", type=int, default=1, help="circle serve --public --workers (default 1)")
    parser.add_argument("--time-limit", type=float, default=600.0, help="stop after this many seconds (default 600)")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if min(args.connections, args.recorded_visits, args.max_visits, args.workers) < 1 or args.duration <= 0:
        parser.error("--connections, --duration, --recorded-visits, --max-visits and --workers must be positive")
    if min(args.warmup, args.think, args.streamlit_visits) < 0:
        parser.error("--warmup, --think and --streamlit-visits cannot be negative")
    options = Options(
        connections=args.connections,
        duration_s=args.duration,
        warmup_s=args.warmup,
        think_s=args.think,
        streamlit_visits=args.streamlit_visits,
        time_limit_s=args.time_limit,
        radius_m=args.radius,
        max_visits=args.max_visits,
        visits=args.visits,
        recorded_visits=args.recorded_visits,
        site_server=args.site_server,
        workers=args.workers,
    )
    # Ctrl-C and a plain kill both end the run through the code that stops the servers
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        with tempfile.TemporaryDirectory(prefix="circle-public-study-") as scratch:
            study = args.study
            if study is None:
                study = default if (default / "blocks.parquet").is_file() else _build_default(Path(scratch))
            report = run(study, options)
    except LoadError as error:
        print(f"public load: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("public load: interrupted; its servers were stopped", file=sys.stderr)
        return 130
    print(table(report))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"JSON written to {args.json}")
    return 0


def _build_default(scratch: Path) -> Path:
    """Build the default study (Chengdu from the shared extract if present, else the embedded one) in ``scratch``."""
    from benchmarks.load import default_study

    return default_study(scratch) / "default"


if __name__ == "__main__":
    sys.exit(main())
