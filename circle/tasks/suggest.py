"""Suggested sites: where new facilities of a category serve most residents not yet served (``circle suggest``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from circle.analysis.assess import compute_suggestions, study_preset
from circle.errors import CircleError
from circle.sources.tables import category_lookup
from circle.study import Study, write_json
from circle.study.files import SUGGESTIONS, suggestion_file, suggestion_key
from circle.study.records import record_suggestion
from circle.study.scenarios import Change


@dataclass
class Suggestions:
    """Sites suggested for one category: one row per site, and what they were chosen from.

    Attributes
    ----------
    study : Study
        The study.
    category : str
        The category's key.
    sites : pandas.DataFrame
        ``rank``, ``lat``, ``lon``, ``gain``, ``cumulative``, ``candidate`` (see
        :func:`circle.analysis.assess.compute_suggestions`).
    payload : dict
        What is saved: the request, the candidates, the data's verdict, the age group weighed, the sites.
    """

    study: Study
    category: str
    sites: pd.DataFrame
    payload: dict[str, Any]

    @property
    def key(self) -> str:
        """Return the name the suggestion is saved under (``CATEGORY-SITES``)."""
        return suggestion_key(self.category, self.payload["sites_requested"])

    def save(self) -> Path:
        """Write ``suggestions/CATEGORY-SITES.json`` and record it in ``summary.json``; return the file."""
        folder = self.study.path / SUGGESTIONS
        folder.mkdir(exist_ok=True)
        path = folder / suggestion_file(self.category, self.payload["sites_requested"])
        write_json(path, self.payload)
        record_suggestion(self.study, self.key, {k: v for k, v in self.payload.items() if k != "sites"})
        return path

    def as_changes(self) -> list[Change]:
        """Return the sites as what-if changes (a facility of the category added at each)."""
        return [Change("add", category=self.category, lat=row.lat, lon=row.lon) for row in self.sites.itertuples()]


def category_key(study: Study, text: str) -> str:
    """Return the category a planner names by its key or its label (幼儿园, Elderly care), as the study's preset has it.

    Text that names no category is returned as it is (the suggestion then says which categories there are).
    """
    return category_lookup(study_preset(study)).get(text.strip().lower(), text)


def suggest(
    study: Study,
    category: str,
    sites: int,
    candidates_file: str | Path | None = None,
    preset: str | Path | None = None,
    include_flagged: bool = False,
) -> Suggestions:
    """Suggest ``sites`` new sites for ``category`` (nothing is written).

    Parameters
    ----------
    study : Study
        The study.
    category : str
        The category's key.
    sites : int
        How many sites.
    candidates_file : str or pathlib.Path, optional
        Candidate parcels (points or polygons with a CRS); default: the network nodes where unserved blocks join.
    preset : str or pathlib.Path, optional
        Score with this preset (default: the study's own).
    include_flagged : bool, default False
        Let blocks whose population is flagged implausible weigh in the choice.

    Raises
    ------
    CircleError
        For a candidates file that is missing, has no CRS or holds nothing, and for what
        :func:`circle.analysis.assess.compute_suggestions` refuses.
    """
    candidates = None
    if candidates_file is not None:
        frame = gpd.read_file(candidates_file) if Path(candidates_file).exists() else None
        if frame is None or frame.crs is None or frame.empty:
            raise CircleError(f"candidates file {candidates_file} must exist, have a CRS and hold points.")
        candidates = frame.geometry
    frame, payload = compute_suggestions(
        study,
        category,
        sites,
        candidates,
        preset,
        include_flagged,
        candidate_source=str(candidates_file) if candidates_file is not None else None,
    )
    return Suggestions(study, category, frame, payload)
