"""The ``scoring`` section of a preset: criterion, score decay, bands, priority, E2SFCA, green space."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from circle.standards.sourced import Sourced, sourced


@dataclass(frozen=True)
class Band:
    """A score band: from ``minimum`` up, with its names."""

    minimum: float
    zh: str
    en: str


@dataclass(frozen=True)
class ScoringRules:
    """How a preset turns reach times into pass/fail, tiers, scores and priorities.

    Attributes
    ----------
    criterion : str
        ``"distance"`` (pass within ``radius_m``, walked at the profile's flat
        speed) or ``"time"`` (pass within ``threshold_min``).
    zero_at_factor : Sourced or None
        Relative decay: full points up to the category's threshold, none at
        this factor × the threshold.
    full_at_min, zero_at_min : Sourced or None
        Absolute decay (minutes), used when ``zero_at_factor`` is not given.
    bands : tuple of Band
        Descending by ``minimum``.
    priority : dict of str to Sourced
        ``population_exponent`` and ``adjacency_m``.
    e2sfca : dict of str to Sourced
        ``catchment_min``, ``band_limits_min``, ``band_weights``,
        ``residents_per_capacity_unit`` (empty when the preset has none).
    green : dict
        ``per_capita_m2``, ``renewal_share`` and the green ``categories``.
    """

    criterion: str
    zero_at_factor: Sourced | None
    full_at_min: Sourced | None
    zero_at_min: Sourced | None
    bands: tuple[Band, ...]
    priority: dict[str, Sourced]
    e2sfca: dict[str, Sourced] = field(default_factory=dict)
    green: dict[str, Any] = field(default_factory=dict)

    def band(self, score: float) -> Band:
        """Return the band a score falls in."""
        for band in self.bands:
            if score >= band.minimum:
                return band
        return self.bands[-1]

    def to_dict(self) -> dict[str, Any]:
        """Return the rules as recorded in ``summary.json``."""
        return {
            "criterion": self.criterion,
            "zero_at_factor": self.zero_at_factor.to_dict() if self.zero_at_factor else None,
            "full_at_min": self.full_at_min.to_dict() if self.full_at_min else None,
            "zero_at_min": self.zero_at_min.to_dict() if self.zero_at_min else None,
            "bands": [{"min": b.minimum, "zh": b.zh, "en": b.en} for b in self.bands],
            "priority": {k: v.to_dict() for k, v in self.priority.items()},
            "e2sfca": {k: v.to_dict() for k, v in self.e2sfca.items()},
            "green": {k: (v.to_dict() if isinstance(v, Sourced) else v) for k, v in self.green.items()},
        }


def parse_scoring(raw: Any, problems: list[str]) -> ScoringRules:
    """Read the ``scoring`` section, appending every problem to ``problems``."""
    if not isinstance(raw, dict):
        problems.append("'scoring' must be a mapping (criterion, score, bands, priority)")
        raw = {}
    criterion = raw.get("criterion", "distance")
    if criterion not in {"distance", "time"}:
        problems.append(f"'scoring.criterion' must be distance or time, not {criterion!r}")
    score = raw.get("score") or {}
    zero_at_factor = full_at_min = zero_at_min = None
    if "zero_at_factor" in score:
        zero_at_factor = sourced(score, "zero_at_factor", "scoring.score", problems, positive=True)
    elif "full_at_min" in score or "zero_at_min" in score:
        full_at_min = sourced(score, "full_at_min", "scoring.score", problems)
        zero_at_min = sourced(score, "zero_at_min", "scoring.score", problems, positive=True)
        if (
            isinstance(full_at_min.value, int | float)
            and isinstance(zero_at_min.value, int | float)
            and zero_at_min.value <= full_at_min.value
        ):
            problems.append("'scoring.score.zero_at_min' must be greater than full_at_min")
    else:
        problems.append("'scoring.score' needs zero_at_factor, or full_at_min and zero_at_min")
    bands = []
    for index, band in enumerate(raw.get("bands") or []):
        if not isinstance(band, dict) or not isinstance(band.get("min"), int | float) or not band.get("en"):
            problems.append(f"'scoring.bands[{index}]' needs min, zh and en")
            continue
        bands.append(Band(float(band["min"]), str(band.get("zh", band["en"])), str(band["en"])))
    if not bands:
        problems.append("'scoring.bands' must list at least one band")
        bands = [Band(0.0, "", "")]
    bands.sort(key=lambda b: -b.minimum)
    priority_raw = raw.get("priority") or {}
    priority = {
        "population_exponent": sourced(priority_raw, "population_exponent", "scoring.priority", problems),
        "adjacency_m": sourced(priority_raw, "adjacency_m", "scoring.priority", problems),
    }
    e2sfca = {}
    if raw.get("e2sfca"):
        section = raw["e2sfca"]
        for key in ("catchment_min", "band_limits_min", "band_weights", "residents_per_capacity_unit"):
            e2sfca[key] = sourced(section, key, "scoring.e2sfca", problems, positive=True)
        limits, weights = e2sfca["band_limits_min"].value, e2sfca["band_weights"].value
        if isinstance(limits, list) and isinstance(weights, list) and len(limits) != len(weights):
            problems.append("'scoring.e2sfca.band_limits_min' and band_weights must have the same length")
    green = {}
    if raw.get("green"):
        section = raw["green"]
        green = {
            "per_capita_m2": sourced(section, "per_capita_m2", "scoring.green", problems, positive=True),
            "renewal_share": sourced(section, "renewal_share", "scoring.green", problems, positive=True),
            "categories": [str(c) for c in section.get("categories", [])],
        }
    return ScoringRules(criterion, zero_at_factor, full_at_min, zero_at_min, tuple(bands), priority, e2sfca, green)
