"""The age groups a category serves: who a kindergarten, a school or elderly care is for.

A category of a preset names the group it serves (``serves: age_3_6``);
coverage, scores, priorities, supply against demand and suggested sites of
that category count that group's residents, not everyone. Groups are data
(``age_groups.yaml`` beside this module, each with its source); a preset may
add or redefine groups in its own ``age_groups:`` section. A group covers
ages from ``min_age`` up to but not including ``max_age`` (no upper bound
when ``max_age`` is null). ``everyone`` is implicit and means all residents.

Each block of a study carries its residents of a group in the column
``pop_{key}`` of ``blocks.parquet`` (:func:`population_column`), next to the
all-residents ``population``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

#: the implicit group of all residents
EVERYONE = "everyone"


@dataclass(frozen=True)
class AgeGroup:
    """Residents of an age range, ``min_age`` ≤ age < ``max_age`` (years).

    Attributes
    ----------
    key : str
        ``age_3_6`` …; its residents are the column ``pop_{key}``.
    label_zh, label_en : str
        What the group is called (``3–6岁儿童``, ``children aged 3–6``).
    min_age : float
        The youngest age counted.
    max_age : float or None
        The first age no longer counted; None for no upper bound.
    source : str
        Where the range comes from.
    verified : bool
        Whether it was checked against that text.
    """

    key: str
    label_zh: str
    label_en: str
    min_age: float
    max_age: float | None
    source: str
    verified: bool

    def label(self, lang: str = "en") -> str:
        """Return the label in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.label_zh if lang == "zh" else self.label_en

    def to_dict(self) -> dict[str, Any]:
        """Return the group as recorded in ``summary.json``."""
        return {
            "key": self.key,
            "label": {"zh": self.label_zh, "en": self.label_en},
            "min_age": self.min_age,
            "max_age": self.max_age,
            "source": self.source,
            "verified": self.verified,
        }


EVERYONE_GROUP = AgeGroup(EVERYONE, "全体居民", "all residents", 0.0, None, "every resident counts", True)


def population_column(group: str) -> str:
    """Name the column of ``blocks.parquet`` holding a block's residents of ``group``.

    Examples
    --------
    >>> population_column("age_3_6")
    'pop_age_3_6'
    >>> population_column("everyone")
    'population'
    """
    return "population" if group == EVERYONE else f"pop_{group}"


def builtin_age_groups() -> dict[str, AgeGroup]:
    """Return the age groups of ``age_groups.yaml`` (every preset has them)."""
    text = resources.files("circle.standards").joinpath("age_groups.yaml").read_text(encoding="utf-8")
    problems: list[str] = []
    groups = parse_age_groups(yaml.safe_load(text).get("age_groups"), problems)
    if problems:  # a broken file shipped with circle is a bug, not a user's error
        raise ValueError("circle/standards/age_groups.yaml: " + "; ".join(problems))
    return groups


def parse_age_groups(raw: Any, problems: list[str]) -> dict[str, AgeGroup]:
    """Read an ``age_groups:`` mapping (key → label, min_age, max_age, source, verified).

    Problems are appended to ``problems`` naming the key at fault.
    """
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.append("'age_groups' must be a mapping of group keys to their ages")
        return {}
    groups = {}
    for key, entry in raw.items():
        at = f"age_groups.{key}"
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", key) or key == EVERYONE:
            problems.append(f"'{at}' must be lower-case letters, digits and _ (and not {EVERYONE!r})")
            continue
        if not isinstance(entry, dict):
            problems.append(f"'{at}' must be a mapping with label, min_age, max_age, source and verified")
            continue
        label = entry.get("label") or {}
        if not isinstance(label, dict) or not label.get("zh") or not label.get("en"):
            problems.append(f"'{at}.label' needs both zh and en")
            continue
        low, high = entry.get("min_age"), entry.get("max_age")
        if not _is_age(low) or not (high is None or _is_age(high)) or (high is not None and high <= low):
            problems.append(f"'{at}' needs min_age ≥ 0 and max_age above it (or null), not {low!r}–{high!r}")
            continue
        if not isinstance(entry.get("source"), str) or not isinstance(entry.get("verified"), bool):
            problems.append(f"'{at}' must say its source and whether it is verified")
            continue
        groups[key] = AgeGroup(
            key,
            str(label["zh"]),
            str(label["en"]),
            float(low),
            None if high is None else float(high),
            entry["source"],
            entry["verified"],
        )
    return groups


def _is_age(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 150
