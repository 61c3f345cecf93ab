"""Census tables by community or sub-district (社区名称, 常住人口, age groups): read, and their totals set apart.

A table has one row per 社区/村 or 街道/乡镇 with its name or 12-digit
statistical code, its residents and, often, residents by age group. Columns
are found by common Chinese and English names or given explicitly
(``name=社区名称,population=常住人口,code=代码,subdistrict=街道``).

Tables as a 街道 office sends them are read as they are: the header is the
first of the top rows that holds a name and a population column (a title
and ``单位：人`` above it are skipped), and a header of two rows (a merged
``年龄构成`` over ``0—14岁 … 其中：65岁及以上``) is read as one. Blank rows,
a repeated header and notes (``注：``, ``资料来源：``) are ignored with their
reason; rows that sum others (合计, 总计, 小计, a 街道 row above its 社区 rows)
are set apart with the reason, so that nothing is counted twice; the rows
left are joined to administrative areas by
:mod:`circle.prepare.population.census_table`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from circle.errors import InputDataError
from circle.sources.age_bands import Band, BandError, looks_like_age, parse_header, resolve_ends
from circle.sources.chinese_names import UPPER_KINDS, fold, is_upper_code, statistical_code, unit_key
from circle.sources.spreadsheet import read_xlsx
from circle.sources.tables import MAX_ROWS, distinct_headings, parse_role_columns, read_table

#: column roles and the headers that name them (compared without case, spaces, brackets and units)
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "name": (
        "社区名称",
        "社区",
        "村居名称",
        "社区村名称",
        "社区村",
        "村社区",
        "居委会",
        "居委会名称",
        "村委会",
        "名称",
        "单位名称",
        "区划名称",
        "地区",
        "区域",
        "name",
        "community",
    ),
    "code": ("统计用区划代码", "区划代码", "统计代码", "代码", "编码", "code", "area_code"),
    "subdistrict": (
        "街道",
        "街道名称",
        "所属街道",
        "街道办事处",
        "乡镇",
        "乡镇街道",
        "街道乡镇",
        "乡镇名称",
        "所属乡镇",
        "subdistrict",
        "street",
        "town",
        "jiedao",
    ),
    "population": (
        "常住人口",
        "常住人口数",
        "人口",
        "人口数",
        "总人口",
        "人口总数",
        "合计人口",
        "population",
        "pop",
        "residents",
        "total",
    ),
}
#: names of rows that sum others
TOTAL_WORDS = ("合计", "总计", "小计", "汇总", "总数", "全区", "全市", "全县", "全镇", "全街道", "全乡")
_TOTAL_ENGLISH = {"total", "sum", "subtotal", "all", "grandtotal"}
#: how many rows from the top are searched for the header (a title and a unit line may stand above it)
HEADER_SEARCH_ROWS = 15
#: the most residents a row may give: more than China's most populous county (a 社区 has thousands, a 街道 tens of
#: thousands); a larger figure is a typing or unit error
MAX_ROW_RESIDENTS = 10_000_000
#: a row that starts so is a note under (or above) the table, not a row of it
_NOTE = re.compile(
    r"^(?:注|备注|附注|说明|资料来源|数据来源|来源|填报单位|填报日期|填报人|填表人|填表日期|制表人?|制表日期|审核人?|"
    r"负责人|联系人|联系电话|单位)\s*\d*\s*[:：]"
)
#: the header pandas gives a column without one; never shown
_UNNAMED = re.compile(r"^Unnamed: \d+(?:_level_\d+)?$")


@dataclass(frozen=True)
class CensusTableSpec:
    """How to read a census table.

    Attributes
    ----------
    path : pathlib.Path
        A ``.csv`` (UTF-8, GB18030 or UTF-16) or ``.xlsx`` file.
    columns : dict
        Explicit headers for ``name``, ``code``, ``subdistrict``, ``population``.
    """

    path: Path
    columns: dict[str, str] = field(default_factory=dict)


@dataclass
class CensusTable:
    """A census table read: its rows, their age bands, and which rows sum others.

    Attributes
    ----------
    rows : pandas.DataFrame
        One per data row: ``line`` (in the file, header = 1), ``name``,
        ``code`` (12 digits or None), ``subdistrict`` (the row's 街道, from its
        column or the 街道 row above it), ``population``, ``upper`` (a
        街道/乡镇 row), ``excluded`` (None, or why the row is set apart), and one
        column per age header.
    bands : dict of str to Band
        The age band of each age column.
    columns : dict of str to str
        The header found for each role.
    ignored_columns : list of str
        Headers that hold shares (占比, %) rather than counts.
    unread_age_columns : list of str
        Headers that look like an age group (岁, 年龄 …) but are not read as one.
    header : dict
        Where the header was found: ``lines`` (one or two), ``skipped`` (the
        lines above it, and their text).
    ignored_rows : list of dict
        Rows that are no part of the table: ``line``, ``text``, ``reason``
        (blank, the header repeated, a note).
    """

    rows: pd.DataFrame
    bands: dict[str, Band]
    columns: dict[str, str]
    ignored_columns: list[str]
    unread_age_columns: list[str] = field(default_factory=list)
    header: dict = field(default_factory=dict)
    ignored_rows: list[dict] = field(default_factory=list)

    @property
    def joined(self) -> pd.DataFrame:
        """The rows to join: those not set apart."""
        return self.rows[self.rows["excluded"].isna()]


def parse_columns(text: str | None) -> dict[str, str]:
    """Parse ``"name=社区名称,population=常住人口"`` into a mapping.

    Examples
    --------
    >>> parse_columns("name=社区名称, population=常住人口")
    {'name': '社区名称', 'population': '常住人口'}

    Raises
    ------
    InputDataError
        For a malformed item or an unknown role.
    """
    return parse_role_columns(text, tuple(COLUMN_NAMES), "census table", "census_table_columns")


def read_census_table(spec: CensusTableSpec) -> CensusTable:
    """Read a census table and set apart the rows that sum others.

    Raises
    ------
    InputDataError
        When the file cannot be read, has neither a name nor a code column, no
        population column, or a row whose residents are not a number of 0 or more.
    """
    path = Path(spec.path)
    try:
        raw = _read_sheet(path)
    except InputDataError as error:  # the reader is the facility tables'; the words should be this table's
        raise InputDataError(str(error).replace("facility table", "census table"), about=("census_table",)) from None
    frame, lines, header = _frame_below_header(raw, spec.columns, path)
    found = _find_columns(frame, spec.columns, path)
    frame, lines, ignored_rows = _drop_ignored_rows(frame, lines, found)
    ages, ignored, unread = _age_columns(frame, found)
    name_col, code_col = found.get("name"), found.get("code")
    names = frame[name_col].map(_text) if name_col else pd.Series([""] * len(frame), dtype=object)
    codes = pd.Series([statistical_code(v) for v in frame[code_col]] if code_col else [None] * len(frame), dtype=object)
    population = _counts(frame[found["population"]])
    rows = pd.DataFrame(
        {
            "line": lines,
            "name": names.to_numpy(object),
            "code": codes,
            "subdistrict": (
                frame[found["subdistrict"]].map(_text).to_numpy(object)
                if "subdistrict" in found
                else np.full(len(frame), "", object)
            ),
            "population": population,
            # what the code cell said, to name a code of the wrong length rather than call the row code-less
            "code_given": (
                frame[code_col].map(_text).to_numpy(object) if code_col else np.full(len(frame), "", object)
            ),
        }
    )
    kinds = [unit_key(n).kind for n in rows["name"]]
    rows["upper"] = [
        kind in UPPER_KINDS or (code is not None and is_upper_code(code))
        for kind, code in zip(kinds, rows["code"], strict=True)
    ]
    for column in ages:
        rows[column] = _counts(frame[column])
    rows["excluded"] = pd.Series(_set_apart(rows), index=rows.index, dtype=object)
    _check_counts(rows, ages, path)
    try:
        bands = resolve_ends(ages)
    except BandError as error:
        raise InputDataError(
            f"census table {path.name}: {error}. Correct the column's heading (0-14岁, 60岁及以上 …) or delete it.",
            about=("census_table",),
        ) from None
    return CensusTable(rows, bands, found, ignored, unread, header, ignored_rows)


def _read_sheet(path: Path) -> pd.DataFrame:
    """Read the table as text; an ``.xlsx`` sheet with its blank rows, so that line numbers are the sheet's rows."""
    if not path.is_file():
        return read_table(path)  # which says that it does not exist
    with path.open("rb") as handle:
        if not handle.read(4).startswith(b"PK\x03\x04"):
            return read_table(path)
    frame = read_xlsx(path, f"census table {path.name}", MAX_ROWS)
    frame.columns = distinct_headings([str(c).strip() for c in frame.columns])
    frame = frame.replace(r"^\s*$", np.nan, regex=True)
    if frame.dropna(how="all").empty:
        raise InputDataError(f"census table {path} has no rows.")
    return frame


