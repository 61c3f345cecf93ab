"""A study's findings in words: a category's completeness verdict, whom a coverage counts, its share and notes.

The command line, the planner's pages, the PDF report and the published site
say these the same way; each takes the records of ``summary.json``
(:mod:`circle.study.summary`, :mod:`circle.study.completeness`) and a language.
"""

from __future__ import annotations

from typing import Any

from circle.i18n import percent, t
from circle.standards.age_groups import EVERYONE_GROUP
from circle.study.completeness import ABSENT, ASSESSED, CategoryCompleteness


def web_export_name(imports) -> str | None:
    """Return the file name of an imported list that is no register (a web map's export), else None."""
    facilities = (imports.facilities if imports is not None else None) or {}
    return facilities.get("file") if facilities.get("layout") else None


def explain(record: CategoryCompleteness | dict[str, Any], label: str, residents: float, lang: str) -> str:
    """Return one sentence saying a category's verdict and the figures that led to it.

    Examples
    --------
    >>> reasons = ("below_norm", "unreached")
    >>> record = CategoryCompleteness("likely_incomplete", 9, 0, 0.05, 13.7, 0.66, 0.43, 0.43, reasons)
    >>> explain(record, "Kindergarten", 164728, "en")  # doctest: +NORMALIZE_WHITESPACE
    'Kindergarten: only 9 mapped (the standard provides about 14 for 164,728 residents), and 43.0% of the blocks
    have none within a 30-minute walk; likely incompletely mapped, so not scored'
    """
    if isinstance(record, dict):
        record = CategoryCompleteness.from_dict(record)
    if record.verdict == ABSENT:
        return t("dq_absent", lang, label=label)
    if record.verdict == ASSESSED:
        if record.imported:
            return t("dq_imported", lang, label=label, count=record.imported)
        return label
    norm = (
        t("dq_norm", lang, residents=residents, expected=record.expected)
        if "below_norm" in record.reasons and record.expected is not None
        else ""
    )
    unreached = t("dq_unreached", lang, share=percent(record.unreached_blocks)) if "unreached" in record.reasons else ""
    return t("dq_incomplete", lang, label=label, count=record.facilities, norm=norm, unreached=unreached)


def unscored_change(entry: dict[str, Any], label: str, lang: str) -> str:
    """Return what a what-if does for a category the study leaves unscored, saying why it is no score.

    ``entry`` is one of :func:`circle.analysis.scoring.unscored_changes`'s (``scored: False``).

    Examples
    --------
    >>> entry = {"newly_served": 1200.0, "losing_service": 0.0, "scored": False, "verdict": "absent"}
    >>> unscored_change(entry, "Elderly care", "en")  # doctest: +NORMALIZE_WHITESPACE
    "Elderly care: none in the map data, so not scored; the added facilities put 1,200 residents within the
    standard's walking distance of one (the data cannot tell whether they are served today)"
    """
    who = entry["group"][lang] if entry.get("group") else t("whatif_unscored_people", lang)
    key = "whatif_unscored_absent" if entry["verdict"] == ABSENT else "whatif_unscored_incomplete"
    lost = entry["losing_service"]
    lost_words = t("whatif_unscored_lost", lang, lost=f"{lost:,.0f}") if lost else ""
    return t(key, lang, label=label, who=who, gained=f"{entry['newly_served']:,.0f}", lost=lost_words)


def counted_label(coverage, lang: str = "en") -> str:
    """Return whom a :class:`~circle.study.summary.CategoryCoverage` counts (its group's label, or all residents)."""
    return coverage.group[lang] if coverage.group else EVERYONE_GROUP.label(lang)


def share_text(coverage, lang: str = "en") -> str:
    """Return a coverage's share, naming the group it counts: ``40.0% of children aged 3–6``, or ``66.7%``."""
    if coverage.group:
        return t("demand_share_of", lang, coverage=percent(coverage.coverage), group=coverage.group[lang])
    return percent(coverage.coverage)


def coverage_notes(categories: dict, lang: str = "en") -> list[str]:
    """Return the notes of coverages (by category key): everyone counted for want of ages, or regional ages."""
    return [c.note[lang] for c in categories.values() if c.note]
