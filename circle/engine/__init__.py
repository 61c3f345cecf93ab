"""The isochrone engine: reach from every block to every category, and isochrones.

Backends share one protocol (:class:`~circle.engine._base.Backend`) and one
definition of the problem (:class:`~circle.engine._base.ReachProblem`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from circle.engine._base import Backend, CategoryReach, Destinations, ReachProblem
from circle.errors import EngineError

if TYPE_CHECKING:
    from circle.engine._labels import PreparedOrigins

BACKENDS = ("labels", "csgraph", "pandana", "bruteforce")
DEFAULT_BACKEND = "labels"


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
    if name == "labels":
        from circle.engine._labels import LabelBackend

        return LabelBackend()
    if name == "csgraph":
        from circle.engine._csgraph import CsgraphBackend

        return CsgraphBackend()
    if name == "pandana":
        from circle.engine._pandana import PandanaBackend

        return PandanaBackend()
    if name == "bruteforce":
        from circle.engine._bruteforce import BruteForceBackend

        return BruteForceBackend()
    raise EngineError(f"unknown engine backend {name!r}; choose one of: {', '.join(BACKENDS)}.")


def __getattr__(name: str) -> Any:
    """Import :class:`PreparedOrigins` (and with it the compiled kernels) only when it is asked for."""
    if name == "PreparedOrigins":
        from circle.engine._labels import PreparedOrigins

        return PreparedOrigins
    raise AttributeError(f"module 'circle.engine' has no attribute {name!r}")


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
