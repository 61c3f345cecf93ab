"""Slopes and stairs: walking seconds of each directed segment from a DEM and the steps' tags.

* Ordinary ways on a DEM follow Tobler's hiking function normalised to the
  profile's flat speed: ``speed(s) = flat × exp(−3.5·(|s + 0.05| − 0.05))``
  with ``s`` the rise over the run in the direction walked, so uphill and
  downhill differ (a gentle descent of 5 % is the fastest). A profile's
  ``max_slope`` makes steeper segments impassable (wheelchairs).
* Steps cost the horizontal walk at the flat speed plus their rise at the
  profile's climbing speed up or down. The rise comes from ``step_count``
  (× 16.5 cm, shared along the flight by length), else a numeric ``incline``,
  else the DEM; its direction from ``incline`` or the DEM. Steps whose rise
  is unknown keep the profile's ``steps_speed_factor``; a profile with
  ``steps_passable: false`` never uses them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circle.standards import WalkingProfile

RISER_M = 0.165


TOBLER_RATE = 3.5


TOBLER_OFFSET = 0.05


MAX_DEM_SLOPE = 1.0  # steeper than 45° between two nodes is DEM noise on a short segment: clipped


def tobler_factor(slope: np.ndarray) -> np.ndarray:
    """Return Tobler's speed at ``slope`` (rise/run) divided by his speed on the flat.

    Examples
    --------
    >>> [round(float(f), 4) for f in tobler_factor(np.array([0.0, -0.05, 0.1, -0.1, -0.2]))]
    [1.0, 1.1912, 0.7047, 1.0, 0.7047]
    """
    slope = np.asarray(slope, float)
    return np.exp(-TOBLER_RATE * (np.abs(slope + TOBLER_OFFSET) - TOBLER_OFFSET))


@dataclass
class SegmentTerrain:
    """What the terrain did to a network (for the study summary)."""

    nodes_with_height: int
    nodes_without_height: int
    median_abs_slope: float | None
    steep_segments_closed: int
    steps_with_rise: int
    steps_without_rise: int

    def to_dict(self) -> dict:
        """Return the figures as recorded in ``summary.json``."""
        return {
            "nodes_with_height": self.nodes_with_height,
            "nodes_without_height": self.nodes_without_height,
            "median_abs_slope": None if self.median_abs_slope is None else round(self.median_abs_slope, 4),
            "steep_segments_closed": self.steep_segments_closed,
            "steps_with_rise": self.steps_with_rise,
            "steps_without_rise": self.steps_without_rise,
        }


def segment_seconds(
    length_m: np.ndarray,
    is_steps: np.ndarray,
    profile: WalkingProfile,
    dz: np.ndarray | None = None,
    step_rise_m: np.ndarray | None = None,
    incline: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Return the seconds to walk each segment from ``a`` to ``b`` and back.

    Parameters
    ----------
    length_m : numpy.ndarray
        Horizontal length of each segment.
    is_steps : numpy.ndarray
        Whether the segment is ``highway=steps``.
    profile : WalkingProfile
        Speeds.
    dz : numpy.ndarray, optional
        Height of ``b`` minus height of ``a`` from a DEM (NaN where unknown).
    step_rise_m : numpy.ndarray, optional
        Rise of a steps segment from ``step_count`` (NaN where untagged), without direction.
    incline : numpy.ndarray, optional
        ``incline`` along a → b (rise/run; ±inf for up/down without a value; NaN where untagged).

    Returns
    -------
    tuple
        ``(seconds_ab, seconds_ba, counts)``; ``inf`` marks an impassable direction.
    """
    n = len(length_m)
    flat = profile.speed
    dz = np.full(n, np.nan) if dz is None else np.asarray(dz, float)
    step_rise_m = np.full(n, np.nan) if step_rise_m is None else np.asarray(step_rise_m, float)
    incline = np.full(n, np.nan) if incline is None else np.asarray(incline, float)
    safe_length = np.maximum(length_m, 0.01)

    slope = np.clip(dz / safe_length, -MAX_DEM_SLOPE, MAX_DEM_SLOPE)
    on_dem = np.isfinite(slope)
    seconds_ab = length_m / flat
    seconds_ba = seconds_ab.copy()
    seconds_ab = np.where(on_dem, length_m / (flat * tobler_factor(slope)), seconds_ab)
    seconds_ba = np.where(on_dem, length_m / (flat * tobler_factor(-slope)), seconds_ba)
    closed = np.zeros(n, bool)
    if profile.max_slope is not None:
        closed = on_dem & (np.abs(slope) > float(profile.max_slope.value)) & ~is_steps
        seconds_ab = np.where(closed, np.inf, seconds_ab)
        seconds_ba = np.where(closed, np.inf, seconds_ba)

    # Steps: the signed rise along a → b, where it can be known.
    numeric_incline = np.where(np.isfinite(incline), incline * length_m, np.nan)
    magnitude = np.where(np.isfinite(step_rise_m), step_rise_m, np.abs(numeric_incline))
    magnitude = np.where(np.isfinite(magnitude), magnitude, np.abs(dz))
    direction = np.sign(np.where(~np.isnan(incline), incline, dz))
    rise_known = is_steps & np.isfinite(magnitude)
    horizontal = length_m / flat
    if profile.climb_up_m_s is not None and profile.climb_down_m_s is not None:
        up, down = float(profile.climb_up_m_s.value), float(profile.climb_down_m_s.value)
        unknown_direction = direction == 0
        ab = np.where(direction > 0, magnitude / up, magnitude / down)
        ba = np.where(direction > 0, magnitude / down, magnitude / up)
        mean = 0.5 * (magnitude / up + magnitude / down)
        ab = np.where(unknown_direction | np.isnan(direction), mean, ab)
        ba = np.where(unknown_direction | np.isnan(direction), mean, ba)
        seconds_ab = np.where(rise_known, horizontal + ab, seconds_ab)
        seconds_ba = np.where(rise_known, horizontal + ba, seconds_ba)
    else:
        rise_known = np.zeros(n, bool)
    by_factor = is_steps & ~rise_known
    seconds_ab = np.where(by_factor, length_m / profile.steps_speed, seconds_ab)
    seconds_ba = np.where(by_factor, length_m / profile.steps_speed, seconds_ba)
    if not profile.steps_passable:
        seconds_ab = np.where(is_steps, np.inf, seconds_ab)
        seconds_ba = np.where(is_steps, np.inf, seconds_ba)
    counts = {
        "steep_segments_closed": int(closed.sum()),
        "steps_with_rise": int(rise_known.sum()),
        "steps_without_rise": int(by_factor.sum()),
    }
    return seconds_ab, seconds_ba, counts
