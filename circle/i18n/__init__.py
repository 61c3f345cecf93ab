"""User-facing strings in Chinese and English.

Strings live in :data:`STRINGS` (key → zh, en); :func:`t` picks one and fills
its ``{placeholders}``. Category labels come from the standards presets.
"""

from __future__ import annotations

from circle.i18n.strings import STRINGS

LANGUAGES = ("zh", "en")


def t(key: str, lang: str = "zh", **values) -> str:
    """Return the string ``key`` in ``lang``, formatted with ``values``.

    Examples
    --------
    >>> t("minutes", "en", value=5)
    '5 min'
    >>> t("minutes", "zh", value=5)
    '5 分钟'
    """
    entry = STRINGS[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def percent(share: float | None) -> str:
    """Return a share as a percentage with one decimal, or a dash when it is unknown (None or NaN).

    Examples
    --------
    >>> percent(0.3757), percent(None), percent(float("nan"))
    ('37.6%', '—', '—')
    """
    return "—" if share is None or share != share else f"{100 * share:.1f}%"


def figure(value: float | None, spec: str = ".2f") -> str:
    """Return a figure formatted with ``spec``, or a dash when it is unknown (None or NaN).

    A study that scores no category has no proximity time, Gini or mean score to show.

    Examples
    --------
    >>> figure(2.5194, ".3f"), figure(None), figure(float("nan"))
    ('2.519', '—', '—')
    """
    return "—" if value is None or value != value else format(value, spec)
