"""How completely each category seems to be mapped: a verdict per category, and the figures behind it.

A study can only say "no clinic within 15 minutes" when the data holds the
clinics. For every category of the preset this module measures two things:

- **provision against the norm**: facilities mapped inside the study area
  per thousand residents, against the count the standard implies, one
  facility per ``residents_per_facility`` residents (GB 50180-2018 provides
  each facility once per living circle of a given size; the value and its
  source are in the preset);
- **reach**: the share of blocks (and of residents) with none of the
  category within the search limit (30 minutes). In a settled area a
  category that is really provided is rarely that far from most blocks.

The verdict is

- ``absent``: no facility of the category in the study's data;
- ``likely_incomplete``: fewer facilities than ``completeness_min_norm_share``
  of the norm's count (rounded down to a whole facility), or more than ``completeness_max_unreached_share`` of
  the blocks with none within the search limit;
- ``assessed``: otherwise, or when the category's facilities come from a
  list the planner imported (a bureau's own list is taken as complete). A
  web map's POI export (AMap, Baidu, Tencent) or a list classified by its
  type names or names is no register: its facilities are judged like
  OpenStreetMap's (a crawl holding two care homes of a district says as
  little of the district's care as a map holding two).

Absent and likely incomplete categories are never reported as a block's or
a resident's missing service: scores, tiers, F15 and priorities leave them
out, and every face says which and why (the record and its verdicts:
:mod:`circle.study.completeness`; in words: :func:`circle.words.findings.explain`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from circle.standards import Preset
from circle.study.columns import time_column
from circle.study.completeness import ABSENT, ASSESSED, LIKELY_INCOMPLETE, CategoryCompleteness


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), digits)


def category_completeness(
    preset: Preset,
    blocks: pd.DataFrame,
    facility_categories: pd.Series,
    facility_sources: pd.Series | None = None,
    inside_area: np.ndarray | None = None,
    extra_facilities: dict[str, int] | None = None,
    registers: np.ndarray | None = None,
) -> dict[str, CategoryCompleteness]:
    """Judge how completely every category of ``preset`` is mapped.

    Parameters
    ----------
    preset : Preset
        Gives the categories, their ``residents_per_facility`` norms and the
        two thresholds (``analysis.completeness_min_norm_share`` and
        ``analysis.completeness_max_unreached_share``).
    blocks : pandas.DataFrame
        The study's blocks: ``population`` and the ``{c}_t1`` columns (NaN where
        none lies within the search limit).
    facility_categories : pandas.Series
        The category of every facility of the study.
    facility_sources : pandas.Series, optional
        Each facility's ``source`` (``osm`` or the imported list's); aligned with
        ``facility_categories``.
    inside_area : numpy.ndarray of bool, optional
        Which facilities lie inside the study area (facilities kept within a walk
        beyond it serve edge blocks but are not the area's provision); all when None.
    extra_facilities : dict of str to int, optional
        Facilities a scenario adds, per category (a plan that adds the first of a
        category makes it assessable: the planner brought that facility).
    registers : numpy.ndarray of bool, optional
        Which facilities come from a list taken as complete (a bureau's register);
        by default every facility not from OpenStreetMap. A web map's export is
        no register (see :func:`register_mask`).

    Returns
    -------
    dict of str to CategoryCompleteness
        One record per category, in preset order.

    Examples
    --------
    >>> from circle.standards import load_preset
    >>> preset = load_preset("gb50180_2018")
    >>> blocks = pd.DataFrame({"population": [6000.0, 6000.0]})
    >>> for c in preset.categories:
    ...     blocks[f"{c.key}_t1"] = [3.0, np.nan if c.key == "culture" else 4.0]
    >>> found = category_completeness(preset, blocks, pd.Series(["clinic", "culture"]))
    >>> found["clinic"].verdict, found["culture"].verdict, found["park"].verdict
    ('assessed', 'likely_incomplete', 'absent')
    >>> found["culture"].reasons
    ('unreached',)
    """
    min_share = float(preset.analysis["completeness_min_norm_share"].value)
    max_unreached = float(preset.analysis["completeness_max_unreached_share"].value)
    population = blocks["population"].to_numpy(float)
    residents = float(population.sum())
    categories = facility_categories.astype(str).to_numpy()
    keep = np.ones(len(categories), bool) if inside_area is None else np.asarray(inside_area, bool)
    imported_mask = (
        np.zeros(len(categories), bool)
        if facility_sources is None
        else facility_sources.astype(str).to_numpy() != "osm"
    )
    if registers is not None:
        imported_mask = imported_mask & np.asarray(registers, bool)
    extra = extra_facilities or {}
    found: dict[str, CategoryCompleteness] = {}
    for category in preset.categories:
        mine = categories == category.key
        count = int((mine & keep).sum()) + int(extra.get(category.key, 0))
        anywhere = int(mine.sum()) + int(extra.get(category.key, 0))
        imported = int((mine & imported_mask).sum()) + int(extra.get(category.key, 0))
        column = time_column(category.key, 1)
        t1 = blocks[column].to_numpy(float) if column in blocks else np.full(len(blocks), np.nan)
        unreached = np.isnan(t1)
        unreached_blocks = float(unreached.mean()) if len(blocks) else 0.0
        unreached_residents = float(population[unreached].sum() / residents) if residents else 0.0
        norm = category.residents_per_facility
        expected = residents / float(norm.value) if norm is not None and residents else None
        norm_share = count / expected if expected else None
        reasons: list[str] = []
        if anywhere == 0:
            verdict, reasons = ABSENT, ["none_mapped"]
        elif imported > 0:
            verdict = ASSESSED
        else:
            # a whole number of facilities: 2 where the norm asks 2.01 is not below it
            if expected is not None and count < np.floor(min_share * expected):
                reasons.append("below_norm")
            if unreached_blocks > max_unreached:
                reasons.append("unreached")
            verdict = LIKELY_INCOMPLETE if reasons else ASSESSED
        found[category.key] = CategoryCompleteness(
            verdict=verdict,
            facilities=count,
            imported=imported,
            per_1000=_rounded(count / residents * 1000.0, 4) if residents else None,
            expected=_rounded(expected, 2),
            norm_share=_rounded(norm_share, 3),
            unreached_blocks=round(unreached_blocks, 4),
            unreached_residents=round(unreached_residents, 4),
            reasons=tuple(reasons),
        )
    return found


def register_mask(facility_sources: pd.Series | None, facilities_import: dict | None) -> np.ndarray | None:
    """Return which facilities come from a list taken as complete, or None when every imported one is.

    An imported list whose rows went through a platform's type mapping (it
    has a ``layout`` in ``summary.json``: an AMap, Baidu or Tencent export,
    or a list classified by type names or names) is no register; a bureau's
    list naming the preset's categories is.

    Examples
    --------
    >>> sources = pd.Series(["osm", "import:amap.csv"])
    >>> register_mask(sources, {"layout": {"platform": "amap"}}).tolist()
    [False, False]
    >>> register_mask(sources, {"file": "list.csv"}) is None
    True
    """
    if facility_sources is None or not (facilities_import or {}).get("layout"):
        return None
    return np.zeros(len(facility_sources), bool)


def of_verdict(completeness: dict[str, CategoryCompleteness], verdict: str) -> list[str]:
    """Return the categories with ``verdict``, in the order of ``completeness``."""
    return [key for key, record in completeness.items() if record.verdict == verdict]