def _frame_below_header(raw: pd.DataFrame, given: dict[str, str], path: Path) -> tuple[pd.DataFrame, np.ndarray, dict]:
    """Find the header among the top rows; return the rows below it (headed by it), their lines, and where it was.

    The header is the first row of the top :data:`HEADER_SEARCH_ROWS` that
    names a name (or code) column and a population column (or holds the
    columns given). When the row below it holds age groups (``0—14岁``) it is
    the second row of the header: each parent (``年龄构成``, filled in a
    spreadsheet's merged cell's first cell only) is carried over its empty
    cells, and a column is named by its lower cell, else its upper one.
    """
    headerless = bool(raw.attrs.get("headerless"))
    top = [] if headerless else [[None if _UNNAMED.match(str(c)) else _cell(c) for c in raw.columns]]
    grid = top + [[_cell(v) for v in row] for row in raw.itertuples(index=False)]
    first_line = 1  # the grid's first row is the file's first line (a CSV's blank lines are not counted)
    for at in range(min(HEADER_SEARCH_ROWS, len(grid))):
        headers = _headers(grid[at])
        if _match_columns(headers, given) is None:
            continue
        count = 1
        if at + 1 < len(grid) and any(parse_header(c) for c in grid[at + 1] if c):
            headers, count = _headers(_carried(grid[at], grid[at + 1]), grid[at + 1]), 2
        below = at + count - len(top)  # the first data row, in raw
        frame = raw.iloc[below:].reset_index(drop=True)
        frame.columns = headers
        lines = np.arange(at + count, at + count + len(frame)) + first_line
        skipped = [
            {"line": i + first_line, "text": " ".join(c for c in grid[i] if c)} for i in range(at) if any(grid[i])
        ]
        return frame, lines, {"lines": list(range(at + first_line, at + count + first_line)), "skipped": skipped}
    frame = raw.copy()
    frame.columns = _headers(grid[0]) if grid and not headerless else [str(c) for c in raw.columns]
    return frame, np.arange(len(frame)) + (1 if headerless else 2), {"lines": [] if headerless else [1], "skipped": []}


