"""Read standards presets and walking profiles from YAML.

Presets are data (see ``gb50180_2018.yaml``): each number is a mapping with
``value``, ``source`` and ``verified``. Validation collects every problem
into one :class:`~circle.errors.PresetError` that names the bad keys.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from circle.errors import PresetError
from circle.standards.age_groups import EVERYONE, EVERYONE_GROUP, AgeGroup, builtin_age_groups, parse_age_groups
from circle.standards.categories import (
    Category,
    SchoolLevel,
    _categories,
    _pattern_of,
    _required_str,
    _school_levels,
    _sourced_block,
)
from circle.standards.scoring_rules import ScoringRules, parse_scoring
from circle.standards.sourced import Sourced, sourced


@dataclass(frozen=True)
class Preset:
    """A standards preset: categories, tag rules and analysis parameters."""

    name: str
    title_zh: str
    title_en: str
    source: str
    path: str
    analysis: dict[str, Sourced]
    population: dict[str, Sourced]
    categories: tuple[Category, ...]
    school_levels: dict[str, SchoolLevel] = field(default_factory=dict)
    scoring: ScoringRules | None = None
    age_groups: dict[str, AgeGroup] = field(default_factory=dict)

    def served_group(self, category: Category) -> AgeGroup:
        """Return the age group ``category`` serves (everyone unless the preset says otherwise)."""
        return self.age_groups.get(category.serves.value, EVERYONE_GROUP)

    @property
    def served_groups(self) -> tuple[AgeGroup, ...]:
        """Return the groups (other than everyone) some category serves, in the order of the categories."""
        keys = dict.fromkeys(c.serves.value for c in self.categories if c.serves.value != EVERYONE)
        return tuple(self.age_groups[key] for key in keys)

    @property
    def k_nearest(self) -> int:
        """How many nearest facilities per category the engine reports (default 3)."""
        entry = self.analysis.get("k_nearest")
        return int(entry.value) if entry is not None else 3

    @property
    def thresholds_s(self) -> tuple[float, ...]:
        """Count thresholds in seconds (5/10/15 minutes in GB 50180)."""
        return tuple(float(m) * 60.0 for m in self.analysis["thresholds_min"].value)

    @property
    def thresholds_min(self) -> tuple[int, ...]:
        """Count thresholds in whole minutes."""
        return tuple(int(m) for m in self.analysis["thresholds_min"].value)

    @property
    def search_limit_s(self) -> float:
        """Longest walk searched, in seconds."""
        return float(self.analysis["search_limit_min"].value) * 60.0

    def category(self, key: str) -> Category:
        """Return the category called ``key``.

        Raises
        ------
        PresetError
            When the preset has no such category.
        """
        for category in self.categories:
            if category.key == key:
                return category
        known = ", ".join(c.key for c in self.categories)
        raise PresetError(f"preset {self.name!r} has no category {key!r}; it has: {known}.")

    def school_levels_of(self, tags: dict[str, str]) -> frozenset[str] | None:
        """Return the school levels an ``amenity=school`` object serves.

        A school whose level cannot be told from ``isced:level`` or its name
        serves every level (it is not silently dropped).

        Parameters
        ----------
        tags : dict of str to str
            The object's OSM tags.

        Returns
        -------
        frozenset of str or None
            None for objects that are not schools.
        """
        if tags.get("amenity") != "school" or not self.school_levels:
            return None
        isced = {part.strip() for part in re.split(r"[;,]", tags.get("isced:level", ""))}
        names = " ".join(v for k, v in tags.items() if k == "name" or k.startswith("name:"))
        found = {
            level
            for level, rule in self.school_levels.items()
            if isced & set(rule.isced) or rule.name_pattern.search(names)
        }
        if found:
            return frozenset(found)
        return frozenset(
            level
            for level, rule in self.school_levels.items()
            if rule.fallback and not (rule.fallback_not_match and rule.fallback_not_match.search(names))
        )

    def classify(self, tags: dict[str, str], school_levels: frozenset[str] | str | None = "derive") -> list[str]:
        """Return the keys of every category whose rules ``tags`` satisfy.

        Parameters
        ----------
        tags : dict of str to str
            The OSM tags of one object.
        school_levels : frozenset of str or None, optional
            The object's school levels when already known (see :meth:`school_levels_of`);
            derived from ``tags`` by default.

        Returns
        -------
        list of str
            Matching category keys, in preset order (often empty).
        """
        return [key for key, _ in self.classify_with_rules(tags, school_levels)]

    def classify_with_rules(
        self, tags: dict[str, str], school_levels: frozenset[str] | str | None = "derive"
    ) -> list[tuple[str, str]]:
        """Return every category whose rules ``tags`` satisfy, with the first rule that matched.

        Parameters
        ----------
        tags : dict of str to str
            The OSM tags of one object.
        school_levels : frozenset of str or None, optional
            As for :meth:`classify`.

        Returns
        -------
        list of (str, str)
            ``(category key, rule)`` in preset order; the rule as
            :meth:`TagRule.describe` says it, e.g. ``"shop=supermarket"``.
        """
        levels = self.school_levels_of(tags) if isinstance(school_levels, str) else school_levels
        found = []
        for category in self.categories:
            for rule in category.rules:
                if rule.matches(tags, levels):
                    found.append((category.key, rule.describe(tags)))
                    break
        return found

    @property
    def osm_keys(self) -> frozenset[str]:
        """Every OSM key any rule reads."""
        return frozenset(k for c in self.categories for r in c.rules for k in r.keys)

    @property
    def trigger_keys(self) -> frozenset[str]:
        """Keys whose presence can make a rule match (the key of each rule's :attr:`TagRule.trigger`).

        An object without any of them is no facility of this preset; with
        one, all its tags are kept while reading, so that any rule can be tested.
        A rule is an AND, so its trigger (a key with listed values where it has
        one) suffices: ``{amenity: canteen, name: {match: 长者食堂}}`` does not
        make every named object a candidate.
        """
        return frozenset(r.trigger[0] for c in self.categories for r in c.rules if r.trigger is not None)

    @property
    def pattern_only_keys(self) -> dict[str, tuple[re.Pattern[str], ...]]:
        """Keys every rule reads only through ``match`` / ``not_match`` patterns, with those patterns.

        Two values of such a key that every pattern finds or misses alike
        classify alike, so objects can be classified once per such class of
        values (a name) instead of once per value.
        """
        patterns: dict[str, list[re.Pattern[str]]] = {}
        other: set[str] = set()
        for category in self.categories:
            for rule in category.rules:
                for key, wanted in rule.conditions:
                    pattern = _pattern_of(wanted)
                    if pattern is None:
                        other.add(key)
                    elif pattern not in patterns.setdefault(key, []):
                        patterns[key].append(pattern)
        return {key: tuple(found) for key, found in patterns.items() if key not in other}

    @property
    def triggers(self) -> tuple[tuple[str, tuple[str, ...] | None], ...] | None:
        """One necessary condition per rule (see :attr:`TagRule.trigger`); None when some rule has none."""
        found = []
        for category in self.categories:
            for rule in category.rules:
                trigger = rule.trigger
                if trigger is None:
                    return None
                found.append(trigger)
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class WalkingProfile:
    """Walking speed on flat ground, on steps and on slopes.

    ``climb_up_m_s`` / ``climb_down_m_s`` are vertical speeds on stairs, used
    when a flight's rise is known (``step_count``, a numeric ``incline`` or a
    DEM); otherwise steps cost ``steps_speed_factor`` of the flat speed.
    ``max_slope`` (rise/run) makes steeper ways impassable (wheelchairs).
    """

    name: str
    label_zh: str
    label_en: str
    speed_m_s: Sourced
    steps_speed_factor: Sourced
    steps_passable: bool
    climb_up_m_s: Sourced | None = None
    climb_down_m_s: Sourced | None = None
    max_slope: Sourced | None = None

    @property
    def speed(self) -> float:
        """Flat-ground speed in metres per second."""
        return float(self.speed_m_s.value)

    @property
    def steps_speed(self) -> float:
        """Horizontal speed on steps in metres per second."""
        return self.speed * float(self.steps_speed_factor.value)

    def to_dict(self) -> dict[str, Any]:
        """Return the profile as recorded in a study's ``summary.json``."""
        return {
            "name": self.name,
            "label": {"zh": self.label_zh, "en": self.label_en},
            "speed_m_s": self.speed_m_s.to_dict(),
            "steps_speed_factor": self.steps_speed_factor.to_dict(),
            "steps_passable": self.steps_passable,
            "climb_up_m_s": self.climb_up_m_s.to_dict() if self.climb_up_m_s else None,
            "climb_down_m_s": self.climb_down_m_s.to_dict() if self.climb_down_m_s else None,
            "max_slope": self.max_slope.to_dict() if self.max_slope else None,
        }


