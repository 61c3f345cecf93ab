"""Server files a planner may name: only inside the deployment's data folders.

A path is taken as typed (no ``~``), joined to a data folder when it is
relative, resolved with every symbolic link followed, and accepted only when
the resolved file lies inside a resolved data folder. A refusal names the
path as typed and never what the file holds, nor whether a file outside the
folders exists.
"""

from __future__ import annotations

from collections.abc import Sequence
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
