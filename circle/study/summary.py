"""The typed study summary: what ``summary.json`` holds, one writer and one reader.

``summary.json`` records where a study came from and how it was computed
(source, area, profile, preset, parameters), what it holds (counts,
population, imports), what it cost (memory, timings) and, once scored, its
scores. :class:`StudySummary` is that file as dataclasses: the pipeline builds
one, :func:`write_summary` writes it and :func:`read_summary` reads it back;
the CLI, the app and the report read its fields, never a key.

Sections whose content is a report of its own (the population checks, each
import's findings, supply, green space) stay plain mappings inside a typed
field; their keys are documented where they are made. Keys this version does
not know are kept in :attr:`StudySummary.extra` and written back unchanged,
so an older or newer study survives a round trip.

Examples
--------
>>> parameters = Parameters(k_nearest=3, thresholds_min=[5.0, 10.0, 15.0], search_limit_min=30.0, max_snap_m=300.0)
>>> parameters.thresholds_s, parameters.search_limit_s
((300.0, 600.0, 900.0), 1800.0)
>>> Parameters.from_dict(parameters.to_dict()) == parameters
True
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from circle.errors import StudyError
from circle.study.atomic import replace_file

Json = dict[str, Any]


#: field metadata of sections written only when they hold something (those a study gains later)
OMIT_IF_NONE = types.MappingProxyType({"omit_if_none": True})


class _Record:
    """Conversion between a dataclass and its JSON mapping, nested dataclasses included."""

    @classmethod
    def from_dict(cls, raw: Json) -> Any:
        """Build from a mapping read from JSON; keys the dataclass does not know go to ``extra`` if it has one."""
        if not isinstance(raw, dict):
            raise StudyError(f"the summary's {cls.__name__} section is not a JSON object.")
        hints = typing.get_type_hints(cls)
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        values = {name: _convert(hints[name], raw[name]) for name in names if name in raw and name != "extra"}
        if "extra" in names:
            values["extra"] = {k: v for k, v in raw.items() if k not in names}
        try:
            return cls(**values)
        except TypeError as exc:
            missing = sorted(
                f.name
                for f in dataclasses.fields(cls)  # type: ignore[arg-type]
                if f.name not in values
                and f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING
            )
            raise StudyError(
                f"the summary's {cls.__name__} section lacks {', '.join(missing) or 'a field'} ({exc})."
            ) from None

    def to_dict(self) -> Json:
        """Return the mapping written to JSON (fields in order, then any unknown keys read)."""
        out: Json = {}
        for item in dataclasses.fields(self):  # type: ignore[arg-type]
            if item.name == "extra":
                continue
            value = getattr(self, item.name)
            if value is None and item.metadata.get("omit_if_none"):
                continue
            out[item.name] = _plain(value)
        out.update(getattr(self, "extra", None) or {})
        return out


def _convert(hint: Any, value: Any) -> Any:
    """Turn a JSON value into the type ``hint`` names (dataclasses, optional ones, dicts and lists of them)."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    if isinstance(hint, type) and issubclass(hint, _Record):
        return hint.from_dict(value)
    if origin is dict:
        _, item = typing.get_args(hint)
        return {k: _convert(item, v) for k, v in value.items()}
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_convert(item, v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, _Record):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@dataclass
class SourceInfo(_Record):
    """The data a study was built from.

    Attributes
    ----------
    label : str
        How the source was named (a file, a place, the embedded extract).
    path, file : str
        Its resolved path and its file name.
    sha256 : str
        The SHA-256 of the file as read.
    data_timestamp : str or None
        The data's own date (``osmosis_replication_timestamp``), when recorded.
    reader_warnings : list of str
        The reader's first 20 warnings; ``reader_warning_count`` counts them all.
    """

    label: str
    path: str
    file: str
    sha256: str
    data_timestamp: str | None = None
    reader_warnings: list[str] = field(default_factory=list)
    reader_warning_count: int = 0

    @property
    def data_date(self) -> str | None:
        """The data's date (``YYYY-MM-DD``), None when the file records none."""
        return self.data_timestamp[:10] if self.data_timestamp else None


@dataclass
class PresetInfo(_Record):
    """The standards preset a study was built with: its name, file, titles and source."""

    name: str
    path: str | None = None
    title: dict[str, str] = field(default_factory=dict)
    source: str = ""

    def title_in(self, lang: str) -> str:
        """Return the preset's title in ``lang`` (``zh`` or ``en``), else its name."""
        return self.title.get(lang) or self.name


@dataclass
class ProfileInfo(_Record):
    """The walking profile a study was built with; each value is ``{value, source, verified}``."""

    name: str
    label: dict[str, str]
    speed_m_s: Json
    steps_speed_factor: Json
    steps_passable: bool = True
    climb_up_m_s: Json | None = None
    climb_down_m_s: Json | None = None
    max_slope: Json | None = None

    @property
    def speed(self) -> float:
        """The flat walking speed, metres per second."""
        return float(self.speed_m_s["value"])

    def label_in(self, lang: str) -> str:
        """Return the profile's label in ``lang``, else its name."""
        return self.label.get(lang) or self.name


