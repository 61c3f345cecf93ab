"""A preset's categories and reading them from YAML.

Their OSM tag rules, thresholds, tiers, weights and school levels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from circle.i18n import t
from circle.standards.sourced import Sourced, sourced

_SCHOOL_LEVEL_KEY = "school_level"


#: the forms a condition's mapping may take: ``{not: [values]}``, ``{match: pattern}``, ``{not_match: pattern}``
CONDITION_FORMS = ("not", "match", "not_match")


def _is_positive(wanted: Any) -> bool:
    """Return whether a condition needs its key present (a value, a list, ``"*"`` or ``{match: …}``)."""
    return not isinstance(wanted, dict) or "match" in wanted


def _pattern_of(wanted: Any) -> re.Pattern[str] | None:
    """Return the compiled pattern of a ``{match: …}`` or ``{not_match: …}`` condition, else None."""
    if isinstance(wanted, dict):
        return wanted.get("match", wanted.get("not_match"))
    return None


@dataclass(frozen=True)
class TagRule:
    """One OSM tag rule: every listed key must match (a rule is an AND).

    A value may be a string, a list of strings (any of them), ``"*"`` (the key
    is present), ``{"not": [...]}`` (absent, or none of these values),
    ``{"match": pattern}`` (present, and the regular expression is found in
    the value) or ``{"not_match": pattern}`` (absent, or the pattern is not
    found; e.g. ``name: {not_match: "电子|面料"}`` leaves out an electronics
    market). Patterns are compiled case-insensitive. The special key
    ``school_level`` matches schools by their derived level.
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
                if "not" in wanted:
                    if value is not None and value in wanted["not"]:
                        return False
                elif "match" in wanted:
                    if value is None or not wanted["match"].search(value):
                        return False
                elif value is not None and wanted["not_match"].search(value):
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
    def patterns(self) -> tuple[tuple[str, re.Pattern[str]], ...]:
        """The ``(key, pattern)`` of every ``match`` / ``not_match`` condition."""
        return tuple((k, p) for k, w in self.conditions if (p := _pattern_of(w)) is not None)

    def describe(self, tags: dict[str, str], school_levels: frozenset[str] | None = None) -> str:
        """Say which tags made an object match: its values of the rule's positive conditions.

        Exclusions (``not``, ``not_match``) say what did *not* feed a
        category and are left out; a ``match`` condition shows its key only.

        Parameters
        ----------
        tags : dict of str to str
            The OSM tags of the object the rule matched.
        school_levels : frozenset of str or None, optional
            Unused; the level a rule asks for is shown as ``school_level=…``.

        Returns
        -------
        str
            E.g. ``"shop=supermarket"`` or ``"amenity=school, school_level=primary"``.

        Examples
        --------
        >>> rule = TagRule((("shop", ["supermarket", "butcher"]), ("name", {"not_match": re.compile("厨房")})))
        >>> rule.describe({"shop": "butcher", "name": "肉铺"})
        'shop=butcher'
        """
        parts = []
        for key, wanted in self.conditions:
            if key == _SCHOOL_LEVEL_KEY:
                parts.append(f"{key}={wanted}")
            elif isinstance(wanted, dict):
                if "match" in wanted:
                    parts.append(f"{key}~{wanted['match'].pattern}")
            else:
                parts.append(f"{key}={tags.get(key, wanted)}")
        return ", ".join(parts)

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
        for key, wanted in self.conditions:
            if key != _SCHOOL_LEVEL_KEY and _is_positive(wanted):
                return key, None  # {match: …}: the key must be present
        return None


DEFAULT_WEIGHT = Sourced(1.0, "circle default", False)


DEFAULT_SCORE_WEIGHTS = Sourced([1.0], "circle default: the nearest facility only", False)
#: a category that names no age group serves all residents (circle/standards/age_groups.py)
SERVES_EVERYONE = Sourced("everyone", "circle default: a category that names no age group serves all residents", True)


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
    residents_per_facility: Sourced | None = None
    serves: Sourced = SERVES_EVERYONE
    served_per_place: Sourced | None = None

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
            "residents_per_facility": self.residents_per_facility.to_dict() if self.residents_per_facility else None,
            "serves": self.serves.to_dict(),
            "served_per_place": self.served_per_place.to_dict() if self.served_per_place else None,
        }


@dataclass(frozen=True)
class SchoolLevel:
    """How to tell a school's level from ``isced:level`` or its name.

    ``fallback``: a school whose level cannot be told counts for this level;
    ``fallback_not_match``: except when its name matches this pattern (a
    training school, a university mapped as a school).
    """

    isced: tuple[str, ...]
    name_pattern: re.Pattern[str]
    fallback: bool = True
    fallback_not_match: re.Pattern[str] | None = None


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
        exclude = None
        if "fallback_not_match" in rule:
            exclude = _compiled(rule["fallback_not_match"], f"school_levels.{level}.fallback_not_match", problems)
            if exclude is None:
                continue
        levels[str(level)] = SchoolLevel(
            tuple(str(i) for i in rule.get("isced", [])), pattern, bool(rule.get("fallback", True)), exclude
        )
    return levels


def _compiled(pattern: Any, where: str, problems: list[str]) -> re.Pattern[str] | None:
    """Compile a preset's regular expression (case-insensitive), or note why it cannot be."""
    if not isinstance(pattern, str) or not pattern:
        problems.append(f"'{where}' must be a non-empty regular expression (got {pattern!r})")
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        problems.append(f"'{where}' is not a valid regular expression: {exc}")
        return None


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
                residents_per_facility=sourced(entry, "residents_per_facility", key, problems, positive=True)
                if "residents_per_facility" in entry
                else None,
                serves=_serves(entry, key, problems),
                served_per_place=(
                    sourced(entry, "served_per_place", key, problems, positive=True)
                    if "served_per_place" in entry
                    else None
                ),
                rules=rules,
            )
        )
    return tuple(categories)


def _serves(entry: dict, key: str, problems: list[str]) -> Sourced:
    """Read ``serves: {value: GROUP, source, verified}`` (the group is checked against the preset's groups)."""
    if "serves" not in entry:
        return SERVES_EVERYONE
    raw = entry["serves"]
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("value"), str)
        or not isinstance(raw.get("source"), str)
        or not isinstance(raw.get("verified"), bool)
    ):
        problems.append(f"'{key}.serves' must be a mapping with value (an age group key), source and verified")
        return SERVES_EVERYONE
    return Sourced(raw["value"], raw["source"], raw["verified"])


def _condition_mapping(wanted: dict, at: str, problems: list[str]) -> dict | None:
    """Check and compile a condition written as a mapping (see :data:`CONDITION_FORMS`)."""
    forms = ", ".join(f"{{{f}: …}}" for f in CONDITION_FORMS)
    if len(wanted) != 1 or next(iter(wanted)) not in CONDITION_FORMS:
        problems.append(f"'{at}' takes one of {forms} (got {sorted(map(str, wanted))})")
        return None
    form, value = next(iter(wanted.items()))
    if form == "not":
        if not isinstance(value, list) or not value:
            problems.append(f"'{at}.not' must be a non-empty list of values")
            return None
        return {"not": [str(v) for v in value]}
    pattern = _compiled(value, f"{at}.{form}", problems)
    return None if pattern is None else {form: pattern}


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
            at = f"{key}.osm[{index}].{tag}"
            if isinstance(wanted, dict):
                wanted = _condition_mapping(wanted, at, problems)
                if wanted is None:
                    continue
                if tag == _SCHOOL_LEVEL_KEY:
                    problems.append(f"'{at}' takes a level name, not a mapping")
                    continue
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
