"""Residents' reports: how many, where and of which kind, and what the bureau did with each."""

from __future__ import annotations

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, KeepTogether

from circle.i18n import t
from circle.report.pdf.writer import Writer

#: the table's share of the frame width: the place, then one narrow column per kind, status and the total
PLACE_WIDTH = 0.22


def residents_section(w: Writer) -> list:
    """Return the residents' reports counted by community (or block) and kind, and their outcomes.

    Shown only when the deployment holds reports about the study. The
    residents' own words and contacts are never printed: the counts, the
    scenarios accepted reports went into, and the planners' reasons for
    rejecting are.
    """
    residents = w.content.residents
    if residents is None:
        return []
    done = residents.outcomes
    story = [
        w.p(w.s("rpt_residents_title", number=w.section_number("residents")), "h1"),
        w.p(
            w.s(
                "rpt_residents_intro",
                total=residents.total,
                accepted=len(done.accepted),
                rejected=len(done.rejected),
                open=len(done.open),
                grouping=w.s(f"rpt_residents_by_{residents.grouping}"),
            )
        ),
    ]
    columns = [*residents.kinds, *residents.statuses]
    header = [w.s(f"rpt_residents_place_{residents.grouping}")]
    header += [w.s(f"triage_kind_{kind}") for kind in residents.kinds]
    header += [w.s(f"triage_status_{status}") for status in residents.statuses]
    header.append(w.s("rpt_residents_total"))
    nowhere = w.s("triage_no_community" if residents.grouping == "community" else "triage_no_place")
    rows = [header]
    for record in residents.counts.to_dict("records"):
        place = w.text(record["place"]) if record["place"] is not None else nowhere
        rows.append([place, *(f"{record[c]:,}" for c in columns), f"{record['total']:,}"])
    totals = residents.counts[[*columns, "total"]].sum()
    rows.append([w.s("rpt_residents_total"), *(f"{int(totals[c]):,}" for c in [*columns, "total"])])
    narrow = (1.0 - PLACE_WIDTH) / (len(columns) + 1)
    numeric = set(range(1, len(columns) + 2))
    story.append(w.table(rows, [PLACE_WIDTH] + [narrow] * (len(columns) + 1), numeric=numeric))
    story.append(KeepTogether([w.p(w.s("rpt_residents_done"), "h2"), *_outcomes(w)]))
    story.append(CondPageBreak(70 * mm))  # the next section starts here unless the page is nearly full
    return story


def _outcomes(w: Writer) -> list:
    """Return what was done: accepted reports by scenario, each rejection with its reason, the open ones."""
    done = w.content.residents.outcomes
    lines = []
    by_scenario: dict[str | None, list[int]] = {}
    for number, scenario in done.accepted:
        by_scenario.setdefault(scenario, []).append(number)
    for scenario, numbers in sorted(by_scenario.items(), key=lambda item: (item[0] is None, item[0] or "")):
        if scenario is None:
            lines.append(w.p("• " + w.s("rpt_residents_accepted_plain", numbers=_numbers(w, numbers))))
        else:
            lines.append(w.p("• " + w.s("rpt_residents_accepted", scenario=scenario, numbers=_numbers(w, numbers))))
    for number, reason in done.rejected:
        lines.append(w.p("• " + w.s("rpt_residents_rejected", number=number, reason=reason or "—")))
    if done.open:
        lines.append(w.p("• " + w.s("rpt_residents_open", numbers=_numbers(w, done.open))))
    else:
        lines.append(w.p("• " + w.s("rpt_residents_none_open")))
    return lines


def _numbers(w: Writer, numbers: list[int]) -> str:
    """Return report numbers as plain text for a string (``w.s`` escapes the whole)."""
    return t("list_sep", w.lang).join(str(n) if w.lang == "zh" else f"#{n}" for n in numbers)