def _cell(value: object) -> str | None:
    """Return a cell's text as written (a header given with --census-table-columns is compared with it), or None."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    return str(value).strip() or None


def _carried(upper: list[str | None], lower: list[str | None]) -> list[str | None]:
    """Carry each cell of a header's upper row over the empty cells to its right that have a lower cell."""
    out, last = [], None
    for up, down in zip(upper, lower, strict=True):
        if up:
            last = up
        out.append(up or (last if down else None))
    return out


def _headers(upper: list[str | None], lower: list[str | None] | None = None) -> list[str]:
    """Name each column by its lower header cell, else its upper one, else ``column N``; each name once."""
    lower = lower or [None] * len(upper)
    names: list[str] = []
    for i, (up, down) in enumerate(zip(upper, lower, strict=True)):
        name = down or up or f"column {i + 1}"
        if name in names:
            name = f"{up} {down}" if up and down and f"{up} {down}" not in names else f"{name} (column {i + 1})"
        names.append(name)
    return names


def _drop_ignored_rows(
    frame: pd.DataFrame, lines: np.ndarray, found: dict[str, str]
) -> tuple[pd.DataFrame, np.ndarray, list[dict]]:
    """Take out the rows that are no part of the table (blank, the header repeated, notes), each with why."""
    roles = [found[r] for r in ("name", "code", "population") if r in found]
    keys = {column: _header_key(column) for column in roles}
    keep = np.ones(len(frame), bool)
    ignored = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = dict(zip(frame.columns, (_text(v) for v in row), strict=True))
        text = next((c for c in cells.values() if c), "")
        if any(cells[c] and _header_key(cells[c]) == keys[c] for c in roles):
            reason = "the header repeated"
        elif _NOTE.match(text):
            reason = "a note"
        elif not any(cells[c] for c in roles):
            reason = "blank"
        else:
            continue
        keep[i] = False
        written = next((c for c in map(_cell, row) if c), "")  # as the file has it (full-width colons …)
        ignored.append({"line": int(lines[i]), "text": written[:40] or None, "reason": reason})
    return frame[keep].reset_index(drop=True), lines[keep], ignored


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    folded = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", lambda m: m.group(0)[1:-1] if "村" in m.group(0) else "", folded)
    return re.sub(r"[\s/、_\-()（）]", "", folded)