@dataclass
class CategoryInfo(_Record):
    """One category of the preset, as recorded (values are ``{value, source, verified}``)."""

    key: str
    group: str
    label: dict[str, str]
    tier: Json
    weight: Json
    score_weights: Json
    radius_m: Json | None = None
    threshold_min: Json | None = None
    min_area_ha: Json | None = None

    def label_in(self, lang: str) -> str:
        """Return the category's label in ``lang``, else its key."""
        return self.label.get(lang) or self.key


@dataclass
class Parameters(_Record):
    """The engine's parameters: k nearest, count thresholds, search limit, snapping, analysis and population values."""

    k_nearest: int
    thresholds_min: list[float]
    search_limit_min: float
    max_snap_m: float
    analysis: Json = field(default_factory=dict)
    population: Json = field(default_factory=dict)
    region: str | None = None

    @property
    def thresholds_s(self) -> tuple[float, ...]:
        """The count thresholds in seconds."""
        return tuple(60.0 * float(m) for m in self.thresholds_min)

    @property
    def search_limit_s(self) -> float:
        """The search limit in seconds."""
        return 60.0 * float(self.search_limit_min)


@dataclass
class CategoryCounts(_Record):
    """Facilities of one category, how many reach the network, and blocks with none within the limit."""

    facilities: int
    reachable_facilities: int
    blocks_with_none_within_limit: int


@dataclass
class Counts(_Record):
    """What the study holds: network, blocks, residents and facilities."""

    network_nodes: int
    network_segments: int
    network_directed_edges: int
    network_nodes_before_islands: int
    blocks: int
    blocks_unreachable: int
    blocks_by_pop_source: dict[str, int]
    block_origin: str
    population: float
    facilities: int
    facilities_unreachable: int
    per_category: dict[str, CategoryCounts]


@dataclass
class Imports(_Record):
    """What each imported input did; every section is that import's own report (absent when not imported).

    ``gates`` says whether residents leave a compound only through its mapped gates (``used``) or anywhere.
    ``area``, ``blocks`` and ``census`` (polygon files) say the coordinate system each was read in
    (``declared_crs``) and what the check against OpenStreetMap found (``offset_check``).
    """

    gates: str | None = field(default=None, metadata=OMIT_IF_NONE)
    area: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    blocks: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    facilities: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    census: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    census_table: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    population_raster: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    population_total: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    dem: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    terrain_vs_flat: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    extra: Json = field(default_factory=dict)


@dataclass
class Memory(_Record):
    """Peak memory of the build: the estimate made before, the peak measured, and a merge's own."""

    estimated_peak_mb: float | None
    measured_peak_mb: float
    merge_peak_mb: float | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass
class CategoryCoverage(_Record):
    """One category's coverage: the share of residents served, the residents not served, the threshold.

    ``within_min`` is the share of residents whose nearest facility lies within
    each count threshold (``"5"``, ``"10"``, ``"15"`` minutes), whatever the
    category's own threshold.

    The residents are those of the age group the category serves
    (:mod:`circle.analysis.demand`): ``group`` then holds its ``key``, its
    ``zh`` and ``en`` labels and its ``residents`` in the area; absent when all
    residents count. ``note`` (``zh``, ``en``) says when a category that serves
    a group counts all residents because the study has no residents by age, or
    when every block's ages came from the region's average structure (then
    the share equals the all-residents share).
    """

    coverage: float | None
    unserved: float
    threshold_min: float
    within_min: dict[str, float | None] | None = field(default=None, metadata=OMIT_IF_NONE)
    group: dict[str, Any] | None = field(default=None, metadata=OMIT_IF_NONE)
    note: dict[str, str] | None = field(default=None, metadata=OMIT_IF_NONE)


