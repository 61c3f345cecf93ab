"""What a census table's join gave, as facts the command line and the app both put into words.

The report is ``summary.imports.census_table`` (written by
:mod:`circle.prepare.population.census_table`); :func:`census_table_facts`
picks from it what a planner is told after a build — rows joined, rows set
apart as totals, rows that match no area, areas without a row — so the CLI's
English lines and the app's zh/en messages say the same things.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: how many names of a list (unmatched rows, areas without a row …) are shown before "and N more"
SHOWN_NAMES = 5


@dataclass(frozen=True)
class Names:
    """The first names of a list of report entries, and how many there are in all."""

    first: list[str] = field(default_factory=list)
    count: int = 0

    @property
    def more(self) -> int:
        """How many entries are not among :attr:`first`."""
        return self.count - len(self.first)


@dataclass(frozen=True)
class CensusTableFacts:
    """What a census table's join gave (see :func:`census_table_facts`)."""

    file: str
    rows: int
    rows_matched: int
    areas: int
    areas_source: str
    matched_residents: float
    table_residents: float
    residents_in_study: float
    stated_total: float | None
    set_apart: Names
    unmatched: Names
    unmatched_residents: float
    areas_without_blocks: int
    residents_without_blocks: float
    areas_without_row: Names
    areas_partly_in_study: Names
    age_rows: int
    age_columns: list[str]
    offset_check: dict
    header: str = ""
    ignored_rows: Names = field(default_factory=Names)
    age_columns_not_read: list[str] = field(default_factory=list)
    age_rows_adjusted: Names = field(default_factory=Names)
    age_rows_left_out: Names = field(default_factory=Names)
    areas_outside_study: Names = field(default_factory=Names)
    boundary_encoding: str | None = None

    @property
    def wrong_system(self) -> bool:
        """Whether the boundary file seems read in the wrong coordinate system (its areas' figures are then off)."""
        return bool(self.offset_check.get("suggested"))


def entry_names(entries: list[dict], shown: int = SHOWN_NAMES) -> Names:
    """Return the first ``shown`` names of a census table's report entries (a row without one by its code or line).

    Examples
    --------
    >>> names = entry_names([{"name": "红旗社区"}, {"code": "510104021001"}, {"line": 9}], shown=2)
    >>> names.first, names.more
    (['红旗社区', '510104021001'], 1)
    """
    first = [str(e.get("name") or e.get("code") or f"line {e.get('line')}") for e in entries[:shown]]
    return Names(first, len(entries))


def header_words(header: dict) -> str:
    """Say where a census table's header was found, and which lines above it were skipped ("" for line 1).

    Examples
    --------
    >>> header_words({"lines": [3, 4], "skipped": [{"line": 1, "text": "七普数据"}, {"line": 2, "text": "单位：人"}]})
    'header on lines 3–4; lines 1–2 (a title: 七普数据 / 单位：人) skipped'
    >>> header_words({"lines": [1], "skipped": []})
    ''
    """
    lines, skipped = header.get("lines") or [], header.get("skipped") or []
    if not lines or (lines == [1] and not skipped):
        return ""
    where = f"header on line {lines[0]}" if len(lines) == 1 else f"header on lines {lines[0]}–{lines[-1]}"
    if not skipped:
        return where
    first, last = skipped[0]["line"], skipped[-1]["line"]
    span = f"line {first}" if first == last else f"lines {first}–{last}"
    return f"{where}; {span} (a title: {' / '.join(s['text'] for s in skipped)}) skipped"


def ignored_row_names(entries: list[dict], shown: int = SHOWN_NAMES) -> Names:
    """Return rows that are no part of a table as ``line 20 (a note)``, the first ``shown`` of them."""
    return Names([f"line {e['line']} ({e['reason']})" for e in entries[:shown]], len(entries))


def reasoned_names(entries: list[dict], shown: int = SHOWN_NAMES) -> Names:
    """Return rows by name with why, as ``新兴社区 (0–14岁 + … = 2,203, more than the row's 2,200 residents)``."""
    named = entry_names(entries, shown)
    first = [f"{n} ({e['reason']})" if e.get("reason") else n for n, e in zip(named.first, entries, strict=False)]
    return Names(first, named.count)


def census_table_facts(report: dict) -> CensusTableFacts:
    """Return what a census table's join gave, from its report in ``summary.imports.census_table``.

    ``stated_total`` is the table's own total row only when it differs from
    the sum of its rows; ``offset_check`` is the boundary file's coordinate
    check (empty when the table was joined to OpenStreetMap's boundaries).
    """
    allocation = report.get("allocation") or {}
    bands = report.get("age_bands") or {}
    stated = report.get("stated_total")
    return CensusTableFacts(
        file=report["file"],
        rows=report["rows"],
        rows_matched=report["rows_matched"],
        areas=report["areas"]["count"],
        areas_source=report["areas"]["source"],
        matched_residents=report["matched_residents"],
        table_residents=report["table_residents"],
        residents_in_study=report.get("residents_in_study", report["matched_residents"]),
        stated_total=stated if stated is not None and abs(stated - report["table_residents"]) > 0.5 else None,
        set_apart=entry_names(report["set_apart"]),
        unmatched=entry_names(report["unmatched"]),
        unmatched_residents=report.get("unmatched_residents", 0.0),
        areas_without_blocks=allocation.get("polygons_without_blocks", 0),
        residents_without_blocks=allocation.get("population_without_blocks", 0.0),
        areas_without_row=entry_names(report.get("areas_without_row") or []),
        areas_partly_in_study=entry_names(report.get("areas_partly_in_study") or []),
        age_rows=bands.get("matched_rows_with_bands", bands.get("rows_with_bands", 0)),
        age_columns=list(bands.get("columns") or []),
        offset_check=report.get("offset_check") or {},
        header=header_words(report.get("header") or {}),
        ignored_rows=ignored_row_names(report.get("ignored_rows") or []),
        age_columns_not_read=list(report.get("age_columns_not_read") or []),
        age_rows_adjusted=reasoned_names(report.get("age_rows_adjusted") or []),
        age_rows_left_out=reasoned_names(report.get("age_rows_left_out") or []),
        areas_outside_study=entry_names(report.get("areas_outside_study") or []),
        boundary_encoding=report.get("boundary_encoding"),
    )
