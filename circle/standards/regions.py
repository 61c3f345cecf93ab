"""Regional population defaults: storeys, floor area per person, density and their plausible bounds.

The values live in ``regions.yaml`` beside this module, each with its source.
A study takes the region whose box holds its centre (``world`` last), or the
one the user names; :meth:`Region.apply` lays the region under a preset's own
``population`` section, so a value the preset states wins.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from circle.errors import PresetError
from circle.standards.loader import Preset
from circle.standards.sourced import Sourced, sourced

#: the keys every region states.
REGION_KEYS = (
    "default_levels",
    "levels_low",
    "levels_high",
    "house_levels",
    "floor_area_per_person_m2",
    "floor_area_per_person_low_m2",
    "floor_area_per_person_high_m2",
    "occupied_share",
    "density_per_km2",
    "max_density_per_ha",
    "min_density_per_ha",
    "min_flag_area_ha",
)


@dataclass(frozen=True)
class Region:
    """A region's population defaults.

    Attributes
    ----------
    key : str
        Its name (``china``, ``europe``, ``world``).
    title_zh, title_en : str
        What to call it.
    bbox : tuple of float or None
        ``(W, S, E, N)`` in degrees; None for the fallback region.
    population : dict of str to Sourced
        The values of :data:`REGION_KEYS`.
    """

    key: str
    title_zh: str
    title_en: str
    bbox: tuple[float, float, float, float] | None
    population: dict[str, Sourced]

    def holds(self, lon: float, lat: float) -> bool:
        """Whether the point lies in the region's box (the fallback region holds every point)."""
        if self.bbox is None:
            return True
        west, south, east, north = self.bbox
        return west <= lon <= east and south <= lat <= north

    def apply(self, preset: Preset) -> Preset:
        """Return ``preset`` with the region's values under those the preset states itself."""
        return dataclasses.replace(preset, population={**self.population, **preset.population})


@lru_cache(maxsize=1)
def regions() -> tuple[Region, ...]:
    """Return the regions of ``regions.yaml`` in the order they are tried."""
    raw = yaml.safe_load(resources.files("circle.standards").joinpath("regions.yaml").read_text(encoding="utf-8"))
    problems: list[str] = []
    found = []
    for entry in raw["regions"]:
        values = {key: sourced(entry["population"], key, f"regions.{entry['key']}", problems) for key in REGION_KEYS}
        bbox = entry.get("bbox")
        found.append(
            Region(
                key=entry["key"],
                title_zh=entry["title"]["zh"],
                title_en=entry["title"]["en"],
                bbox=tuple(float(v) for v in bbox) if bbox else None,
                population=values,
            )
        )
    if problems:
        raise PresetError("regions.yaml: " + "; ".join(problems))
    return tuple(found)


def region_names() -> list[str]:
    """Return the keys a user may pass as ``--region``."""
    return [region.key for region in regions()]


def region_for(lon: float, lat: float, name: str | None = None) -> Region:
    """Return the region named ``name``, else the first whose box holds ``(lon, lat)``.

    Raises
    ------
    PresetError
        When ``name`` is not a known region.
    """
    if name is not None:
        for region in regions():
            if region.key == name:
                return region
        raise PresetError(f"no region {name!r}; the regions are {', '.join(region_names())}.")
    return next(region for region in regions() if region.holds(lon, lat))
