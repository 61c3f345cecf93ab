"""Read a set of WorldPop-style age/sex rasters: one GeoTIFF of persons per cell for each sex and age band.

WorldPop names them ``{iso}_{sex}_{age}_{year}.tif`` (``chn_f_60_2020.tif``,
``chn_m_0_2020.tif``; constrained sets add ``_constrained`` or ``_UNadj``),
where ``age`` is the lower age of the band: 0 (under 1), 1 (1–4), 5 (5–9) …
80 (80 and over). The sexes are added; every band must be there for both, on
one grid.
"""

from __future__ import annotations

import glob
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from circle.errors import InputDataError
from circle.sources.raster import RasterWindow, read_window

#: the lower ages of WorldPop's age bands
WORLDPOP_AGES = (0, 1, *range(5, 85, 5))

_NAME = re.compile(r"(?:^|_)(?P<sex>[fm])_(?P<age>\d{1,2})_(?P<year>(?:19|20)\d\d)(?:_|$)", re.IGNORECASE)

WHAT = "WorldPop age raster"


@dataclass(frozen=True)
class AgeBandGrid:
    """Persons per cell by age band, both sexes added, over a study area.

    Attributes
    ----------
    lower : numpy.ndarray
        The lower age of each band (the last band has no upper bound).
    values : numpy.ndarray
        Shape ``(bands, rows, columns)``; NaN at nodata.
    window : RasterWindow
        The first band's window (its transform and CRS hold for all).
    files : list of str
        The files read, by name.
    year : str
        The year their names give.
    """

    lower: np.ndarray
    values: np.ndarray
    window: RasterWindow
    files: list[str]
    year: str


def age_raster_files(spec: str | Path | Sequence[str | Path]) -> dict[tuple[str, int], Path]:
    """Find the age rasters a folder, a glob or a list of files names, by (sex, lower age).

    Raises
    ------
    InputDataError
        When nothing is found, a name does not say its sex and age, a band
        is missing for a sex, or two files give the same band.
    """
    if not isinstance(spec, str | Path):  # the files themselves (a glob the shell expanded)
        paths = [Path(p) for p in spec]
        if len(paths) == 1:
            return age_raster_files(paths[0])
        spec = f"{paths[0].parent}/…"
    elif Path(spec).is_dir():
        paths = sorted(p for p in Path(spec).iterdir() if p.suffix.lower() in (".tif", ".tiff"))
    elif any(ch in str(spec) for ch in "*?["):
        paths = sorted(Path(p) for p in glob.glob(str(spec)) if p.lower().endswith((".tif", ".tiff")))
    else:
        raise InputDataError(
            f"{WHAT}s {spec}: give the folder holding one GeoTIFF per sex and age band (WorldPop's "
            "chn_f_0_2020.tif … chn_m_80_2020.tif), or a glob that matches all of them."
        )
    if not paths:
        raise InputDataError(f"no GeoTIFF found in {spec}; give the folder or glob of the WorldPop age/sex rasters.")
    found: dict[tuple[str, int], Path] = {}
    for path in paths:
        match = _NAME.search(path.stem)
        if match is None:
            raise InputDataError(
                f"{WHAT} {path.name} does not say its sex and age band; name it like WorldPop's "
                "chn_f_60_2020.tif (sex f or m, the band's lower age, the year), or move it out of the folder."
            )
        key = (match["sex"].lower(), int(match["age"]))
        if key in found:
            raise InputDataError(f"{WHAT}s {found[key].name} and {path.name} give the same sex and age band.")
        found[key] = path
    ages = sorted({age for _, age in found})
    wrong = sorted(set(ages) - set(WORLDPOP_AGES))
    if wrong:
        raise InputDataError(
            f"{WHAT}s of lower age {', '.join(map(str, wrong))} are not WorldPop bands "
            f"({', '.join(map(str, WORLDPOP_AGES))}); give WorldPop's age/sex rasters."
        )
    missing = [f"{sex}_{age}" for sex in ("f", "m") for age in WORLDPOP_AGES if (sex, age) not in found]
    if missing:
        raise InputDataError(
            f"{WHAT}s in {spec} lack the bands {', '.join(missing)}: every age band of both sexes is needed "
            "(a missing band would count its residents in the band below it)."
        )
    return found


def read_age_rasters(
    spec: str | Path | Sequence[str | Path], bounds_wgs84: tuple[float, float, float, float] | None, max_cells: int
) -> AgeBandGrid:
    """Read every age band over ``bounds_wgs84`` and add the sexes.

    Raises
    ------
    InputDataError
        As :func:`age_raster_files` and :func:`circle.sources.raster.read_window`
        do, and when the files do not share one grid.
    """
    files = age_raster_files(spec)
    first: RasterWindow | None = None
    bands = []
    # all the bands of both sexes are held at once: together they get the cells one population raster may have
    per_band = max(1, max_cells // len(WORLDPOP_AGES))
    advice = (
        f"at most {per_band:,} cells per band are read (the {len(WORLDPOP_AGES)} age bands are held together): "
        "give rasters of coarser cells (WorldPop's 100 m or 1 km), or clip them to the city first"
    )
    for age in WORLDPOP_AGES:
        total = None
        for sex in ("f", "m"):
            window = read_window(files[sex, age], WHAT, bounds_wgs84, per_band, advice)
            if first is None:
                first = window
            elif window.values.shape != first.values.shape or not _same_transform(window, first):
                raise InputDataError(
                    f"{WHAT} {files[sex, age].name} is not on the grid of {files['f', 0].name}; "
                    "give one set of WorldPop rasters (same year, resolution and extent)."
                )
            values = np.where(np.isfinite(window.values), np.maximum(window.values, 0.0), np.nan).astype(np.float32)
            total = values if total is None else np.where(np.isnan(total), values, total + np.nan_to_num(values))
        bands.append(total)
    if not any(np.nansum(band) > 0 for band in bands):
        raise InputDataError(
            f"the {WHAT}s in {spec} hold no residents over the study area (nodata or zero everywhere): check that they "
            "cover this city, or leave --population-ages out to use the region's age structure."
        )
    years = sorted({_NAME.search(p.stem)["year"] for p in files.values()})
    return AgeBandGrid(
        lower=np.array(WORLDPOP_AGES, float),
        values=np.stack(bands),
        window=first,
        files=sorted(p.name for p in files.values()),
        year="/".join(years),
    )


def _same_transform(a: RasterWindow, b: RasterWindow) -> bool:
    return np.allclose(tuple(a.transform)[:6], tuple(b.transform)[:6], rtol=0, atol=1e-9) and a.crs == b.crs