#: YAML files beside the presets that are not presets.
NOT_PRESETS = frozenset({"profiles.yaml", "regions.yaml", "age_groups.yaml", "age_structure.yaml"})


def builtin_presets() -> list[str]:
    """Return the names of the presets shipped with circle."""
    folder = resources.files("circle.standards")
    return sorted(
        p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml") and p.name not in NOT_PRESETS
    )


def load_preset(name_or_path: str | Path = "gb50180_2018") -> Preset:
    """Load a standards preset by built-in name or by file path.

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A built-in name (see :func:`builtin_presets`) or a YAML file.

    Returns
    -------
    Preset
        The validated preset.

    Raises
    ------
    PresetError
        When the preset cannot be found or read, or any key is malformed;
        the message lists every problem found.
    """
    raw, where = _read_yaml(name_or_path, builtin_presets(), "preset")
    if not isinstance(raw, dict):
        raise PresetError(f"{where}: a preset must be a YAML mapping at the top level.")
    try:
        return _parse_preset(raw, where)
    except PresetError:
        raise
    except (TypeError, AttributeError, KeyError, ValueError, IndexError, re.error, RecursionError) as exc:
        # a value of the wrong shape somewhere the checks above do not name
        raise PresetError(
            f"preset {where} is malformed ({type(exc).__name__}: {exc}). Compare it with the built-in "
            "gb50180_2018.yaml key by key and run again."
        ) from exc


