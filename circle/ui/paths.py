"""Messages for the browser without the server's absolute paths.

Errors raised deep in a build or a read name files by their absolute paths
(the data folders, the studies folder, a session's scratch folder with the
server's process id). :func:`shown` rewrites each absolute path in a message:
inside a data folder or the studies folder it becomes the path relative to
that folder; anywhere else (a scratch folder, the system's) just the file's
name. The server's log keeps the full message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from circle.deploy.config import load_deployment

# an absolute POSIX path: a slash not inside a word, a URL (``://``) or another path
_ABSOLUTE = re.compile(r"(?<![\w/.:~\-])/[^\s'\"`<>|;,()\[\]{}]+")


def relative_to_roots(path: str, roots: Sequence[Path]) -> str:
    """Return ``path`` relative to the first of ``roots`` holding it, else its last part.

    Examples
    --------
    >>> relative_to_roots("/srv/data/osm/chengdu.pbf", [Path("/srv/data")])
    'osm/chengdu.pbf'
    >>> relative_to_roots("/tmp/circle-session-4242-x/y/upload.osm.data", [Path("/srv/data")])
    'upload.osm.data'
    """
    pure = PurePosixPath(path)
    for root in roots:
        try:
            inside = pure.relative_to(PurePosixPath(root))
        except ValueError:
            continue
        return str(inside) if str(inside) != "." else PurePosixPath(root).name
    return pure.name or "/"


def without_paths(message: str, roots: Sequence[Path], typed: Sequence[str] = ()) -> str:
    """Return ``message`` with every absolute path shown relative to ``roots`` (or by its name).

    A path the user ``typed`` themselves is left as they typed it.

    Examples
    --------
    >>> without_paths("cannot read /srv/data/osm/a.pbf: truncated.", [Path("/srv/data")])
    'cannot read osm/a.pbf: truncated.'
    >>> without_paths("see https://example.org/a and 5 km/h", [])
    'see https://example.org/a and 5 km/h'
    """
    resolved = []
    for root in roots:
        resolved += [Path(root), Path(root).resolve()]
    resolved.sort(key=lambda r: len(str(r)), reverse=True)  # the deepest root first

    kept = {text.strip() for text in typed if text and text.strip()}

    def rewrite(match: re.Match) -> str:
        text = match.group(0)
        tail = ""
        while text and text[-1] in ".:'\"":  # the sentence's punctuation, not the path's
            text, tail = text[:-1], text[-1] + tail
        if text in kept:
            return text + tail
        return relative_to_roots(text, resolved) + tail

    return _ABSOLUTE.sub(rewrite, message)


def shown(error: BaseException | str, *typed: str) -> str:
    """Return an error's message for the browser: paths relative to the data and studies folders.

    The folders are the deployment's (:func:`circle.deploy.config.load_deployment`);
    where it cannot be read, every absolute path is shown by its last part.
    The paths in ``typed`` (what the user typed, e.g. in the server-path box) stay as typed.
    """
    roots: list[Path] = []
    try:
        deployment = load_deployment()
        roots = [*deployment.data_folders, deployment.studies]
    except Exception:  # the message is still shown, with bare names
        pass
    return without_paths(str(error), roots, typed)
