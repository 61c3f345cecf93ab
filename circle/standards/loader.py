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
from circle.i18n import t
from circle.standards.scoring_rules import ScoringRules, parse_scoring
from circle.standards.sourced import Sourced, sourced

_SCHOOL_LEVEL_KEY = "school_level"


@dataclass(frozen=True)
class TagRule:
    """One OSM tag rule: every listed key must match (a rule is an AND).

    A value may be a string, a list of strings (any of them), ``"*"`` (the key
    is present) or ``{"not": [...]}`` (absent, or none of these values). The
    special key ``school_level`` matches schools by their derived level.
    """

    conditions: tuple[tuple[str, Any], ...]

    def matches(self, tags: dict[str, str], school_levels: frozenset[str] | None) -> bool:
        """Return whether ``tags`` satisfy every condition of the rule.

        Parameters
        ----------
        tags : dict of str to str
            The OSM tags of one object.
        school_levels : frozenset of str or None
            Levels derived for the object (see :meth:`Preset.school_levels_of`).

        Returns
        -------
        bool
            True when all conditions hold.
        """
        for key, wanted in self.conditions:
            if key == _SCHOOL_LEVEL_KEY:
                if school_levels is None or wanted not in school_levels:
                    return False
                continue
            value = tags.get(key)
            if isinstance(wanted, dict):
                if value is not None and value in wanted["not"]:
                    return False
            elif wanted == "*":
                if value is None:
                    return False
            elif isinstance(wanted, list):
                if value not in wanted:
                    return False
            elif value != wanted:
                return False
        return True

    @property
    def keys(self) -> tuple[str, ...]:
        """OSM keys this rule reads (``school_level`` excluded)."""
        return tuple(k for k, _ in self.conditions if k != _SCHOOL_LEVEL_KEY)

    @property
    def trigger(self) -> tuple[str, tuple[str, ...] | None] | None:
        """A condition every match must satisfy: ``(key, values)`` (None: any value), or None if the rule has none.

        Used to skip, before classifying, objects no rule can match (``{"not": …}``
        conditions hold for absent keys, so they cannot be triggers).

        Examples
        --------
        >>> TagRule((("leisure", ["park", "garden"]), ("access", {"not": ["private"]}))).trigger
        ('leisure', ('park', 'garden'))
        """
        for key, wanted in self.conditions:
            if key == _SCHOOL_LEVEL_KEY or isinstance(wanted, dict):
                continue
            if wanted == "*":
                return key, None
            return key, tuple(wanted) if isinstance(wanted, list) else (wanted,)
        return None


DEFAULT_WEIGHT = Sourced(1.0, "circle default", False)
DEFAULT_SCORE_WEIGHTS = Sourced([1.0], "circle default: the nearest facility only", False)


@dataclass(frozen=True)
class Category:
    """A service category of a preset (kindergarten, clinic, park …)."""

    key: str
    group: str
    label_zh: str
    label_en: str
    tier: Sourced
    radius_m: Sourced | None
    rules: tuple[TagRule, ...]
    threshold_min: Sourced | None = None
    weight: Sourced = DEFAULT_WEIGHT
    score_weights: Sourced = DEFAULT_SCORE_WEIGHTS
    min_area_ha: Sourced | None = None

    def label(self, lang: str = "en") -> str:
        """Return the label in ``lang`` (``"zh"`` or ``"en"``)."""
        return getattr(self, f"label_{lang}")

    def threshold_s(self, criterion: str, speed_m_s: float) -> float:
        """Return the pass/fail threshold in seconds.

        Parameters
        ----------
        criterion : str
            ``"distance"``: the service radius walked at ``speed_m_s`` (the
            profile's flat speed); ``"time"``: ``threshold_min``.
        speed_m_s : float
            The profile's flat speed.
        """
        if criterion == "distance" and self.radius_m is not None:
            return float(self.radius_m.value) / speed_m_s
        if self.threshold_min is not None:
            return float(self.threshold_min.value) * 60.0
        return float(self.radius_m.value) / speed_m_s

    def describe_threshold(self, criterion: str, lang: str) -> str:
        """Return the threshold in words, e.g. ``"300 m"`` or ``"15 min"`` (``"300米"``)."""
        if criterion == "distance" and self.radius_m is not None:
            metres = f"{float(self.radius_m.value):g}"
            return t("metres_value", lang, value=metres)
        minutes = f"{float(self.threshold_min.value):g}"
        return t("minutes_value", lang, value=minutes)

    def to_dict(self) -> dict[str, Any]:
        """Return the category as recorded in ``summary.json``."""
        return {
            "key": self.key,
            "group": self.group,
            "label": {"zh": self.label_zh, "en": self.label_en},
            "tier": self.tier.to_dict(),
            "radius_m": self.radius_m.to_dict() if self.radius_m else None,
            "threshold_min": self.threshold_min.to_dict() if self.threshold_min else None,
            "weight": self.weight.to_dict(),
            "score_weights": self.score_weights.to_dict(),
            "min_area_ha": self.min_area_ha.to_dict() if self.min_area_ha else None,
        }


