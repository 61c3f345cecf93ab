"""A standard in its own numbers: "300米内" for a distance standard, "15分钟内" for a time one.

GB 50180-2018 states service radii in metres; a report or a page that turned
them into the walking profile's minutes ("4.55 / 7.58 / 15.15 分钟") would print
numbers the standard never states. The minutes a walker takes for the radius
are a second, rounded figure beside it, to the half minute.
"""

from __future__ import annotations

from circle.i18n import t


def standard_words(rules, criterion: str, lang: str) -> str:
    """Return a category's standard as the standard states it, e.g. ``300米内`` / ``within 300 m``.

    Parameters
    ----------
    rules : circle.standards.categories.CategoryRules
        The category of the preset.
    criterion : str
        The preset's ``scoring.criterion`` (``"distance"`` or ``"time"``).
    lang : str
        ``"zh"`` or ``"en"``.
    """
    return t("rpt_within", lang, value=rules.describe_threshold(criterion, lang))


def walked_minutes(rules, criterion: str, speed_m_s: float) -> float | None:
    """Return the minutes a walker at ``speed_m_s`` takes for a distance standard, to the half minute.

    None for a time standard (its minutes are the standard's own).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> radius = SimpleNamespace(radius_m=SimpleNamespace(value=300))
    >>> walked_minutes(radius, "distance", 1.1)
    4.5
    >>> walked_minutes(SimpleNamespace(radius_m=SimpleNamespace(value=1000)), "distance", 0.75)
    22.0
    """
    if criterion != "distance" or rules.radius_m is None:
        return None
    return round(2 * float(rules.radius_m.value) / speed_m_s / 60.0) / 2


def standard_with_minutes(rules, criterion: str, speed_m_s: float, lang: str) -> str:
    """Return the standard with the walker's minutes in brackets: ``300米内（该人群约4.5分钟）``."""
    words = standard_words(rules, criterion, lang)
    minutes = walked_minutes(rules, criterion, speed_m_s)
    if minutes is None:
        return words
    return t("standard_with_minutes", lang, standard=words, minutes=f"{minutes:g}")


#: who issued each built-in standard and since when, as a report cites it (the presets' ``source`` is a
#: developer's note and may point at project files)
ISSUED = {
    "gb50180_2018": {
        "zh": "中华人民共和国住房和城乡建设部发布，2018年12月1日起实施",
        "en": "Ministry of Housing and Urban-Rural Development of the PRC, effective 1 December 2018",
    },
    "tdt1062_2021": {
        "zh": "中华人民共和国自然资源部发布，2021年7月1日起实施",
        "en": "Ministry of Natural Resources of the PRC, effective 1 July 2021",
    },
    "complete_community": {
        "zh": "住房和城乡建设部，2020年（试行）",
        "en": "Ministry of Housing and Urban-Rural Development, 2020 (trial)",
    },
    "bruno2024": {
        "zh": "Bruno 等，2024，《Nature Cities》1:633–641",
        "en": "Bruno et al. 2024, Nature Cities 1:633–641",
    },
    "walkscore": {"zh": "Walk Score 方法", "en": "the Walk Score method"},
}


def issued_by(preset_name: str, source: str, lang: str) -> str:
    """Return who issued a standard, in the report's language (a custom preset's own ``source`` as it is).

    Examples
    --------
    >>> issued_by("gb50180_2018", "GB 50180-2018, MOHURD", "zh")
    '中华人民共和国住房和城乡建设部发布，2018年12月1日起实施'
    >>> issued_by("my_city", "Local rules 2025", "zh")
    'Local rules 2025'
    """
    return ISSUED.get(preset_name, {}).get(lang, source)
