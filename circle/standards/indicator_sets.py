"""Indicator sets: the figures a planning bureau must report, kept as YAML data (``standards/indicators/``).

Each indicator names its method (how circle computes it), how the official
definition weights (``area``, ``population``, ``count``) and measures
(``straight_line`` radius or walking ``network``), its source and whether
that definition was checked (``verified``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from circle.errors import PresetError

METHODS = ("service_radius_coverage", "compounds_lacking", "category_coverage", "study_measure")
WEIGHTINGS = ("area", "population", "count")
RADII = ("straight_line", "network")
UNITS = ("percent", "count", "minutes", "index")
MEASURES = ("F15", "proximity_min", "gini_proximity", "mean_score")
DEFAULT_SET = "city_checkup_2021"


@dataclass(frozen=True)
class RadiusRule:
    """Facilities of a category (optionally of a size) and the radius they serve."""

    category: str
    radius_m: float
    min_area_m2: float | None = None
    max_area_m2: float | None = None


@dataclass(frozen=True)
class Indicator:
    """One indicator of a set (see the module docstring)."""

    key: str
    name_zh: str
    name_en: str
    definition_zh: str
    definition_en: str
    unit: str
    method: str
    weighting: str
    radius: str
    source: str
    verified: bool
    facilities: tuple[RadiusRule, ...] = ()
    measure: str | None = None

    def name(self, lang: str, facility: str = "") -> str:
        """Return the indicator's name in ``lang`` (``{facility}`` filled in)."""
        return (self.name_zh if lang == "zh" else self.name_en).replace("{facility}", facility)

    def definition(self, lang: str, facility: str = "") -> str:
        """Return the indicator's definition in ``lang`` (``{facility}`` filled in)."""
        return (self.definition_zh if lang == "zh" else self.definition_en).replace("{facility}", facility)


@dataclass(frozen=True)
class IndicatorSet:
    """A named list of indicators with its title and source."""

    name: str
    title_zh: str
    title_en: str
    source: str
    path: str
    indicators: tuple[Indicator, ...]


def builtin_indicator_sets() -> list[str]:
    """Return the names of the indicator sets shipped with circle."""
    folder = resources.files("circle.standards") / "indicators"
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def load_indicator_set(name_or_path: str | Path = DEFAULT_SET) -> IndicatorSet:
    """Load an indicator set by built-in name or by file path.

    Raises
    ------
    PresetError
        When the set cannot be found or read, or any indicator is malformed
        (the message names every problem).
    """
    text_path = str(name_or_path)
    builtins = builtin_indicator_sets()
    if text_path in builtins:
        text = (resources.files("circle.standards") / "indicators" / f"{text_path}.yaml").read_text(encoding="utf-8")
        where = f"{text_path} (built-in)"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise PresetError(
                f"no indicator set called {text_path!r}: it is neither a built-in ({', '.join(builtins)}) nor a "
                "file. Give a built-in name or the path to a YAML file.",
                about=("indicator_set",),
            )
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PresetError(
                f"cannot read indicator set {path} as UTF-8 text ({exc}).", about=("indicator_set",)
            ) from exc
        where = str(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PresetError(f"indicator set {where} is not valid YAML: {exc}.", about=("indicator_set",)) from exc
    problems: list[str] = []
    indicators = _indicators(raw, where, problems) if isinstance(raw, dict) else ()
    if not isinstance(raw, dict) or not raw.get("name"):
        problems.append(f"{where}: an indicator set is a YAML mapping with a name")
    if problems:
        raise PresetError(
            "; ".join(problems) + ". Compare with the built-in city_checkup_2021.yaml.", about=("indicator_set",)
        )
    title = raw.get("title") or {}
    return IndicatorSet(
        name=str(raw["name"]),
        title_zh=str(title.get("zh", raw["name"])),
        title_en=str(title.get("en", raw["name"])),
        source=str(raw.get("source", "")),
        path=where,
        indicators=indicators,
    )


def _indicators(raw: dict[str, Any], where: str, problems: list[str]) -> tuple[Indicator, ...]:
    found = []
    for number, entry in enumerate(raw.get("indicators") or [], start=1):
        at = f"{where}: indicator {number}"
        if not isinstance(entry, dict):
            problems.append(f"{at} is not a mapping")
            continue
        name, definition = entry.get("name") or {}, entry.get("definition") or {}
        checks = {
            "method": METHODS,
            "weighting": WEIGHTINGS,
            "radius": RADII,
            "unit": UNITS,
        }
        for field_name, allowed in checks.items():
            if entry.get(field_name) not in allowed:
                problems.append(f"{at} ({entry.get('key')}): {field_name} must be one of {', '.join(allowed)}")
        if not isinstance(entry.get("verified"), bool):
            problems.append(f"{at} ({entry.get('key')}): verified must be true or false")
        if not entry.get("source"):
            problems.append(f"{at} ({entry.get('key')}): every indicator names its source")
        if entry.get("method") == "study_measure" and entry.get("measure") not in MEASURES:
            problems.append(f"{at} ({entry.get('key')}): measure must be one of {', '.join(MEASURES)}")
        rules = []
        for rule in entry.get("facilities") or []:
            try:
                rules.append(
                    RadiusRule(
                        category=str(rule["category"]),
                        radius_m=float(rule["radius_m"]),
                        min_area_m2=None if rule.get("min_area_m2") is None else float(rule["min_area_m2"]),
                        max_area_m2=None if rule.get("max_area_m2") is None else float(rule["max_area_m2"]),
                    )
                )
            except (KeyError, TypeError, ValueError):
                problems.append(f"{at} ({entry.get('key')}): each facility rule needs a category and a radius_m")
        if entry.get("method") == "service_radius_coverage" and not rules:
            problems.append(f"{at} ({entry.get('key')}): a service-radius coverage needs facility rules")
        found.append(
            Indicator(
                key=str(entry.get("key", f"indicator_{number}")),
                name_zh=str(name.get("zh", entry.get("key", ""))),
                name_en=str(name.get("en", entry.get("key", ""))),
                definition_zh=str(definition.get("zh", "")),
                definition_en=str(definition.get("en", "")),
                unit=str(entry.get("unit")),
                method=str(entry.get("method")),
                weighting=str(entry.get("weighting")),
                radius=str(entry.get("radius")),
                source=str(entry.get("source", "")),
                verified=bool(entry.get("verified")),
                facilities=tuple(rules),
                measure=entry.get("measure"),
            )
        )
    return tuple(found)
