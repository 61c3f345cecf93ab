"""The city check-up's indicators on a study, and the study's own figures, as a spreadsheet (``circle indicators``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from circle.analysis.assess import study_preset
from circle.analysis.indicators import compute_indicators
from circle.report.indicator_sheet import write_indicator_sheet
from circle.standards.indicator_sets import load_indicator_set
from circle.study import Study


@dataclass
class Indicators:
    """An indicator set computed on a study.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per indicator (and per facility or category where it is given per facility).
    communities : pandas.DataFrame
        The compounds lacking each facility, per 街道/社区.
    sources : list of (str, str)
        The study's sources and dates, as the sheet names them.
    labels : dict of str to str
        Category names in the sheet's language.
    lang : str
        ``"zh"`` or ``"en"``.
    """

    table: pd.DataFrame
    communities: pd.DataFrame
    sources: list[tuple[str, str]]
    labels: dict[str, str]
    lang: str

    def save(self, path: str | Path) -> Path:
        """Write the sheet (``.xlsx`` with its tabs, or ``.csv``); return the path written."""
        return write_indicator_sheet(path, self.table, self.communities, self.sources, self.labels, self.lang)


def indicators(
    study: Study, indicator_set: str | Path, lang: str = "zh", preset: str | Path | None = None
) -> Indicators:
    """Compute an indicator set (a name or a YAML file) on a study, scored with ``preset`` (default: the study's)."""
    loaded = load_indicator_set(indicator_set)
    table, communities, sources = compute_indicators(study, loaded, lang, preset)
    labels = {c.key: (c.label_zh if lang == "zh" else c.label_en) for c in study_preset(study, preset).categories}
    return Indicators(table, communities, sources, labels, lang)
