"""Errors a planner can act on.

Every failure that reaches a user is a :class:`CircleError` (or a subclass).
Its message says what was wrong and what to do about it; the command line
prints it as one paragraph, without a traceback.
"""

from __future__ import annotations


class CircleError(Exception):
    """Base class of every user-facing failure in circle."""


class InputDataError(CircleError, ValueError):
    """An input file or table cannot be read or does not hold usable data."""


class AreaError(CircleError, ValueError):
    """A study area (bounding box, polygon) is malformed or misses the data."""


class NetworkError(CircleError):
    """The walking network cannot be built or is unusable."""


class PresetError(CircleError, ValueError):
    """A standards preset or walking profile is missing or malformed."""


class StudyError(CircleError):
    """A study folder cannot be written or read."""


class OnlineSourceError(CircleError, ConnectionError):
    """Data could not be fetched from an online service."""


class EngineError(CircleError):
    """A routing backend is unavailable or failed."""
