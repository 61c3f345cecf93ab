"""Regional age structures: the share of residents in each age band (``age_structure.yaml``), and shares of age ranges.

A structure is a list of bands (lower ages, the last band open) with the
share of residents in each; residents are spread evenly over the years of a
band, so the share of any age range can be read from it
(:meth:`AgeStructure.share_between`). It is what a block takes where nothing
says more, and how a census or raster band is split into the groups a preset
serves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from circle.standards.age_groups import AgeGroup

#: the structure taken for a region the file does not name
FALLBACK_REGION = "world"


@dataclass(frozen=True)
class AgeStructure:
    """Shares of residents by age band.

    Attributes
    ----------
    key : str
        The region (``china``, ``europe``, ``world``).
    title_zh, title_en : str
        What it is.
    lower : tuple of float
        The lower age of each band, ascending from 0; a band runs up to the next one.
    shares : tuple of float
        The share (0–1, summing to 1) of residents in each band.
    open_band_years : float
        The years the last, open band is taken to span.
    source : str
        Where the figures come from.
    verified : bool
        Whether they were checked against it.
    """

    key: str
    title_zh: str
    title_en: str
    lower: tuple[float, ...]
    shares: tuple[float, ...]
    open_band_years: float
    source: str
    verified: bool

    def share_between(self, low: float, high: float | None) -> float:
        """Return the share of residents aged ``low`` ≤ age < ``high`` (no upper bound when ``high`` is None).

        Examples
        --------
        >>> flat = AgeStructure("x", "", "", (0.0, 10.0), (0.5, 0.5), 10.0, "", True)
        >>> flat.share_between(5, 15)
        0.5
        >>> round(flat.share_between(3, None), 2)
        0.85
        """
        lower = np.asarray(self.lower, float)
        upper = np.append(lower[1:], lower[-1] + self.open_band_years)
        high = np.inf if high is None else float(high)
        overlap = np.clip(np.minimum(upper, high) - np.maximum(lower, float(low)), 0.0, None)
        return float((np.asarray(self.shares) * overlap / (upper - lower)).sum())

    def group_shares(self, groups: tuple[AgeGroup, ...]) -> np.ndarray:
        """Return the share of residents in each group."""
        return np.array([self.share_between(g.min_age, g.max_age) for g in groups], float)

    def to_dict(self) -> dict[str, Any]:
        """Return the structure as recorded in ``summary.json`` (its bands in percent)."""
        return {
            "region": self.key,
            "title": {"zh": self.title_zh, "en": self.title_en},
            "bands_percent": {
                f"{low:g}": round(100 * share, 2) for low, share in zip(self.lower, self.shares, strict=True)
            },
            "source": self.source,
            "verified": self.verified,
        }


def band_to_group_fractions(
    low: np.ndarray, high: np.ndarray, groups: tuple[AgeGroup, ...], structure: AgeStructure
) -> np.ndarray:
    """Return, for each band ``[low, high)`` and group, the share of the band's residents in the group.

    Inside a band, residents are spread as in ``structure`` (its bands, each
    even over its years). A band the structure holds nobody of goes wholly to
    the groups that contain it.

    Parameters
    ----------
    low, high : numpy.ndarray
        The bands' ages (``high`` may be ``inf``).
    groups : tuple of AgeGroup
        The groups.
    structure : AgeStructure
        How residents spread inside a band.

    Returns
    -------
    numpy.ndarray
        Shape ``(bands, groups)``, each value in [0, 1].

    Examples
    --------
    >>> from circle.standards.age_groups import builtin_age_groups
    >>> flat = AgeStructure("x", "", "", (0.0, 5.0), (0.5, 0.5), 5.0, "", True)
    >>> g = builtin_age_groups()["age_0_3"]
    >>> band_to_group_fractions(np.array([0.0, 1.0]), np.array([1.0, 5.0]), (g,), flat).round(2).tolist()
    [[1.0], [0.5]]
    """
    out = np.zeros((len(low), len(groups)))
    for b, (band_low, band_high) in enumerate(zip(low, high, strict=True)):
        band_top = None if np.isinf(band_high) else float(band_high)
        whole = structure.share_between(band_low, band_top)
        for g, group in enumerate(groups):
            group_top = np.inf if group.max_age is None else group.max_age
            start, end = max(float(band_low), group.min_age), min(float(band_high), group_top)
            if end <= start:
                continue
            if whole > 0:
                out[b, g] = structure.share_between(start, None if np.isinf(end) else end) / whole
            else:
                out[b, g] = 1.0 if (start, end) == (float(band_low), float(band_high)) else 0.0
    return np.clip(out, 0.0, 1.0)


@lru_cache(maxsize=1)
def age_structures() -> dict[str, AgeStructure]:
    """Return the structures of ``age_structure.yaml`` by region."""
    text = resources.files("circle.standards").joinpath("age_structure.yaml").read_text(encoding="utf-8")
    found = {}
    for key, entry in yaml.safe_load(text)["structures"].items():
        bands = sorted((float(low), float(percent)) for low, percent in entry["bands"].items())
        total = sum(percent for _, percent in bands)
        if bands[0][0] != 0 or total <= 0 or any(percent < 0 for _, percent in bands):
            # a broken file shipped with circle is a bug, not a user's error
            raise ValueError(f"circle/standards/age_structure.yaml: {key} must start at age 0 with shares ≥ 0")
        found[key] = AgeStructure(
            key=key,
            title_zh=entry["title"]["zh"],
            title_en=entry["title"]["en"],
            lower=tuple(low for low, _ in bands),
            shares=tuple(percent / total for _, percent in bands),
            open_band_years=float(entry["open_band_years"]),
            source=" ".join(str(entry["source"]).split()),
            verified=bool(entry["verified"]),
        )
    return found


def structure_for(region: str | None) -> AgeStructure:
    """Return the age structure of ``region`` (the world's for a region the file does not name)."""
    structures = age_structures()
    return structures.get(region or FALLBACK_REGION, structures[FALLBACK_REGION])
