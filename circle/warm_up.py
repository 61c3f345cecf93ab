"""Compile the package's numba kernels once, at set-up, so that no run waits for them.

``python -m circle.warm_up`` (run by ``scripts/setup.sh`` every time) calls
every kernel on tiny inputs of the types the real runs pass
(:mod:`circle._kernel_samples`). numba keeps each compiled version in its
cache beside the source, so the first ``circle analyze`` of a newcomer loads
them in a second instead of compiling them for half a minute. When the cache
is already valid the warm-up only loads it (about a second) and prints
nothing; when something compiles it says so in one line first.

Two things numba does not guard against are handled here:

- numba checks only a function's own source file, not the kernels it calls
  (a change to the heap helpers would leave the searches compiled with the
  old heap). A fingerprint of every kernel module's source, numba's version
  and the processor, kept beside the cache, clears the package's cache files
  when it changes.
- a cache that cannot be read (seen after a module rename: numba raised
  ``ModuleNotFoundError: circle.build`` while unpickling an old index) is
  cleared, and the kernels are compiled again in a fresh process.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import llvmlite.binding
import numba
from numba.core import event as numba_event
from numba.core.dispatcher import Dispatcher

from circle._kernel_samples import compile_every_kernel
from circle.engine import _kernels

#: what compiling every kernel took on a shared 2-core machine (45-71 s, load 3.4); the first announcement quotes it
FIRST_COMPILE_S = 45.0
#: beside the engine kernels' cache: the fingerprint the cache was built for, and how long that took
STAMP_NAME = "circle-kernels.json"

_PACKAGE_ROOT = Path(__file__).resolve().parent
_KERNEL_DECORATOR = re.compile(r"^@(numba\.)?njit\b", re.MULTILINE)


@dataclass(frozen=True)
class WarmUp:
    """What a warm-up did.

    Attributes
    ----------
    compiled : bool
        Whether any kernel was compiled (else all came from the cache).
    seconds : float
        Wall time of calling the kernels.
    cleared : bool
        Whether the package's cache files were removed first (stale or unreadable).
    """

    compiled: bool
    seconds: float
    cleared: bool


def kernel_modules() -> list[str]:
    """Return the names of the package's modules that define numba kernels, sorted.

    Found by their text (a line that decorates a function with numba's ``njit``), so a new kernel module
    is fingerprinted and cleared without being listed anywhere.
    """
    names = []
    for path in sorted(_PACKAGE_ROOT.rglob("*.py")):
        if _KERNEL_DECORATOR.search(path.read_text(encoding="utf-8")):
            relative = path.relative_to(_PACKAGE_ROOT.parent).with_suffix("")
            names.append(".".join(relative.parts))
    return names


def kernel_dispatchers(modules: list[str]) -> list:
    """Return the compiled functions (numba dispatchers) the given modules define."""
    found = []
    for name in modules:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if isinstance(value, Dispatcher) and value.py_func.__module__ == name:
                found.append(value)
    return found


def fingerprint(modules: list[str]) -> str:
    """Return a hash of what compiled code depends on: the kernel modules' sources, numba, Python, the processor."""
    digest = hashlib.sha256()
    for part in (numba.__version__, sys.version, llvmlite.binding.get_process_triple()):
        digest.update(part.encode())
    digest.update(llvmlite.binding.get_host_cpu_name().encode())
    for name in modules:
        path = _PACKAGE_ROOT.parent.joinpath(*name.split(".")).with_suffix(".py")
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def clear_cache(dispatchers: list) -> int:
    """Remove the numba cache files (``.nbi`` index, ``.nbc`` data) of the modules of ``dispatchers``.

    Returns
    -------
    int
        The number of files removed.
    """
    places = {(Path(d.stats.cache_path), Path(d.py_func.__code__.co_filename).stem) for d in dispatchers}
    removed = 0
    for folder, stem in sorted(places):
        for path in [*folder.glob(f"{stem}.*.nbi"), *folder.glob(f"{stem}.*.nbc")]:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def warm_up(announce: Callable[[str], None] = print, retry: bool = True) -> WarmUp:
    """Compile every kernel that the cache does not hold valid, and record what the cache was built for.

    Parameters
    ----------
    announce : callable
        Called with one line just before the first kernel compiles (never when
        everything comes from the cache), and with one line when an unreadable
        cache is cleared.
    retry : bool
        When calling the kernels fails (a cache numba cannot read), clear the
        package's cache files and compile again in a fresh process; without
        it, the error is raised.

    Returns
    -------
    WarmUp
        Whether anything compiled, how long it took, and whether the cache was cleared.
    """
    if numba.config.DISABLE_JIT:  # NUMBA_DISABLE_JIT=1: the kernels run as plain Python, nothing to compile
        return WarmUp(compiled=False, seconds=0.0, cleared=False)
    modules = kernel_modules()
    dispatchers = kernel_dispatchers(modules)
    stamp_path = _stamp_path()
    stamp = _read_stamp(stamp_path)
    current = fingerprint(modules)
    cleared = stamp.get("fingerprint") != current
    if cleared:
        clear_cache(dispatchers)
        stamp_path.unlink(missing_ok=True)
    listener = _FirstCompile(announce, float(stamp.get("compile_s", FIRST_COMPILE_S)))
    start = time.perf_counter()
    try:
        with numba_event.install_listener("numba:compile", listener):
            compile_every_kernel()
    except Exception as error:  # any failure here may come from a cache numba cannot read
        if not retry:
            raise
        clear_cache(dispatchers)
        stamp_path.unlink(missing_ok=True)
        announce(
            f"circle setup: the compiled kernels' cache could not be used ({type(error).__name__}: {error}); "
            "it is cleared and the kernels compiled again"
        )
        # a fresh process: the kernels this one already loaded would not be written to the cache again
        subprocess.run([sys.executable, "-m", "circle.warm_up", "--no-retry"], check=True)
        return WarmUp(compiled=True, seconds=time.perf_counter() - start, cleared=True)
    seconds = time.perf_counter() - start
    # the next announcement quotes a whole compile (a partial one, after a cache file went missing, is shorter)
    compile_s = seconds if listener.started and cleared else float(stamp.get("compile_s", FIRST_COMPILE_S))
    _write_stamp(stamp_path, {"fingerprint": current, "compile_s": round(compile_s, 1)})
    return WarmUp(compiled=listener.started, seconds=seconds, cleared=cleared)


class _FirstCompile(numba_event.Listener):
    """A numba event listener that announces, once, that compiling starts."""

    def __init__(self, announce: Callable[[str], None], estimate_s: float):
        self.announce = announce
        self.estimate_s = estimate_s
        self.started = False

    def on_start(self, event: numba_event.Event) -> None:
        """Announce at the start of the first compile."""
        if not self.started:
            self.started = True
            self.announce(f"circle setup: compiling the walking kernels once (about {self.estimate_s:.0f} s)")

    def on_end(self, event: numba_event.Event) -> None:
        """Nothing to do when a compile ends."""


def _stamp_path() -> Path:
    return Path(_kernels.k_nearest_labels.stats.cache_path) / STAMP_NAME


def _read_stamp(path: Path) -> dict:
    try:
        stamp = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def _write_stamp(path: Path, stamp: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(json.dumps(stamp), encoding="utf-8")
    partial.replace(path)


def main(argv: list[str] | None = None) -> int:
    """Run the warm-up from the command line (``python -m circle.warm_up``); return the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m circle.warm_up", description="Compile circle's numba kernels once, into numba's cache."
    )
    parser.add_argument("--no-retry", action="store_true", help="raise instead of clearing an unreadable cache")
    options = parser.parse_args(argv)
    warm_up(announce=lambda line: print(line, flush=True), retry=not options.no_retry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
