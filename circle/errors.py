"""Errors a planner can act on.

Every failure that reaches a user is a :class:`CircleError` (or a subclass).
Its message describes the data: what was wrong and what to do about it, in
words that hold wherever the input came from. It names the inputs concerned
in :attr:`CircleError.about` (the field names of
:class:`~circle.pipeline.AnalysisOptions` and the like); the command line
adds its flags for them (``--bbox``), the app its own words. The command line
prints the message as one paragraph, without a traceback.

Examples
--------
>>> error = AreaError("the bounding box is not four numbers.", about=("bbox",))
>>> str(error), error.about
('the bounding box is not four numbers.', ('bbox',))
"""

from __future__ import annotations

from collections.abc import Sequence


class CircleError(Exception):
    """Base class of every user-facing failure in circle.

    Parameters
    ----------
    message : str
        What was wrong with the data and what to do.
    about : sequence of str, optional
        The inputs the message is about (e.g. ``("bbox", "area_file")``), for
        the command line and the app to name in their own words.
    """

    def __init__(self, message: str = "", *, about: Sequence[str] = ()):
        super().__init__(message)
        self.about = tuple(about)


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
