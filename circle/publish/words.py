"""What a block's page says of its gaps, in residents' words (not the standard's metres and planners' terms)."""

from __future__ import annotations

import math

from circle.i18n import t
from circle.study.completeness import ABSENT, LIKELY_INCOMPLETE

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


def whole_minutes(minutes: float) -> int:
    """Round minutes as the page does (halves up, like JavaScript's ``Math.round``), not half to even.

    Examples
    --------
    >>> whole_minutes(27.5), whole_minutes(7.49)
    (28, 7)
    """
    return math.floor(minutes + 0.5)


def _sentence_label(label: str, lang: str) -> str:
    """Return a category label fit for the middle of a sentence ("Primary school" → "primary school")."""
    if lang == "en" and len(label) > 1 and label[0].isupper() and label[1].islower():
        return label[0].lower() + label[1:]
    return label


def missing_lines(
    labels: dict[str, dict[str, str]],
    failed: list[str],
    minutes: dict[str, float],
    limits: dict[str, float],
    verdicts: dict[str, str],
    lang: str,
) -> list[str]:
    """Return the services a block misses by the standard, one plain sentence each.

    The minutes are at the typical pace the study was walked at. When the
    nearest and the limit round to the same whole minute, both are given to
    a tenth, so a sentence never reads "none within 8 minutes; the nearest
    is 8 minutes away".

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
    >>> labels = {"park": {"zh": "公园", "en": "Park"}}
    >>> missing_lines(labels, ["park"], {"park": 9.4}, {"park": 4.55}, {}, "en")
    ['No park within a 5-minute walk; the nearest is about 9 minutes away']
    >>> missing_lines(labels, ["park"], {"park": 7.7}, {"park": 7.58}, {}, "zh")
    ['步行7.5分钟内没有公园，最近的要走约7.7分钟']
    >>> missing_lines(labels, ["park"], {"park": 11.0}, {"park": 8.0}, {}, "en")
    ['No park within an 8-minute walk; the nearest is about 11 minutes away']
    """
    lines = []
    for category in failed:
        if verdicts.get(category) == ABSENT:
            continue  # said apart: the data does not hold it
        label = _sentence_label(labels[category][lang], lang)
        reached = minutes.get(category, math.nan)
        if reached is not None and math.isfinite(reached):
            limit = limits[category]
            if whole_minutes(reached) > whole_minutes(limit):
                shown_limit, shown = str(whole_minutes(limit)), str(whole_minutes(reached))
            else:
                shown_limit, shown = f"{math.floor(limit * 10) / 10:.1f}", f"{math.ceil(reached * 10) / 10:.1f}"
            line = PHRASES["missing_far"][lang].format(category=label, limit=shown_limit, minutes=shown)
            if lang == "en" and shown_limit.startswith(("8", "11", "18")):
                line = line.replace(" a 8", " an 8").replace(" a 11", " an 11").replace(" a 18", " an 18")
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