@dataclass
class ScoreSummary(_Record):
    """The scores of a study or of a sub-area (``circle score``; the ``scores`` section of ``summary.json``).

    Attributes
    ----------
    population : float
        Residents scored; ``blocks`` counts their blocks.
    categories : dict of str to CategoryCoverage
        Coverage per assessable category.
    tiers : dict of str to float
        The share of residents whose block meets each tier (``"5"``, ``"10"``, ``"15"``).
    F15 : float or None
        The share meeting the 15-minute tier.
    proximity_min, gini_proximity, mean_score : float or None
        Population-weighted mean proximity time, its Gini, the mean 0–100 score.
    worst_blocks : list of dict
        The lowest-scoring blocks (``block_id``, ``population``, ``score``, ``tier_met``, ``missing_*``).
    not_mapped : list of str
        Categories with no facility mapped in the study, left out of tiers and scores.
    likely_incomplete : list of str
        Categories the data seems to hold only in part, also left out of tiers and scores.
    completeness : dict of str to dict, optional
        Per category, the verdict and the figures behind it
        (:class:`circle.study.completeness.CategoryCompleteness`).
    set_apart : dict of str to CategoryCoverage, optional
        Coverage of the likely incomplete categories from what is mapped: a lower bound, shown apart.
    categories_within_15 : float, optional
        The mean number of assessed categories whose nearest facility lies within 15 minutes, per resident.
    flagged_blocks : list of dict, optional
        Blocks whose population is flagged implausible (``block_id``, ``population``,
        ``density_per_ha``, ``pop_flag``), most residents first: check their data first.
    flagged_in_priorities : bool, optional
        Whether flagged blocks were kept in priorities and site weights (the planner asked for it).
    preset, scoring, thresholds_min, renewal_areas, top_areas, supply, green, areas, seconds
        Set for a whole study by :func:`circle.analysis.assess.compute_scores`.
    """

    population: float
    blocks: int
    categories: dict[str, CategoryCoverage]
    tiers: dict[str, float | None]
    F15: float | None
    proximity_min: float | None
    gini_proximity: float | None
    mean_score: float | None
    worst_blocks: list[Json] = field(default_factory=list)
    not_mapped: list[str] = field(default_factory=list)
    likely_incomplete: list[str] = field(default_factory=list)
    completeness: dict[str, Json] | None = field(default=None, metadata=OMIT_IF_NONE)
    set_apart: dict[str, CategoryCoverage] | None = field(default=None, metadata=OMIT_IF_NONE)
    categories_within_15: float | None = field(default=None, metadata=OMIT_IF_NONE)
    flagged_blocks: list[Json] | None = field(default=None, metadata=OMIT_IF_NONE)
    flagged_in_priorities: bool | None = field(default=None, metadata=OMIT_IF_NONE)
    preset: str | None = field(default=None, metadata=OMIT_IF_NONE)
    scoring: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    thresholds_min: dict[str, float] | None = field(default=None, metadata=OMIT_IF_NONE)
    renewal_areas: int | None = field(default=None, metadata=OMIT_IF_NONE)
    top_areas: list[Json] | None = field(default=None, metadata=OMIT_IF_NONE)
    supply: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    green: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    areas: dict[str, ScoreSummary] | None = field(default=None, metadata=OMIT_IF_NONE)
    seconds: float | None = field(default=None, metadata=OMIT_IF_NONE)
    extra: Json = field(default_factory=dict)


@dataclass
class StudySummary(_Record):
    """Everything ``summary.json`` records about a study (see the module's docstring)."""

    format_version: int
    circle_version: str
    created: str
    source: SourceInfo
    study_area: str
    study_area_wkt: str | None
    bbox: list[float]
    crs: str
    profile: ProfileInfo
    preset: PresetInfo
    engine: str
    parameters: Parameters
    population: Json
    categories: list[CategoryInfo]
    scoring: Json | None
    counts: Counts
    dropped_islands: Json | None
    off_ground_access: Json | None
    imports: Imports
    memory: Memory
    terrain: Json | None
    timings_s: dict[str, float]
    attribution: str
    batch: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    scores: ScoreSummary | None = field(default=None, metadata=OMIT_IF_NONE)
    suggestions: Json | None = field(default=None, metadata=OMIT_IF_NONE)
    extra: Json = field(default_factory=dict)

    @property
    def category_keys(self) -> list[str]:
        """The preset's category keys, in order."""
        return [c.key for c in self.categories]

    def category(self, key: str) -> CategoryInfo:
        """Return the recorded category ``key``."""
        for category in self.categories:
            if category.key == key:
                return category
        raise StudyError(f"the study has no category {key!r}; it has: {', '.join(self.category_keys)}.")


def summary_json(summary: StudySummary, default: Any = None) -> str:
    """Return ``summary.json``'s text (UTF-8 JSON, Chinese kept as is, two-space indent)."""
    return json.dumps(summary.to_dict(), ensure_ascii=False, indent=2, default=default) + "\n"


def write_summary(path: Path, summary: StudySummary, default: Any = None) -> None:
    """Write ``summary.json`` atomically (a temporary name, then renamed over the old one)."""
    replace_file(path, summary_json(summary, default).encode("utf-8"))


def read_summary(path: Path) -> StudySummary:
    """Read ``summary.json``.

    Raises
    ------
    StudyError
        When the file is missing, not JSON, or lacks a section every study has.
    """
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StudyError(f"{path} is missing.") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise StudyError(f"{path} is damaged ({exc}).") from exc
    if not isinstance(raw, dict):
        raise StudyError(f"{path} is damaged (not a JSON object).")
    return StudySummary.from_dict(raw)
