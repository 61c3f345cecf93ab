"""Whose residents a category's figures count: the age group it serves, or everyone.

A kindergarten serves children aged 3–6, elderly care residents aged 60 and
over (the preset says so per category, ``serves:``; see
:mod:`circle.standards.age_groups`). Every figure *of one category* that
weighs blocks by residents counts that group's residents, the column
``pop_{group}`` of the study's blocks: its coverage and ``within_min``, the
people a scenario or a later study gains or loses for it, its term in the
renewal priority, its E2SFCA demand and the residents a suggested site would
serve.

A study written before residents by age existed, or whose source gave none,
has no such column (or leaves it unknown for some blocks). The category then
counts all residents, and :attr:`Demand.note` says so in words a planner can
act on ("幼儿园 coverage counts all residents: this study has no residents by
age; analyse it again"); it never falls back silently.

A study whose every block took its split by age from the region's average
age structure (``pop_age_source`` ``region``: no census ages, no age
rasters) has the same share of a group in every block, so a category's
coverage share equals the all-residents share (its counts are still the
group's); the note says so, and that census ages or age rasters tell blocks
apart.

Figures over *all* categories at once (tiers, F15, the mean score, proximity
time and its Gini, categories within 15 minutes) stay figures over all
residents: they describe a resident's whole living circle, which every
resident has, whatever their age.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from circle.i18n import t
from circle.standards import Category, Preset
from circle.standards.age_groups import EVERYONE, EVERYONE_GROUP, AgeGroup, population_column

#: why a category that serves an age group counts all residents instead
NO_COLUMN = "no_column"
UNKNOWN_FOR_SOME = "unknown_for_some"
#: the blocks' column saying where their split by age came from, and its value for the region's average structure
AGE_SOURCE_COLUMN = "pop_age_source"
FROM_REGION = "region"


@dataclass(frozen=True)
class Demand:
    """The residents one category's figures count.

    Attributes
    ----------
    category : Category
        The category.
    serves : AgeGroup
        The group the preset says it serves (:data:`EVERYONE_GROUP` when it names none).
    counted : AgeGroup
        The group actually counted: ``serves``, or everyone when the study has
        no residents of that group (then ``fallback`` says why).
    fallback : str or None
        :data:`NO_COLUMN` (no ``pop_{group}`` column: a study written before
        residents by age, or a source that gave none) or
        :data:`UNKNOWN_FOR_SOME` (the column is unknown for some blocks);
        None when the served group is counted.
    uniform : bool
        Whether every block's split by age came from the region's average
        structure, so the group's share is the same everywhere.
    """

    category: Category
    serves: AgeGroup
    counted: AgeGroup
    fallback: str | None = None
    uniform: bool = False

    @property
    def column(self) -> str:
        """Return the blocks' column of the residents counted (``pop_age_3_6`` or ``population``)."""
        return population_column(self.counted.key)

    @property
    def by_age(self) -> bool:
        """Whether an age group's residents are counted (not everyone)."""
        return self.counted.key != EVERYONE

    def residents(self, frame: pd.DataFrame) -> np.ndarray:
        """Return the residents each row of ``frame`` (blocks or scores) counts for the category."""
        return frame[self.column].to_numpy(float)

    def who(self, lang: str = "en") -> str:
        """Return whom the figures count (``children aged 3–6``, ``all residents``)."""
        return self.counted.label(lang)

    def record(self, residents: float | None = None) -> dict | None:
        """Return the group counted as summaries record it (key, zh and en labels, residents); None for everyone."""
        if not self.by_age:
            return None
        out = {"key": self.counted.key, "zh": self.counted.label_zh, "en": self.counted.label_en}
        if residents is not None:
            out["residents"] = round(float(residents), 1)
        return out

    def notes(self) -> dict[str, str] | None:
        """Return :meth:`note` in both languages (``zh``, ``en``), or None when there is nothing to say."""
        if self.fallback is None and not self.uniform:
            return None
        return {"zh": self.note("zh"), "en": self.note("en")}

    def note(self, lang: str = "en") -> str | None:
        """Return the sentence saying the category counts all residents instead of its group, or None.

        When the group is counted but every block's ages are the region's
        average, the sentence says its share equals the all-residents share.

        Examples
        --------
        >>> from circle.standards import load_preset
        >>> preset = load_preset()
        >>> elderly_care = preset.category("elderly_care")
        >>> group = preset.age_groups["age_60_plus"]
        >>> Demand(elderly_care, group, EVERYONE_GROUP, NO_COLUMN).note("en")  # doctest: +NORMALIZE_WHITESPACE
        'Elderly care coverage counts all residents, not residents aged 60 and over: this study has no
        residents by age; analyse it again'
        """
        if self.fallback is None:
            if self.uniform:
                return t(
                    "demand_region_structure", lang, label=self.category.label(lang), group=self.serves.label(lang)
                )
            return None
        key = "demand_no_ages" if self.fallback == NO_COLUMN else "demand_ages_unknown"
        return t(key, lang, label=self.category.label(lang), group=self.serves.label(lang))


def demand_of(preset: Preset, category: Category, frame: pd.DataFrame) -> Demand:
    """Return whose residents ``category`` counts in ``frame`` (a study's blocks, or scores).

    The served group's column counts when ``frame`` has it with a value for
    every row; otherwise all residents count and the demand says why.
    """
    serves = preset.served_group(category)
    if serves.key == EVERYONE:
        return Demand(category, serves, serves)
    column = population_column(serves.key)
    if column not in frame:
        return Demand(category, serves, EVERYONE_GROUP, NO_COLUMN)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    if len(values) and not np.isfinite(values).all():
        return Demand(category, serves, EVERYONE_GROUP, UNKNOWN_FOR_SOME)
    uniform = AGE_SOURCE_COLUMN in frame and len(frame) > 0 and bool((frame[AGE_SOURCE_COLUMN] == FROM_REGION).all())
    return Demand(category, serves, serves, uniform=uniform)


def group_columns(preset: Preset, frame: pd.DataFrame) -> list[str]:
    """Return the ``pop_{group}`` columns of ``frame`` some category of ``preset`` serves, and their source.

    :func:`circle.analysis.scoring.score_blocks` carries them into the scores,
    so every summary of scores (a whole study or a sub-area) can count groups.
    """
    wanted = [population_column(g.key) for g in preset.served_groups]
    found = [column for column in wanted if column in frame]
    return [*found, AGE_SOURCE_COLUMN] if found and AGE_SOURCE_COLUMN in frame else found
