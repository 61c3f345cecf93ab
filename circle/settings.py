"""Environment settings, read at call time (never at import time).

Analysis choices (profile, preset, thresholds) are function arguments, not
settings; this module only answers questions about the environment.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """Return the folder for downloads and derived caches.

    ``CIRCLE_CACHE_DIR`` overrides the default ``~/.cache/circle``.

    Returns
    -------
    pathlib.Path
        The cache folder (not created here).
    """
    override = os.environ.get("CIRCLE_CACHE_DIR")
    return Path(override) if override else Path.home() / ".cache" / "circle"


def progress_enabled() -> bool:
    """Return whether progress bars are shown (``CIRCLE_PROGRESS=0`` hides them).

    Returns
    -------
    bool
        True unless the environment switches progress bars off.
    """
    return os.environ.get("CIRCLE_PROGRESS", "1") not in {"0", "false", "no"}
