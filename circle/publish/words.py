"""What a block's page says of its gaps, in residents' words (not the standard's metres and planners' terms)."""

from __future__ import annotations

import math

from circle.analysis.completeness import ABSENT, LIKELY_INCOMPLETE
from circle.i18n import t

PHRASES = {
    "missing_far": {
        "zh": "步行{limit}分钟内没有{category}，最近的要走约{minutes}分钟",
        "en": "No {category} within a {limit}-minute walk; the nearest is about {minutes} minutes away",
    },
    "missing_none": {
        "zh": "步行可到的范围内没有{category}",
        "en": "No {category} within walking reach",
    },
}


def missing_lines(
    labels: dict[str, dict[str, str]],
    failed: list[str],
    minutes: dict[str, float],
    limits: dict[str, float],
    verdicts: dict[str, str],
    lang: str,
) -> list[str]:
    """Return the services a block misses by the standard, one plain sentence each.

    Parameters
    ----------
    labels : dict
        Category key → {"zh", "en"} label.
    failed : list of str
        The categories whose standard the block does not meet.
    minutes : dict
        Category key → minutes to the nearest (NaN or inf when none is reached).
    limits : dict
        Category key → the standard's limit in minutes of walking.
    verdicts : dict
        Category key → completeness verdict of its map data.
    lang : str
        ``zh`` or ``en``.

    Examples
    --------
    >>> missing_lines({"park": {"zh": "公园", "en": "park"}}, ["park"], {"park": 9.4}, {"park": 4.55}, {}, "en")
    ['No park within a 5-minute walk; the nearest is about 9 minutes away']
    """
    lines = []
    for category in failed:
        if verdicts.get(category) == ABSENT:
            continue  # said apart: the data does not hold it
        label = labels[category][lang]
        reached = minutes.get(category, math.nan)
        if reached is not None and math.isfinite(reached):
            line = PHRASES["missing_far"][lang].format(
                category=label, limit=f"{limits[category]:.0f}", minutes=f"{reached:.0f}"
            )
        else:
            line = PHRASES["missing_none"][lang].format(category=label)
        if verdicts.get(category) == LIKELY_INCOMPLETE:
            line += t("resident_partly_held_note", lang, category=label)
        lines.append(line)
    return lines


def not_held_lines(labels: dict[str, dict[str, str]], verdicts: dict[str, str], lang: str) -> list[str]:
    """Return one sentence per category the map data does not hold (never "there is none")."""
    return [
        t("resident_not_held", lang, category=labels[key][lang])
        for key, verdict in verdicts.items()
        if verdict == ABSENT and key in labels
    ]
