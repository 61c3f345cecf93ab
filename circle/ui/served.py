"""Server-made map data (images, point lists) handed to the browser as files of the app's static folder.

A file written once under ``static/drawn/`` (named by its content, so a name
always means the same bytes and sessions can share it) is fetched by the
browser as a short URL and cached by it: the map's script stays small and a
rerun sends no pixels. Where the folder cannot be written the data travels
inside the page as a data URL instead.

The folder is shared by the servers of one repository, so a public server
(``circle serve --public``) serves only the files it drew itself
(:func:`~circle.deploy.drawn_files.was_drawn`, asked by :mod:`circle.deploy.guard`):
it draws the public studies alone, and a file drawn for another study by the
full server is not served to the public, whoever has its address. Every name
handed out here is noted there (:func:`~circle.deploy.drawn_files.remember_drawn`).
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
from pathlib import Path

from circle.deploy.drawn_files import DRAWN, DRAWN_PATH, KEEP_AT_MOST, remember_drawn, was_drawn

__all__ = ["DRAWN", "KEEP_AT_MOST", "MIME", "STATIC", "file_url", "named_url", "was_drawn", "write_named"]

STATIC = Path(__file__).resolve().parents[2] / "static"
MIME = {".png": "image/png", ".json": "application/json"}


def file_url(data: bytes, suffix: str, folder: Path | None = None) -> str:
    """Return a URL the browser can load ``data`` from: ``/app/static/drawn/<hash><suffix>`` or a data URL.

    Parameters
    ----------
    data : bytes
        The file's content.
    suffix : str
        ``".png"`` or ``".json"``.
    folder : pathlib.Path, optional
        Where to write (the app's ``static/drawn``).
    """
    folder = folder or STATIC / DRAWN
    name = hashlib.sha256(data).hexdigest()[:32] + suffix
    if (folder / name).is_file() or write_named(name, data, folder):  # a name means the same bytes: written once
        return named_url(name)
    return f"data:{MIME[suffix]};base64," + base64.b64encode(data).decode("ascii")


def named_url(name: str) -> str:
    """Return the URL a file written by :func:`write_named` under ``name`` is (or will be) served at."""
    remember_drawn(name)
    return f"{DRAWN_PATH}{name}"


def write_named(name: str, data: bytes, folder: Path | None = None) -> bool:
    """Write ``data`` under the fixed ``name`` (a file a page asks for before it exists); return whether it was.

    For a result a map waits for (:class:`circle.ui.leaflet_layers.AwaitedImages`): the page's
    script names it before it is made, so the script stays the same once it is.
    """
    folder = folder or STATIC / DRAWN
    remember_drawn(name)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _write_once(folder / name, data)
        _prune(folder)
        return True
    except OSError:
        return False


def _write_once(target: Path, data: bytes) -> None:
    """Write through a temporary file and a rename, so a reader never sees half an image."""
    handle, scratch = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise


def _prune(folder: Path) -> None:
    images = [p for p in folder.iterdir() if p.suffix in MIME]
    if len(images) <= KEEP_AT_MOST:
        return
    images.sort(key=lambda p: p.stat().st_mtime)
    for old in images[: len(images) - KEEP_AT_MOST]:
        old.unlink(missing_ok=True)