def _roles_among(headers: list, given: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """Return the column of each role found among ``headers`` (named by hand, else by its usual names).

    Of two headers that read alike the first is taken. The second item is a role whose hand-named column is
    not among the headers (None when all are).
    """
    found: dict[str, str] = {}
    keys = {_header_key(c): c for c in reversed(headers)}  # the first of two alike
    for role, candidates in COLUMN_NAMES.items():
        if role in given:
            if given[role] not in headers:
                return found, role
            found[role] = given[role]
            continue
        taken = set(found.values())
        for candidate in candidates:
            column = keys.get(_header_key(candidate))
            if column is not None and column not in taken:
                found[role] = column
                break
    return found, None


def _match_columns(headers: list[str], given: dict[str, str]) -> dict[str, str] | None:
    """Return the column of each role found among ``headers``; None without a name or code and a population column."""
    found, missing = _roles_among(headers, given)
    if missing or ("name" not in found and "code" not in found) or "population" not in found:
        return None
    return found


def _find_columns(frame: pd.DataFrame, given: dict[str, str], path: Path) -> dict[str, str]:
    found, missing = _roles_among(list(frame.columns), given)
    if missing:
        raise InputDataError(
            f"census table {path.name} has no column {given[missing]!r} (for {missing}); its columns are "
            f"{', '.join(map(str, frame.columns))}.",
            about=("census_table_columns",),
        )
    if "name" not in found and "code" not in found:
        raise InputDataError(
            f"census table {path.name} has no column of community names or statistical codes (looked for "
            f"{', '.join(COLUMN_NAMES['name'][:6])} …, {', '.join(COLUMN_NAMES['code'][:3])} … in its first "
            f"{HEADER_SEARCH_ROWS} rows); its columns are {', '.join(map(str, frame.columns))}. "
            "Name the column that holds them (name=COLUMN or code=COLUMN).",
            about=("census_table_columns",),
        )
    if "population" not in found:
        raise InputDataError(
            f"census table {path.name} has no column of residents (looked for "
            f"{', '.join(COLUMN_NAMES['population'])}); its columns are {', '.join(map(str, frame.columns))}. "
            "Name the column that holds them (population=COLUMN).",
            about=("census_table_columns",),
        )
    return found


def _age_columns(frame: pd.DataFrame, found: dict[str, str]) -> tuple[dict[str, tuple], list[str], list[str]]:
    """Return the age columns read, the share columns (占比) and the columns that look like ages but are not read."""
    taken = set(found.values())
    ages, ignored, unread = {}, [], []
    for column in frame.columns:
        if column in taken:
            continue
        parsed = parse_header(column)
        if parsed is not None:
            ages[column] = parsed
        elif parse_header(re.sub(r"占比|比重|比例|%|percent|share|ratio", "", str(column), flags=re.I)):
            ignored.append(str(column))
        elif looks_like_age(column):
            unread.append(str(column))
    return ages, ignored, unread


def _counts(values: pd.Series) -> np.ndarray:
    """Numbers from cells as spreadsheets hold them: ``12,345``, full-width digits, empty."""
    text = values.map(lambda v: _text(v).replace(",", "").replace(" ", ""))
    return pd.to_numeric(text.replace("", np.nan), errors="coerce").to_numpy(float)


def _is_total_name(name: str) -> bool:
    folded = fold(name)
    return any(word in folded for word in TOTAL_WORDS) or folded in _TOTAL_ENGLISH


def _set_apart(rows: pd.DataFrame) -> np.ndarray:
    """Why each row is set apart (None: joined): totals, nameless rows and 街道 rows above their 社区 rows.

    Rows under a 街道 row (no 街道 column) get it as their ``subdistrict``.
    """
    reason = np.full(len(rows), None, dtype=object)
    names, codes, upper = rows["name"].to_numpy(object), rows["code"].to_numpy(object), rows["upper"].to_numpy(bool)
    for i, (name, street) in enumerate(zip(names, rows["subdistrict"], strict=True)):
        if _is_total_name(name) or _is_total_name(street):
            reason[i] = "a total row (合计/总计/小计)"
        elif not fold(name) and codes[i] is None and rows["code_given"].iloc[i]:
            given = rows["code_given"].iloc[i]
            reason[i] = f"a code {given!r} that is no 12-digit statistical code (统计用区划代码), and no name"
        elif not fold(name) and codes[i] is None:
            reason[i] = "a row without a name or code"
    has_column = rows["subdistrict"].map(bool).any()
    if not has_column:  # a 街道 row heads the 社区 rows below it
        current = ""
        subdistrict = rows["subdistrict"].to_numpy(object).copy()
        for i in range(len(rows)):
            if reason[i] is not None:
                continue
            if upper[i]:
                current = names[i]
            else:
                subdistrict[i] = current
        rows["subdistrict"] = subdistrict
    named = (reason == None) & ~upper  # noqa: E711 (the 街道 named by 社区 rows; a 街道 row may name itself)
    parents = {unit_key(s) for s in rows["subdistrict"].to_numpy(object)[named] if s}
    lower_codes = {c[:9] for c, u, r in zip(codes, upper, reason, strict=True) if c and not u and r is None}
    index = _LowerRows(rows, reason)  # once: a city's table has hundreds of 街道 rows over thousands of 社区 rows
    population = rows["population"].to_numpy(float)
    for i in np.flatnonzero(upper & (reason == None)):  # noqa: E711
        below = _key_equal_upper(unit_key(names[i]), parents) or (codes[i] is not None and codes[i][:9] in lower_codes)
        if below:
            under = index.under(names[i], codes[i])
            reason[i] = (
                f"a 街道/乡镇 row above its {len(under)} 社区/村 rows "
                f"(their sum {population[under].sum():,.0f}, its own {population[i]:,.0f})"
            )
    return reason


def _key_equal_upper(key, parents: set) -> bool:
    return any(p.stem == key.stem and (not p.kind or not key.kind or p.kind == key.kind) for p in parents)


class _LowerRows:
    """The 社区/村 rows a 街道 row may sum, indexed by their 街道's name and by their code's first nine digits.

    Built once per table, so finding a 街道 row's rows is a lookup, not a pass over the table (a city's table of
    300 街道 and 3,000 社区 rows took 33 s row by row).
    """

    def __init__(self, rows: pd.DataFrame, reason: np.ndarray) -> None:
        self.by_stem: dict[str, list[tuple[int, object]]] = {}
        self.by_code: dict[str, list[int]] = {}
        parents, codes = rows["subdistrict"].to_numpy(object), rows["code"].to_numpy(object)
        for j in np.flatnonzero(~rows["upper"].to_numpy(bool) & (reason == None)):  # noqa: E711
            if parents[j]:
                key = unit_key(parents[j])
                self.by_stem.setdefault(key.stem, []).append((int(j), key))
            if codes[j]:
                self.by_code.setdefault(codes[j][:9], []).append(int(j))

    def under(self, name, code) -> np.ndarray:
        """Return the rows that a 街道 row sums: by their 街道 name, else by their code's first nine digits."""
        key = unit_key(name)
        found = {j for j, parent in self.by_stem.get(key.stem, []) if _key_equal_upper(key, {parent})}
        if code:
            found.update(self.by_code.get(code[:9], []))
        return np.asarray(sorted(found), np.int64)


def _check_counts(rows: pd.DataFrame, ages: dict, path: Path) -> None:
    joined = rows["excluded"].isna().to_numpy()
    population = rows["population"].to_numpy(float)
    # more residents than any 街道 or county has (1e308 was taken, and the study said "inf residents")
    bad = joined & ~(np.isfinite(population) & (population >= 0) & (population <= MAX_ROW_RESIDENTS))
    if bad.any():
        shown = ", ".join(
            f"line {rows['line'].iloc[i]} ({rows['name'].iloc[i] or rows['code'].iloc[i]})"
            for i in np.flatnonzero(bad)[:8]
        )
        raise InputDataError(
            f"census table {path.name}: the residents of {shown} are not a number of 0 to {MAX_ROW_RESIDENTS:,.0f}. "
            "Fill or correct them, or delete the rows."
        )
    for header in ages:
        values = rows[header].to_numpy(float)
        negative = joined & np.isfinite(values) & (values < 0)
        if negative.any():
            line = rows["line"].iloc[int(np.flatnonzero(negative)[0])]
            raise InputDataError(f"census table {path.name}: column {header!r} holds a negative count at line {line}.")