@dataclass(frozen=True)
class SchoolLevel:
    """How to tell a school's level from ``isced:level`` or its name."""

    isced: tuple[str, ...]
    name_pattern: re.Pattern[str]
    fallback: bool = True


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
        return frozenset(level for level, rule in self.school_levels.items() if rule.fallback)

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
        levels = self.school_levels_of(tags) if isinstance(school_levels, str) else school_levels
        return [c.key for c in self.categories if any(rule.matches(tags, levels) for rule in c.rules)]

    @property
    def osm_keys(self) -> frozenset[str]:
        """Every OSM key any rule reads."""
        return frozenset(k for c in self.categories for r in c.rules for k in r.keys)

    @property
    def trigger_keys(self) -> frozenset[str]:
        """Keys whose presence can make a rule match (every key of a positive condition).

        An object without any of them is no facility of this preset; with
        one, all its tags are kept while reading, so that any rule can be tested.
        """
        return frozenset(
            k
            for c in self.categories
            for r in c.rules
            for k, w in r.conditions
            if k != _SCHOOL_LEVEL_KEY and not isinstance(w, dict)
        )

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
NOT_PRESETS = frozenset({"profiles.yaml", "regions.yaml"})


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
}
#: population values an older preset may lack, with the built-in presets' value.
_POPULATION_DEFAULTS = {
    "mapping_cell_m": Sourced(2000.0, "circle default: building mapping is judged square by square", True),
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


def _required_str(raw: dict, key: str, where: str, problems: list[str]) -> str:
    value = raw.get(key)
    if not isinstance(value, str) or not value:
        problems.append(f"'{key}' must be a non-empty string")
        return ""
    return value


def _sourced_block(raw: dict, block: str, where: str, problems: list[str], keys: tuple[str, ...]) -> dict[str, Sourced]:
    section = raw.get(block)
    if not isinstance(section, dict):
        problems.append(f"'{block}' must be a mapping with keys {', '.join(keys)}")
        return {}
    found = {key: sourced(section, key, block, problems, positive=True) for key in keys}
    for key, entry in section.items():
        if key not in found and isinstance(entry, dict) and "value" in entry:
            found[key] = sourced(section, key, block, problems)
    return found


def _school_levels(raw: Any, where: str, problems: list[str]) -> dict[str, SchoolLevel]:
    levels: dict[str, SchoolLevel] = {}
    if not isinstance(raw, dict):
        problems.append("'school_levels' must be a mapping of level to isced and name_pattern")
        return levels
    for level, rule in raw.items():
        rule = rule or {}
        if not isinstance(rule, dict):
            problems.append(f"'school_levels.{level}' must be a mapping with isced and name_pattern")
            continue
        try:
            pattern = re.compile(str(rule.get("name_pattern", "(?!)")), re.IGNORECASE)
        except re.error as exc:
            problems.append(f"'school_levels.{level}.name_pattern' is not a valid pattern: {exc}")
            continue
        levels[str(level)] = SchoolLevel(
            tuple(str(i) for i in rule.get("isced", [])), pattern, bool(rule.get("fallback", True))
        )
    return levels


def _categories(raw: Any, where: str, problems: list[str]) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append("'categories' must be a non-empty list")
        return ()
    categories = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        at = f"categories[{index}]"
        if not isinstance(entry, dict):
            problems.append(f"'{at}' must be a mapping")
            continue
        key = entry.get("key")
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key):
            problems.append(f"'{at}.key' must be lower-case letters, digits and _ (got {key!r})")
            continue
        if key in seen:
            problems.append(f"'{at}.key' {key!r} is used twice")
        seen.add(key)
        label = entry.get("label") or {}
        if not isinstance(label, dict) or not label.get("zh") or not label.get("en"):
            problems.append(f"'{key}.label' needs both zh and en")
            label = label if isinstance(label, dict) else {}
        rules = _rules(entry.get("osm"), key, problems)
        categories.append(
            Category(
                key=key,
                group=str(entry.get("group", "other")),
                label_zh=str(label.get("zh", key)),
                label_en=str(label.get("en", key)),
                tier=sourced(entry, "tier", key, problems, positive=True),
                radius_m=sourced(entry, "radius_m", key, problems, positive=True) if "radius_m" in entry else None,
                threshold_min=(
                    sourced(entry, "threshold_min", key, problems, positive=True) if "threshold_min" in entry else None
                ),
                weight=sourced(entry, "weight", key, problems) if "weight" in entry else DEFAULT_WEIGHT,
                score_weights=(
                    sourced(entry, "score_weights", key, problems, positive=True)
                    if "score_weights" in entry
                    else DEFAULT_SCORE_WEIGHTS
                ),
                min_area_ha=sourced(entry, "min_area_ha", key, problems, positive=True)
                if "min_area_ha" in entry
                else None,
                rules=rules,
            )
        )
    return tuple(categories)


def _rules(raw: Any, key: str, problems: list[str]) -> tuple[TagRule, ...]:
    if not isinstance(raw, list) or not raw:
        problems.append(f"'{key}.osm' must be a non-empty list of tag rules")
        return ()
    rules = []
    for index, rule in enumerate(raw):
        if not isinstance(rule, dict) or not rule:
            problems.append(f"'{key}.osm[{index}]' must be a mapping of OSM key to value(s)")
            continue
        conditions = []
        for tag, wanted in rule.items():
            if isinstance(wanted, dict):
                if set(wanted) != {"not"} or not isinstance(wanted["not"], list):
                    problems.append(f"'{key}.osm[{index}].{tag}' takes only {{not: [values]}}")
                    continue
                wanted = {"not": [str(v) for v in wanted["not"]]}
            elif isinstance(wanted, list):
                wanted = [str(v) for v in wanted]
            elif isinstance(wanted, str | int | float):
                wanted = str(wanted)
            else:
                problems.append(f"'{key}.osm[{index}].{tag}' has an unusable value {wanted!r}")
                continue
            conditions.append((str(tag), wanted))
        rules.append(TagRule(tuple(conditions)))
    return tuple(rules)
