"""What a census table's join gave, as facts the command line and the app both put into words.

The report is ``summary.imports.census_table`` (written by
:mod:`circle.build.population.census_table`); :func:`census_table_facts`
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
    )
