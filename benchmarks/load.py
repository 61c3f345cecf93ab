"""A bounded load test of the resident page: many concurrent browser sessions against one server, loopback only.

Usage::

    python benchmarks/load.py [--sessions 24] [--waves 2] [--planners 2] [--study DIR] [--json OUT.json]

It starts ``streamlit run app.py`` on 127.0.0.1 (a free port) with sign-in
on (a deployment with ``--planners`` local accounts), warms it with
one session (the cold start is reported apart), then opens
``--sessions`` sessions at once in one headless Chromium (Debian's, each in
its own browser context, so each is its own Streamlit session), each asking
for a different neighbourhood's page (``/resident?block=…``), waits until
every page shows its score, keeps them all open, then has every session
switch to the older people's pace at once (a second wave of reruns). While
the residents' pages open, ``--planners`` sessions sign in through the form
and wait for the planner page (the sign-in time is reported too). It stops
by itself: after the waves, or at ``--time-limit`` seconds. It reports the
sessions held, per-page latency percentiles, failures, and the server's
memory (resident set of the server process) before, at peak and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

#: Debian's Chromium (never a downloaded browser), quiet: no network of its own, no updates
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCORE_TEXT = "您所在街坊的得分"
PLANNER_TEXT = "15分钟生活圈覆盖（F15）"  # the planner page's first figure: signed in and drawn


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    studies: Path,
    log=subprocess.DEVNULL,
    timeout_s: float = 60.0,
    config: Path | None = None,
    script: str = "app.py",
) -> tuple[subprocess.Popen, str]:
    """Start the server ``circle serve`` starts, on 127.0.0.1 at a free port, for the studies under ``studies``.

    It is Streamlit behind circle's guard with the production settings
    (:func:`circle.deploy.serve.streamlit_command`), as the README deploys it.
    ``config`` is the deployment's settings file (accounts, public studies);
    without one the server runs with the defaults and no account can sign in.
    ``script`` is ``public_app.py`` for a public deployment. Returns the
    process and its URL once its health check answers.

    Raises
    ------
    RuntimeError
        When the server does not answer within ``timeout_s``.
    """
    from circle.deploy.serve import streamlit_command

    port = free_port()
    mode = "public" if Path(script).name == "public_app.py" else "full"
    server = subprocess.Popen(
        streamlit_command(mode, "127.0.0.1", port),
        cwd=ROOT,
        env={**os.environ, "CIRCLE_STUDIES": str(studies), **({"CIRCLE_CONFIG": str(config)} if config else {})},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
            return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"the Streamlit server did not start within {timeout_s:.0f} s")


#: the harness's planner accounts: planner-1, planner-2… all with this password
PLANNER_PASSWORD = "load-harness-password"


def write_signin_config(folder: Path, studies: Path, planners: int) -> Path:
    """Write a deployment with sign-in on and ``planners`` local accounts in its database; return the settings file."""
    from dataclasses import replace

    from circle.deploy.accounts import add_account
    from circle.deploy.config import load_deployment
    from circle.deploy.db import database_of

    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "circle.toml"
    config.write_text(
        f'mode = "full"\nstudies = "{studies}"\ndata_folders = []\npublic_studies = ["default"]\n',
        encoding="utf-8",
    )
    database = database_of(replace(load_deployment(config), studies=Path(studies)))
    for number in range(1, max(1, planners) + 1):
        add_account(database, f"planner-{number}", PLANNER_PASSWORD)
    return config


async def sign_in(browser, base: str, name: str, timeout_ms: int) -> tuple[object, float]:
    """Sign a planner in through the form and return the page with the seconds until the planner page showed."""
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    await page.goto(f"{base}/signin?lang=zh", wait_until="domcontentloaded", timeout=timeout_ms)
    started = time.perf_counter()
    await submit_signin(page, name, timeout_ms)
    await page.get_by_text(PLANNER_TEXT).first.wait_for(timeout=timeout_ms)
    return page, time.perf_counter() - started


async def submit_signin(page, name: str, timeout_ms: int) -> None:
    """Fill the sign-in form shown on ``page`` with a harness account and submit it."""
    await page.get_by_label("账户名").fill(name, timeout=timeout_ms)
    await page.get_by_label("密码").fill(PLANNER_PASSWORD, timeout=timeout_ms)
    await page.get_by_role("button", name="登录").click(timeout=timeout_ms)


def default_study(scratch: Path) -> Path:
    """Return a studies root holding one study: Chengdu if the shared extract is there, else the embedded default."""
    from circle.pipeline import AnalysisOptions, analyze

    chengdu = ROOT.parent / "shared" / "data" / "osm" / "chengdu_central_2018.osm.pbf"
    source = chengdu if chengdu.is_file() else None
    analyze(AnalysisOptions(source=source, out=scratch / "studies" / "default"))
    return scratch / "studies"


class MemoryWatch(threading.Thread):
    """Sample a process tree's resident memory every 0.2 s; keep the peak."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.peak_mb = 0.0
        self.stop = threading.Event()

    def rss_mb(self) -> float:
        """Return the tree's resident memory now, in MB."""
        total = 0
        for proc in [self.process, *self.process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                continue
        return total / 1e6

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak_mb = max(self.peak_mb, self.rss_mb())
            time.sleep(0.2)


async def session(browser, url: str, timeout_ms: int) -> tuple[object, float]:
    """Open one session's page and return it with the seconds until its score showed."""
    context = await browser.new_context(viewport={"width": 390, "height": 844})
    page = await context.new_page()
    started = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    await page.get_by_text(SCORE_TEXT).first.wait_for(timeout=timeout_ms)
    return page, time.perf_counter() - started


async def switch_pace(page, timeout_ms: int) -> float:
    """Have a session choose the older people's pace; return the seconds until the page updated."""
    started = time.perf_counter()
    await page.get_by_text("老年人（0.8 米/秒）").first.click(timeout=timeout_ms)
    await page.wait_for_function("() => location.search.includes('pace=elderly')", timeout=timeout_ms)
    await page.get_by_text(SCORE_TEXT).first.wait_for(timeout=timeout_ms)
    return time.perf_counter() - started


async def drive(
    base: str, blocks: list[str], sessions: int, waves: int, page_timeout_ms: int, done: dict, planners: int = 0
) -> None:
    """Run the waves, recording into ``done`` as sessions finish (so a run cut short still reports).

    ``planners`` further sessions sign in through the form, at the same time
    as the residents' sessions open, and are held to the end too.
    """
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # one session first, as a deployed server has served someone before: loads the study, compiles kernels
            warm_page, done["cold_s"] = await session(
                browser, f"{base}/resident?block={blocks[-1]}&lang=zh", page_timeout_ms
            )
            await warm_page.context.close()
            urls = [f"{base}/resident?block={blocks[i % len(blocks)]}&lang=zh" for i in range(sessions)]

            async def opened(url: str):
                try:
                    page, seconds = await session(browser, url, page_timeout_ms)
                except Exception as error:  # a failed session is counted, not fatal
                    done["failures"].append(repr(error)[:200])
                    return None
                done["first_load_s"].append(seconds)
                done["held"] += 1
                return page

            async def signed_in(number: int):
                try:
                    page, seconds = await sign_in(browser, base, f"planner-{number}", page_timeout_ms)
                except Exception as error:
                    done["failures"].append(f"planner-{number}: " + repr(error)[:200])
                    return None
                done["signin_s"].append(seconds)
                done["planners_held"] += 1
                return page

            opening = [opened(u) for u in urls] + [signed_in(n) for n in range(1, planners + 1)]
            gathered = await asyncio.gather(*opening)
            pages = [p for p in gathered[: len(urls)] if p is not None]
            for _ in range(max(0, waves - 1)):

                async def rerun(page) -> None:
                    try:
                        done["rerun_s"].append(await switch_pace(page, page_timeout_ms))
                    except Exception as error:
                        done["failures"].append(repr(error)[:200])

                await asyncio.gather(*(rerun(p) for p in pages))
        finally:
            await browser.close()


def percentiles(values: list[float]) -> dict[str, float | None]:
    """Return p50, p90, p99 and max of latencies in seconds."""
    if not values:
        return {"p50": None, "p90": None, "p99": None, "max": None}
    array = np.asarray(values)
    return {
        "p50": round(float(np.percentile(array, 50)), 2),
        "p90": round(float(np.percentile(array, 90)), 2),
        "p99": round(float(np.percentile(array, 99)), 2),
        "max": round(float(array.max()), 2),
    }


def run(sessions: int, waves: int, studies: Path, time_limit_s: float, planners: int = 2) -> dict:
    """Start the server with sign-in on, drive the sessions, stop everything; return the report."""
    import tempfile

    import pandas as pd

    blocks = pd.read_parquet(studies / "default" / "blocks.parquet", columns=["block_id"])["block_id"].tolist()
    log = open(os.environ.get("CIRCLE_LOAD_SERVER_LOG", os.devnull), "w")  # noqa: SIM115 - closed below
    settings = Path(tempfile.mkdtemp(prefix="circle-load-settings-"))
    server, base = start_server(studies, log, config=write_signin_config(settings, studies, planners))
    try:
        watch = MemoryWatch(server.pid)
        idle_mb = watch.rss_mb()
        watch.start()
        started = time.perf_counter()
        result = {
            "held": 0,
            "cold_s": float("nan"),
            "first_load_s": [],
            "rerun_s": [],
            "failures": [],
            "signin_s": [],
            "planners_held": 0,
        }
        page_timeout_ms = int(min(time_limit_s, 180.0) * 1000)
        try:
            driven = drive(base, blocks, sessions, waves, page_timeout_ms, result, planners)
            asyncio.run(asyncio.wait_for(driven, timeout=time_limit_s))
        except TimeoutError:
            result["failures"].append(f"stopped at the time limit of {time_limit_s:.0f} s")
        elapsed = time.perf_counter() - started
        time.sleep(1.0)
        watch.stop.set()
        watch.join()
        after_mb = watch.rss_mb()
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        import shutil

        shutil.rmtree(settings, ignore_errors=True)
    return {
        "sessions_requested": sessions,
        "sessions_held": result["held"],
        "failures": result["failures"],
        "cold_start_s": round(result["cold_s"], 2),
        "first_load_s": percentiles(result["first_load_s"]),
        "rerun_s": percentiles(result["rerun_s"]),
        "reruns": len(result["rerun_s"]),
        "planners_requested": planners,
        "planners_held": result["planners_held"],
        "signin_s": percentiles(result["signin_s"]),
        "server_rss_mb": {"idle": round(idle_mb, 1), "peak": round(watch.peak_mb, 1), "after": round(after_mb, 1)},
        "wall_s": round(elapsed, 1),
        "blocks_in_study": len(blocks),
        "cpus": os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the load test from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=24)
    parser.add_argument("--waves", type=int, default=2, help="1: open pages only; 2: then every session reruns")
    parser.add_argument("--study", type=Path, help="a studies root holding 'default' (default: build one)")
    parser.add_argument("--planners", type=int, default=2, help="planner sessions that sign in meanwhile")
    parser.add_argument("--time-limit", type=float, default=600.0, help="stop after this many seconds")
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"load test: needs {CHROMIUM} (scripts/system_packages.sh --tests installs it)", file=sys.stderr)
        return 2
    import tempfile

    with tempfile.TemporaryDirectory(prefix="circle-load-") as scratch:
        studies = args.study or default_study(Path(scratch))
        report = run(args.sessions, args.waves, studies, args.time_limit, args.planners)
    text = json.dumps(report, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0 if not report["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
