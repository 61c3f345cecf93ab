"""The city check-up indicators: each by its official definition and by the walking network, with its source."""

from __future__ import annotations

import math

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak

from circle.report.pdf.writer import Writer

UNITS = {"percent": "%", "count": {"zh": "个", "en": ""}, "minutes": {"zh": "分钟", "en": "min"}, "index": ""}


def indicator_section(w: Writer) -> list:
    """Return the indicator table (the same rows as ``circle indicators`` writes) and where they come from."""
    table = w.content.indicators
    if table is None or table.empty:
        return []
    story = [
        w.p(w.s("rpt_indicators", number=w.section_number("indicators")), "h1"),
        w.p(w.s("rpt_indicators_intro", title=w.content.indicator_title)),
    ]
    rows = [
        [
            w.s("rpt_ind_name"),
            w.s("rpt_ind_official"),
            w.s("rpt_ind_line"),
            w.s("rpt_ind_network"),
            w.s("rpt_ind_unit"),
            w.s("rpt_ind_verified"),
        ]
    ]
    sources: dict[str, int] = {}
    for row in table.itertuples():
        number = sources.setdefault(row.source, len(sources) + 1)
        radius = w.s("rpt_ind_line_short") if row.official_radius == "straight_line" else w.s("rpt_ind_network_short")
        rows.append(
            [
                f"{w.text(row.name)} <super>{number}</super>",
                f"{_value(row.official_value, row.unit)} ({radius})" if _known(row.official_value) else "—",
                _value(row.straight_line_value, row.unit),
                _value(row.network_value, row.unit),
                _unit(row.unit, w.lang),
                w.s("rpt_yes") if row.verified else w.s("rpt_to_check"),
            ]
        )
    story.append(w.table(rows, [0.4, 0.16, 0.12, 0.12, 0.08, 0.12], numeric={1, 2, 3}))
    notes = [row for row in table.itertuples() if row.note and row.category == ""]
    colon = "：" if w.lang == "zh" else ": "
    story += [w.p(f"{w.text(row.name)}{colon}{w.text(row.note)}", "note") for row in notes]
    story.append(w.p(w.s("rpt_ind_sources"), "h2"))
    story += [w.p(f"{number}. {w.text(source)}", "note") for source, number in sources.items()]
    story.append(CondPageBreak(70 * mm))  # the next section starts here unless the page is nearly full
    return story


def _known(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _value(value, unit: str) -> str:
    if not _known(value):
        return "—"
    if unit == "index":
        return f"{value:.4f}"
    if float(value).is_integer() and abs(value) >= 10:
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _unit(unit: str, lang: str) -> str:
    word = UNITS.get(unit, unit)
    return word.get(lang, "") if isinstance(word, dict) else word