def _parse_preset(raw: dict, where: str) -> Preset:
    problems: list[str] = []
    name = _required_str(raw, "name", where, problems)
    title = raw.get("title") or {}
    analysis = {**_ANALYSIS_DEFAULTS, **_sourced_block(raw, "analysis", where, problems, _ANALYSIS_KEYS)}
    population = {**_POPULATION_DEFAULTS, **_sourced_block(raw, "population", where, problems, _POPULATION_KEYS)}
    levels = _school_levels(raw.get("school_levels") or {}, where, problems)
    categories = _categories(raw.get("categories"), where, problems)
    scoring = parse_scoring(raw.get("scoring", {}), problems)
    age_groups = {**builtin_age_groups(), **parse_age_groups(raw.get("age_groups"), problems)}
    for category in categories:
        if category.serves.value != EVERYONE and category.serves.value not in age_groups:
            problems.append(
                f"'{category.key}.serves' names the age group {category.serves.value!r}, which is neither "
                f"{EVERYONE!r} nor one of {', '.join(age_groups)}"
            )
    for category in categories:
        if scoring.criterion == "distance" and category.radius_m is None:
            problems.append(f"'{category.key}.radius_m' is needed when scoring.criterion is distance")
        if scoring.criterion == "time" and category.threshold_min is None:
            problems.append(f"'{category.key}.threshold_min' is needed when scoring.criterion is time")
        if len(category.score_weights.value or []) > preset_k(analysis):
            problems.append(f"'{category.key}.score_weights' has more weights than analysis.k_nearest")
    if problems:
        raise PresetError(
            f"preset {where} has {len(problems)} problem(s): "
            + "; ".join(problems)
            + ". Fix these keys (compare with the built-in gb50180_2018.yaml) and run again."
        )
    return Preset(
        name=name,
        title_zh=str(title.get("zh", name)),
        title_en=str(title.get("en", name)),
        source=str(raw.get("source", "")),
        path=where,
        analysis=analysis,
        population=population,
        categories=categories,
        school_levels=levels,
        scoring=scoring,
        age_groups=age_groups,
    )


def preset_k(analysis: dict[str, Sourced]) -> int:
    """Return ``analysis.k_nearest`` (3 when absent or malformed)."""
    entry = analysis.get("k_nearest")
    return int(entry.value) if entry is not None and isinstance(entry.value, int | float) else 3


