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
