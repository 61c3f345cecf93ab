"""Census tables by community or sub-district (社区名称, 常住人口, age groups): read, and their totals set apart.

A table has one row per 社区/村 or 街道/乡镇 with its name or 12-digit
statistical code, its residents and, often, residents by age group. Columns
are found by common Chinese and English names or given explicitly
(``name=社区名称,population=常住人口,code=代码,subdistrict=街道``). Rows
that sum others (合计, 总计, 小计, a 街道 row above its 社区 rows) are found
and set apart with the reason, so that nothing is counted twice; the rows
left are joined to administrative areas by
:mod:`circle.build.population.census_table`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from circle.errors import InputDataError
from circle.sources.age_bands import Band, parse_header, resolve_ends
from circle.sources.chinese_names import UPPER_KINDS, fold, is_upper_code, statistical_code, unit_key
from circle.sources.tables import parse_role_columns, read_table

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
    """

    rows: pd.DataFrame
    bands: dict[str, Band]
    columns: dict[str, str]
    ignored_columns: list[str]

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
        frame = read_table(path)
    except InputDataError as error:  # the reader is the facility tables'; the words should be this table's
        raise InputDataError(str(error).replace("facility table", "census table"), about=("census_table",)) from None
    found = _find_columns(frame, spec.columns, path)
    ages, ignored = _age_columns(frame, found)
    name_col, code_col = found.get("name"), found.get("code")
    names = frame[name_col].map(_text) if name_col else pd.Series([""] * len(frame), dtype=object)
    codes = pd.Series([statistical_code(v) for v in frame[code_col]] if code_col else [None] * len(frame), dtype=object)
    population = _counts(frame[found["population"]])
    rows = pd.DataFrame(
        {
            "line": np.arange(2, len(frame) + 2),
            "name": names.to_numpy(object),
            "code": codes,
            "subdistrict": (
                frame[found["subdistrict"]].map(_text).to_numpy(object)
                if "subdistrict" in found
                else np.full(len(frame), "", object)
            ),
            "population": population,
        }
    )
    kinds = [unit_key(n).kind for n in rows["name"]]
    rows["upper"] = [
        kind in UPPER_KINDS or (code is not None and is_upper_code(code))
        for kind, code in zip(kinds, rows["code"], strict=True)
    ]
    for header in ages:
        rows[header] = _counts(frame[header])
    rows["excluded"] = pd.Series(_set_apart(rows), index=rows.index, dtype=object)
    _check_counts(rows, ages, path)
    return CensusTable(rows, resolve_ends(ages), found, ignored)


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def _header_key(text: str) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    folded = re.sub(r"\([^()]*\)|\[[^\[\]]*\]", lambda m: m.group(0)[1:-1] if "村" in m.group(0) else "", folded)
    return re.sub(r"[\s/、_\-()（）]", "", folded)


def _find_columns(frame: pd.DataFrame, given: dict[str, str], path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    keys = {_header_key(c): c for c in frame.columns}
    for role, candidates in COLUMN_NAMES.items():
        if role in given:
            if given[role] not in frame.columns:
                raise InputDataError(
                    f"census table {path.name} has no column {given[role]!r} (for {role}); its columns are "
                    f"{', '.join(map(str, frame.columns))}.",
                    about=("census_table_columns",),
                )
            found[role] = given[role]
            continue
        taken = set(found.values())
        for candidate in candidates:
            column = keys.get(_header_key(candidate))
            if column is not None and column not in taken:
                found[role] = column
                break
    if "name" not in found and "code" not in found:
        raise InputDataError(
            f"census table {path.name} has no column of community names or statistical codes (looked for "
            f"{', '.join(COLUMN_NAMES['name'][:6])} …, {', '.join(COLUMN_NAMES['code'][:3])} …); its columns are "
            f"{', '.join(map(str, frame.columns))}. Name the column that holds them (name=COLUMN or code=COLUMN).",
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


def _age_columns(frame: pd.DataFrame, found: dict[str, str]) -> tuple[dict[str, tuple], list[str]]:
    taken = set(found.values())
    ages, ignored = {}, []
    for column in frame.columns:
        if column in taken:
            continue
        parsed = parse_header(column)
        if parsed is not None:
            ages[column] = parsed
        elif parse_header(re.sub(r"占比|比重|比例|%|percent|share|ratio", "", str(column), flags=re.I)):
            ignored.append(str(column))
    return ages, ignored


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
    for i in np.flatnonzero(upper & (reason == None)):  # noqa: E711
        below = _key_equal_upper(unit_key(names[i]), parents) or (codes[i] is not None and codes[i][:9] in lower_codes)
        if below:
            under = _rows_under(rows, i, reason)
            population = rows["population"].to_numpy(float)
            reason[i] = (
                f"a 街道/乡镇 row above its {len(under)} 社区/村 rows "
                f"(their sum {population[under].sum():,.0f}, its own {population[i]:,.0f})"
            )
    return reason


def _key_equal_upper(key, parents: set) -> bool:
    return any(p.stem == key.stem and (not p.kind or not key.kind or p.kind == key.kind) for p in parents)


def _rows_under(rows: pd.DataFrame, i: int, reason: np.ndarray) -> np.ndarray:
    """Return the rows that a 街道 row sums: by their 街道 name, else by their code's first nine digits."""
    key = unit_key(rows["name"].iloc[i])
    own_code = rows["code"].iloc[i]
    under = []
    for j in range(len(rows)):
        if j == i or rows["upper"].iloc[j] or reason[j] is not None:
            continue
        parent = rows["subdistrict"].iloc[j]
        code = rows["code"].iloc[j]
        if (parent and _key_equal_upper(key, {unit_key(parent)})) or (own_code and code and code[:9] == own_code[:9]):
            under.append(j)
    return np.asarray(under, np.int64)


def _check_counts(rows: pd.DataFrame, ages: dict, path: Path) -> None:
    joined = rows["excluded"].isna().to_numpy()
    population = rows["population"].to_numpy(float)
    bad = joined & ~(np.isfinite(population) & (population >= 0))
    if bad.any():
        shown = ", ".join(
            f"line {rows['line'].iloc[i]} ({rows['name'].iloc[i] or rows['code'].iloc[i]})"
            for i in np.flatnonzero(bad)[:8]
        )
        raise InputDataError(
            f"census table {path.name}: the residents of {shown} are not a number of 0 or more. Fill or delete them."
        )
    for header in ages:
        values = rows[header].to_numpy(float)
        negative = joined & np.isfinite(values) & (values < 0)
        if negative.any():
            line = rows["line"].iloc[int(np.flatnonzero(negative)[0])]
            raise InputDataError(f"census table {path.name}: column {header!r} holds a negative count at line {line}.")