@lru_cache(maxsize=32)
def load_profile(name: str = "standard", path: str | Path | None = None) -> WalkingProfile:
    """Load a walking profile by name.

    Parameters
    ----------
    name : str
        Profile name, e.g. ``"standard"``, ``"adult"`` or ``"elderly"``.
    path : str or pathlib.Path, optional
        A profiles YAML file of the user's; the built-in one by default.

    Returns
    -------
    WalkingProfile
        The profile (immutable; cached per name and file, so edit the file
        before the first load in a process).

    Raises
    ------
    PresetError
        When the profile is unknown or malformed.
    """
    raw, where = _read_yaml(path or "profiles", ["profiles"], "profiles file")
    profiles = raw.get("profiles") if isinstance(raw, dict) else None
    if not isinstance(profiles, dict):
        raise PresetError(f"{where}: expected a top-level 'profiles' mapping.")
    if name not in profiles:
        raise PresetError(f"unknown walking profile {name!r}; choose one of: {', '.join(profiles)}.")
    entry = profiles[name] or {}
    problems: list[str] = []
    speed = sourced(entry, "speed_m_s", f"profiles.{name}", problems, positive=True)
    steps = sourced(entry, "steps_speed_factor", f"profiles.{name}", problems, positive=True)
    optional = {
        key: sourced(entry, key, f"profiles.{name}", problems, positive=True) if key in entry else None
        for key in ("climb_up_m_s", "climb_down_m_s", "max_slope")
    }
    if problems:
        raise PresetError(f"{where}: " + "; ".join(problems) + ".")
    label = entry.get("label") or {}
    return WalkingProfile(
        name=name,
        label_zh=str(label.get("zh", name)),
        label_en=str(label.get("en", name)),
        speed_m_s=speed,
        steps_speed_factor=steps,
        steps_passable=bool(entry.get("steps_passable", True)),
        **optional,
    )


def profile_names(path: str | Path | None = None) -> list[str]:
    """Return the profile names defined in the (built-in) profiles file."""
    raw, _ = _read_yaml(path or "profiles", ["profiles"], "profiles file")
    return list((raw or {}).get("profiles", {}))


_ANALYSIS_KEYS = ("thresholds_min", "search_limit_min", "max_snap_m", "boundary_spacing_m")


#: storeys, floor area per person and density are regional (``regions.yaml``); a preset may still state them.
_POPULATION_KEYS = ("min_building_coverage", "complete_mapping_share")


#: analysis values an older preset may lack, with the built-in presets' value.
_ANALYSIS_DEFAULTS = {
    "max_block_area_ha": Sourced(
        20.0, "circle default: a residential area beyond this is cut into street blocks", False
    ),
    "max_block_span_m": Sourced(500.0, "circle default: a block longer than this is cut like a large one", False),
    "block_cell_m": Sourced(250.0, "circle default: squares a large area without streets is cut into", False),
    "completeness_min_norm_share": Sourced(
        1.0,
        "circle default: fewer facilities than the standard provides for the residents (one per living circle) "
        "more likely means missing map data than a city this far below its standard",
        False,
    ),
    "completeness_max_unreached_share": Sourced(
        0.2,
        "circle default: a category really provided leaves few blocks of a settled area beyond a 30-minute walk",
        False,
    ),
}


#: population values an older preset may lack, with the built-in presets' value.
_POPULATION_DEFAULTS = {
    "mapping_cell_m": Sourced(
        2000.0,
        "circle default: building mapping is judged in a square this large centred on each block or building",
        True,
    ),
}


def _read_yaml(name_or_path: str | Path, builtins: list[str], what: str) -> tuple[Any, str]:
    text_path = str(name_or_path)
    if text_path in builtins:
        resource = resources.files("circle.standards") / f"{text_path}.yaml"
        text, where = resource.read_text(encoding="utf-8"), f"{text_path} (built-in)"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise PresetError(
                f"no {what} called {text_path!r}: it is neither a built-in "
                f"({', '.join(builtins)}) nor a file. Give a built-in name or the path to a YAML file."
            )
        if path.stat().st_size > 1_000_000:
            raise PresetError(f"{what} {path} is over 1 MB: it is not a preset. Give a YAML file like the built-ins.")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise PresetError(f"{what} {path} is not a UTF-8 text (YAML) file. Give a YAML file.") from exc
        except OSError as exc:
            raise PresetError(f"cannot read {what} {path}: {exc}.") from exc
        where = str(path)
    try:
        # safe_load builds plain data only: a preset can never run code.
        return yaml.safe_load(text), where
    except yaml.YAMLError as exc:
        raise PresetError(f"{what} {where} is not valid YAML: {exc}. Fix the syntax and run again.") from exc
    except RecursionError as exc:
        raise PresetError(f"{what} {where} is nested too deeply to be a preset (YAML). Check the file.") from exc
