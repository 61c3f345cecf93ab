"""The ``completeness`` section of ``summary.json``: how completely each category seems mapped, and why.

One :class:`CategoryCompleteness` per category of the preset, with its
verdict (:data:`ASSESSED`, :data:`LIKELY_INCOMPLETE` or :data:`ABSENT`) and
the figures behind it; measured by :mod:`circle.analysis.completeness`, read
by every face that says which categories are scored and why the others are not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ASSESSED = "assessed"
LIKELY_INCOMPLETE = "likely_incomplete"
ABSENT = "absent"
VERDICTS = (ASSESSED, LIKELY_INCOMPLETE, ABSENT)


@dataclass(frozen=True)
class CategoryCompleteness:
    """How completely one category seems to be mapped, and why.

    Attributes
    ----------
    verdict : str
        ``assessed``, ``likely_incomplete`` or ``absent``.
    facilities : int
        Facilities of the category in the study (inside the study area when it has one).
    imported : int
        How many of them come from a list the planner imported.
    per_1000 : float or None
        Facilities per thousand residents (None without residents).
    expected : float or None
        The count the norm implies for the study's residents (None without a norm).
    norm_share : float or None
        ``facilities / expected``.
    unreached_blocks : float
        Share of blocks with none within the search limit.
    unreached_residents : float
        Share of residents in those blocks.
    reasons : tuple of str
        Machine-readable reasons for a verdict other than assessed:
        ``none_mapped``, ``below_norm``, ``unreached``.
    """

    verdict: str
    facilities: int
    imported: int
    per_1000: float | None
    expected: float | None
    norm_share: float | None
    unreached_blocks: float
    unreached_residents: float
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the record as written to ``summary.json``."""
        return {
            "verdict": self.verdict,
            "facilities": self.facilities,
            "imported": self.imported,
            "per_1000": self.per_1000,
            "expected": self.expected,
            "norm_share": self.norm_share,
            "unreached_blocks": self.unreached_blocks,
            "unreached_residents": self.unreached_residents,
            "reasons": list(self.reasons),
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CategoryCompleteness:
        """Read a record written by :meth:`to_dict`."""
        return cls(
            verdict=str(raw["verdict"]),
            facilities=int(raw["facilities"]),
            imported=int(raw.get("imported", 0)),
            per_1000=raw.get("per_1000"),
            expected=raw.get("expected"),
            norm_share=raw.get("norm_share"),
            unreached_blocks=float(raw.get("unreached_blocks", 0.0)),
            unreached_residents=float(raw.get("unreached_residents", 0.0)),
            reasons=tuple(raw.get("reasons", ())),
        )

    @property
    def assessable(self) -> bool:
        """Whether the category is scored (only an assessed one is)."""
        return self.verdict == ASSESSED
