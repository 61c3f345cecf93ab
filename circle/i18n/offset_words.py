"""What a layer's coordinate-system check found, in the reader's language (the check's own message is English)."""

from __future__ import annotations

from circle.i18n import t


def offset_words(check: dict, what: str, lang: str) -> str:
    """Say what an offset check found: the fit in the declared system, or the system that fits better.

    Parameters
    ----------
    check : dict
        An ``offset_check`` of ``summary.json`` (``declared``, ``median_m`` per system, ``suggested``).
    what : str
        The layer: ``facilities``, ``area``, ``blocks``, ``census`` or ``census_table`` (its boundary file).
    lang : str
        ``zh`` or ``en``.

    Examples
    --------
    >>> offset_words({"declared": "wgs84", "median_m": {"wgs84": 360.0, "gcj02": 1.0}, "suggested": "gcj02"},
    ...              "facilities", "zh").split("；")[1]
    '按 gcj02 读取则为 1 米。该文件很可能是 gcj02 坐标，请声明后重新分析'
    """
    words = t(f"rpt_offset_what_{what}", lang)
    medians = check.get("median_m") or {}
    declared = check.get("declared")
    if declared not in medians:
        return t("rpt_offset_skipped", lang, what=words)
    best = check.get("suggested")
    if best and best in medians:
        return t(
            "rpt_offset_suggests",
            lang,
            what=words,
            declared=declared,
            metres=medians[declared],
            best=best,
            best_metres=medians[best],
        )
    return t("rpt_offset_fits", lang, what=words, declared=declared, metres=medians[declared])
