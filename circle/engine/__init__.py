"""The isochrone engine: reach from every block to every category, and isochrones.

Backends share one protocol (:class:`~circle.engine._base.Backend`) and one
definition of the problem (:class:`~circle.engine._base.ReachProblem`).

Importing the package is cheap: ``circle --help`` lists :data:`BACKENDS`, and
the problem's types (which pull in the network preparation, numba and pandas)
load when first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from circle._lazy import lazy_names
from circle.errors import EngineError

if TYPE_CHECKING:
    from circle.engine._base import Backend, CategoryReach, Destinations, ReachProblem
    from circle.engine._labels import PreparedOrigins

BACKENDS = ("labels", "csgraph", "pandana", "bruteforce")
DEFAULT_BACKEND = "labels"

#: public name → the module that defines it, imported when the name is first used
_LAZY = {
    "Backend": "circle.engine._base",
    "CategoryReach": "circle.engine._base",
    "Destinations": "circle.engine._base",
    "ReachProblem": "circle.engine._base",
    "PreparedOrigins": "circle.engine._labels",
}


def get_backend(name: str = DEFAULT_BACKEND) -> Backend:
    """Return a backend by name.

    Parameters
    ----------
    name : str
        One of :data:`BACKENDS`.

    Returns
    -------
    Backend
        A fresh backend object.

    Raises
    ------
    EngineError
        For an unknown name.
    """
    # a backend loads the network preparation (numba, scipy, pandas: 1 s); circle --help imports this package
    if name == "labels":
        from circle.engine._labels import LabelBackend  # loaded only when chosen (see above)

        return LabelBackend()
    if name == "csgraph":
        from circle.engine._csgraph import CsgraphBackend  # loaded only when chosen (see above)

        return CsgraphBackend()
    if name == "pandana":
        from circle.engine._pandana import PandanaBackend  # loaded only when chosen (see above)

        return PandanaBackend()
    if name == "bruteforce":
        from circle.engine._bruteforce import BruteForceBackend  # loaded only when chosen (see above)

        return BruteForceBackend()
    raise EngineError(f"unknown engine backend {name!r}; choose one of: {', '.join(BACKENDS)}.")


__getattr__, __dir__ = lazy_names(__name__, _LAZY)


__all__ = [
    "BACKENDS",
    "DEFAULT_BACKEND",
    "Backend",
    "CategoryReach",
    "Destinations",
    "PreparedOrigins",
    "ReachProblem",
    "get_backend",
]
