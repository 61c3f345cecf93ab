"""Server files a planner may name: only inside the deployment's data folders.

A path is taken as typed (no ``~``), joined to a data folder when it is
relative, resolved with every symbolic link followed, and accepted only when
the resolved file lies inside a resolved data folder. A refusal names the
path as typed and never what the file holds, nor whether a file outside the
folders exists. :func:`list_server_files` lists the OSM files a planner may
pick, by the same rule: a link that leads out of the folders is not listed.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from circle.errors import InputDataError


class OutsideDataFoldersError(InputDataError):
    """A server path that is not inside any configured data folder."""


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)


def resolve_server_file(text: str, folders: Sequence[Path]) -> Path:
    """Return the real path of a server file named by a planner, when it lies in a data folder.

    Parameters
    ----------
    text : str
        The path as the planner typed it: relative to a data folder (the
        first that holds it), or absolute.
    folders : sequence of pathlib.Path
        The data folders of the deployment.

    Returns
    -------
    pathlib.Path
        The resolved path (symbolic links followed), inside a resolved folder.

    Raises
    ------
    OutsideDataFoldersError
        When the path starts with ``~``, holds a NUL byte, or resolves outside
        every data folder (``..``, an absolute path elsewhere, a link out).
    InputDataError
        When no data folder is configured, or the path is inside one but
        names no file there.
    """
    typed = (text or "").strip()
    if not folders:
        raise InputDataError("this server has no data folders, so no server file can be named; upload the file.")
    if not typed:
        raise InputDataError("give a path inside a data folder, or upload the file.")
    if "\x00" in typed or typed.startswith("~"):
        raise OutsideDataFoldersError(f"{typed!r} is not a path inside this server's data folders.")
    roots = [Path(folder).resolve() for folder in folders]
    candidate = Path(typed)
    tries = [candidate] if candidate.is_absolute() else [root / candidate for root in roots]
    inside = []
    for attempt in tries:
        try:
            real = attempt.resolve(strict=False)
        except (OSError, RuntimeError):  # a loop of links
            continue
        if any(_inside(real, root) for root in roots):
            inside.append(real)
    if not inside:
        raise OutsideDataFoldersError(f"{typed!r} is not a path inside this server's data folders.")
    for real in inside:
        if real.is_file():
            return real
    raise InputDataError(f"{typed!r} names no file in this server's data folders; check the name.")


def describe_folders(folders: Sequence[Path], root: Path | None = None) -> str:
    """Return the data folders for a planner's help text (relative to ``root`` where they lie under it)."""
    shown = []
    for folder in folders:
        folder = Path(folder)
        if root is not None and folder.is_relative_to(root):
            shown.append(str(folder.relative_to(root)) or ".")
        else:
            shown.append(str(folder))
    return ", ".join(shown)


#: the endings of the OSM files a planner may build a study from
OSM_SUFFIXES = (".osm.pbf", ".osm")
#: at most this many files are listed, and folders this deep searched (a data folder is a shelf, not a disk)
LISTED_FILES = 500
LISTED_DEPTH = 4


@dataclass(frozen=True)
class ServerFile:
    """An OSM file in a data folder, as the new-study page lists it.

    Attributes
    ----------
    path : pathlib.Path
        The resolved path (inside a resolved data folder).
    name : str
        The path relative to its data folder, prefixed by the folder's own
        name when the deployment has more than one folder.
    size_bytes : int
        The file's size.
    modified : datetime.datetime
        When the file was last written (UTC).
    """

    path: Path
    name: str
    size_bytes: int
    modified: dt.datetime


def list_server_files(
    folders: Sequence[Path], suffixes: Sequence[str] = OSM_SUFFIXES, limit: int = LISTED_FILES
) -> list[ServerFile]:
    r"""Return the files in the data folders a planner may pick, by name (at most ``limit``).

    Sub-folders are searched to :data:`LISTED_DEPTH` levels; hidden files
    and folders are skipped; a symbolic link is followed only when what it
    leads to lies in a data folder (a link out is left off, never shown);
    a file reached twice (through a link, or two folders) is listed once.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "town.osm.pbf").write_bytes(b"\x00" * 2048)
    >>> _ = (folder / "notes.txt").write_text("not OSM")
    >>> [(f.name, f.size_bytes) for f in list_server_files([folder])]
    [('town.osm.pbf', 2048)]
    """
    roots = [Path(folder).resolve() for folder in folders]
    named = len({root for root in roots}) > 1
    found: dict[Path, ServerFile] = {}
    for root in dict.fromkeys(roots):
        if not root.is_dir():
            continue
        for here, dirs, files in os.walk(root, followlinks=False):
            depth = len(Path(here).relative_to(root).parts)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") and depth < LISTED_DEPTH)
            # a file's own name before a link's to it: a file reached both ways is listed by its own
            for file_name in sorted(files, key=lambda f: ((Path(here) / f).is_symlink(), f)):
                if file_name.startswith(".") or not file_name.lower().endswith(tuple(suffixes)):
                    continue
                try:
                    real = (Path(here) / file_name).resolve(strict=True)
                    facts = real.stat()
                except (OSError, RuntimeError):  # a broken link, a loop of links
                    continue
                if real in found or not real.is_file() or not any(_inside(real, r) for r in roots):
                    continue
                inside = (Path(here) / file_name).relative_to(root)
                found[real] = ServerFile(
                    path=real,
                    name=str(Path(root.name) / inside) if named else str(inside),
                    size_bytes=int(facts.st_size),
                    modified=dt.datetime.fromtimestamp(facts.st_mtime, dt.UTC),
                )
                if len(found) >= limit:
                    return sorted(found.values(), key=lambda f: f.name)
    return sorted(found.values(), key=lambda f: f.name)
