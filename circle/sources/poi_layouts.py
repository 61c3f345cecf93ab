"""Recognise a POI export of AMap (高德), Baidu (百度) or Tencent (腾讯) by its columns and values.

Exports come from the platforms' web APIs flattened to a table, or from the
"POI download" tools planners use. What tells them apart:

- **AMap**: ``typecode`` (six digits, ``090300``), ``type`` as
  ``大类;中类;小类`` (several joined by ``|``), ``location`` as ``"lng,lat"``,
  ``pname``/``cityname``/``adname``; download tools split the type into
  ``大类``/``中类``/``小类`` columns and add ``经度``/``纬度`` or converted
  ``wgs84_lng``/``wgs84_lat``.
- **Baidu**: ``uid``, ``detail_info.tag`` or ``tag`` (``医疗;诊所``),
  ``location.lat``/``location.lng`` or ``lat``/``lng``, or a ``location``
  cell holding ``{'lat': …, 'lng': …}``.
- **Tencent**: ``title``, ``category`` as ``一级:二级:三级``, ``category_code``,
  ``location.lat``/``location.lng``.

The coordinates a platform serves are its own (AMap and Tencent GCJ-02,
Baidu BD-09) unless a column's name says otherwise (``wgs84_lng``,
``lng_bd09``, ``XGCJ``/``YGCJ``, ``XWGS``/``YWGS``, ``火星经度`` …). When a
WGS-84 pair and a platform pair are both there, the WGS-84 pair is read and
the other is kept to check that the two agree.

A list of no platform (:func:`list_layout`) is read as one of type names
(:data:`TABLE`: an author's own ``公园``/``广场`` or a platform's type at any
level) or, with no type column, of names alone (:data:`NAMES_ONLY`); a file
with no header row has its coordinate columns found by their values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np
import pandas as pd

from circle.errors import InputDataError

#: a list of no platform: its type column holds preset categories or any platform's type names
TABLE = "table"
#: a list of no platform and no type column: its names decide
NAMES_ONLY = "name"
PLATFORM_NAMES = {
    "amap": "AMap (高德)",
    "baidu": "Baidu (百度)",
    "tencent": "Tencent (腾讯)",
    TABLE: "facility list",
    NAMES_ONLY: "facility list without a type column",
}
#: the system a platform serves; a list of no platform is WGS-84 unless declared
PLATFORM_SYSTEMS = {"amap": "gcj02", "baidu": "bd09", "tencent": "gcj02", TABLE: "wgs84", NAMES_ONLY: "wgs84"}
SYSTEM_NAMES = {"wgs84": "WGS-84", "gcj02": "GCJ-02", "bd09": "BD-09"}

#: column names (lower case) of each role, most telling first
NAME_COLUMNS = ("name", "名称", "poi名称", "title", "设施名称", "机构名称")
CODE_COLUMNS = (
    "typecode",
    "type_code",
    "typecodes",
    "类型编码",
    "分类编码",
    "poi类型编码",
    "new_type",
    "category_code",
)
AMAP_TYPE_COLUMNS = ("type", "poi类型", "类型", "types")
LEVEL_COLUMNS = (("大类", "中类", "小类"), ("big_category", "mid_category", "sub_category"))
BAIDU_TAG_COLUMNS = ("detail_info.tag", "detail_info_tag", "detail_info/tag", "tag", "标签", "tags")
TENCENT_CATEGORY_COLUMNS = ("category", "分类", "poi分类")
LOCATION_COLUMNS = ("location", "坐标", "经纬度", "lnglat", "lng,lat", "gps")
#: words naming a coordinate axis in a column name (after lower-casing and dropping ``_``, ``-``, ``.``, spaces)
AXIS_WORDS = {
    "longitude": "lon",
    "latitude": "lat",
    "long": "lon",
    "lng": "lon",
    "lon": "lon",
    "lat": "lat",
    "经度": "lon",
    "纬度": "lat",
    "x": "lon",
    "y": "lat",
}
#: words naming a coordinate system in a column name (``XGCJ``, ``wgs84_lng``, ``lon_wgs``, ``x_bd09``)
SYSTEM_WORDS = {
    "wgs84": "wgs84",
    "wgs": "wgs84",
    "gps": "wgs84",
    "84": "wgs84",
    "gcj02": "gcj02",
    "gcj": "gcj02",
    "火星": "gcj02",
    "mars": "gcj02",
    "高德": "gcj02",
    "gaode": "gcj02",
    "amap": "gcj02",
    "bd09ll": "bd09",
    "bd09": "bd09",
    "bd": "bd09",
    "baidu": "bd09",
    "百度": "bd09",
}
#: words that may stand beside an axis word and say nothing of the system
_PLAIN_WORDS = ("", "location", "point", "poi", "geo", "coord")
_SYSTEM_HINTS = (
    ("wgs84", re.compile(r"wgs|gps|84", re.IGNORECASE)),
    ("bd09", re.compile(r"bd|baidu|百度", re.IGNORECASE)),
    ("gcj02", re.compile(r"gcj|火星|高德|gaode|amap|mars", re.IGNORECASE)),
)
_NUMBER = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"^\s*[\[(]?\s*({_NUMBER})\s*[,，;\s]\s*({_NUMBER})\s*[\])]?\s*$")
_KEYED = re.compile(rf"[\"']?(lng|lon|lat)[\"']?\s*[:=]\s*({_NUMBER})", re.IGNORECASE)
_CODE = re.compile(r"^\d{6}(\|\d{6})*$")
_BAIDU_UID = re.compile(r"^[0-9a-f]{24}$")


@dataclass(frozen=True)
class PoiLayout:
    """How a recognised export is laid out.

    Attributes
    ----------
    platform : str
        ``amap``, ``baidu`` or ``tencent``.
    evidence : str
        What gave it away (``"columns typecode, type, location"``).
    name_col : str or None
        The POI's name.
    code_col : str or None
        Six-digit type codes.
    type_cols : tuple of str
        The type path: one column, or the level columns to join with ``;``.
    lon_col, lat_col : str or None
        Separate coordinate columns.
    location_col : str or None
        One column holding both (``"lng,lat"`` or ``{'lat':…,'lng':…}``).
    column_system : str or None
        The system a coordinate column's name declares (``wgs84_lng`` → wgs84).
    notes : tuple of str
        What else the planner should know of how it was read.
    check_columns : tuple of (str, str, str) or None
        A second pair in a platform's system (``XGCJ``/``YGCJ``, gcj02) beside
        the WGS-84 pair that is read, to check that the two agree.
    implied_system : str or None
        The system a list of no platform type is served in, by other evidence
        (Baidu's 24-digit ``uid``s: bd09).
    """

    platform: str
    evidence: str
    name_col: str | None = None
    code_col: str | None = None
    type_cols: tuple[str, ...] = ()
    lon_col: str | None = None
    lat_col: str | None = None
    location_col: str | None = None
    column_system: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    check_columns: tuple[str, str, str] | None = None
    implied_system: str | None = None

    @property
    def platform_name(self) -> str:
        """Return the platform's name for people (``AMap (高德)``)."""
        return PLATFORM_NAMES[self.platform]

    def types(self, frame: pd.DataFrame) -> pd.Series:
        """Return every row's type path (level columns joined with ``;``), ``""`` where there is none."""
        if not self.type_cols:
            return pd.Series([""] * len(frame), index=frame.index, dtype=object)
        parts = [frame[c].fillna("").astype(str).str.strip() for c in self.type_cols]
        if len(parts) == 1:
            return parts[0]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined.where(part == "", joined + ";" + part)
        return joined

    def codes(self, frame: pd.DataFrame) -> pd.Series:
        """Return every row's type codes (``"090300"``, several joined by ``|``), ``""`` where there are none."""
        if not self.code_col:
            return pd.Series([""] * len(frame), index=frame.index, dtype=object)
        return frame[self.code_col].fillna("").astype(str).map(normal_codes)

    def coordinates(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, str, str]:
        """Return longitudes and latitudes as numbers (NaN where unreadable) and the columns they came from."""
        if self.location_col is not None:
            lon, lat = parse_locations(frame[self.location_col])
            return lon, lat, self.location_col, self.location_col
        lon = pd.to_numeric(frame[self.lon_col].astype(str).str.strip(), errors="coerce").to_numpy(float)
        lat = pd.to_numeric(frame[self.lat_col].astype(str).str.strip(), errors="coerce").to_numpy(float)
        return lon, lat, str(self.lon_col), str(self.lat_col)


def normal_codes(text: str) -> str:
    """Return type codes as six digits: a spreadsheet may have read ``090300`` as the number 90300 (or 90300.0)."""
    parts = []
    for part in str(text).split("|"):
        part = re.sub(r"\.0+$", "", part.strip())
        parts.append(part.zfill(6) if part.isdigit() and len(part) <= 6 else part)
    return "|".join(parts)


def parse_locations(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Read a combined location column: ``"lng,lat"`` (AMap), ``"lat,lng"``, or ``{'lat': …, 'lng': …}``.

    The order of a bare pair is taken from the values themselves: in China
    (and anywhere off the equator belt) longitude exceeds latitude, so a
    column whose first numbers are mostly the smaller is read as
    ``lat,lng``.
    """
    first = np.full(len(values), np.nan)
    second = np.full(len(values), np.nan)
    keyed_lon = np.full(len(values), np.nan)
    keyed_lat = np.full(len(values), np.nan)
    for i, text in enumerate(values.fillna("").astype(str)):
        keyed = dict((k.lower(), float(v)) for k, v in _KEYED.findall(text))
        if "lat" in keyed and ("lng" in keyed or "lon" in keyed):
            keyed_lat[i] = keyed["lat"]
            keyed_lon[i] = keyed.get("lng", keyed.get("lon"))
            continue
        match = _PAIR.match(text)
        if match:
            first[i], second[i] = float(match.group(1)), float(match.group(2))
    paired = np.isfinite(first) & np.isfinite(second)
    lat_first = paired.any() and np.mean(np.abs(first[paired]) < np.abs(second[paired])) > 0.5
    lon = np.where(np.isfinite(keyed_lon), keyed_lon, second if lat_first else first)
    lat = np.where(np.isfinite(keyed_lat), keyed_lat, first if lat_first else second)
    return lon, lat


def _lowered(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c).strip().lower(): c for c in frame.columns}


def _pick(lowered: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _system_of(column: str) -> str | None:
    for system, pattern in _SYSTEM_HINTS:
        if pattern.search(column):
            return system
    return None


def coordinate_column(column: str) -> tuple[str, str, str | None] | None:
    """Return a column's axis (``lon``/``lat``), what stands beside it, and the system it names, or None.

    ``XGCJ`` → (lon, gcj, gcj02); ``wgs84_lng`` → (lon, wgs84, wgs84);
    ``location.lat`` → (lat, location, None); ``经度`` → (lon, "", None).
    A bare ``x``/``y`` counts too (in degrees: projected metres are declared as EPSG).
    """
    key = re.sub(r"[\s_\-.()（）]", "", str(column).lower())
    for word in sorted(AXIS_WORDS, key=len, reverse=True):
        rests = (key[len(word) :] if key.startswith(word) else None, key[: -len(word)] if key.endswith(word) else None)
        for rest in rests:
            if rest is None:
                continue
            if rest in SYSTEM_WORDS:
                return AXIS_WORDS[word], rest, SYSTEM_WORDS[rest]
            if rest in _PLAIN_WORDS:
                return AXIS_WORDS[word], rest, None
    return None


def _coordinate_pairs(frame: pd.DataFrame) -> list[tuple[str, str, str | None]]:
    """Return (lon column, lat column, declared system) pairs found by name, WGS-84 ones first."""
    found: dict[tuple[str, str | None], dict[str, str]] = {}
    for column in (str(c) for c in frame.columns):
        parsed = coordinate_column(column)
        if parsed is not None:
            axis, rest, system = parsed
            found.setdefault((rest, system), {}).setdefault(axis, column)
    pairs = [(axes["lon"], axes["lat"], system) for (_, system), axes in found.items() if len(axes) == 2]
    order = {"wgs84": 0, None: 1, "gcj02": 2, "bd09": 3}
    return sorted(pairs, key=lambda p: order.get(p[2], 1))


def _share(values: pd.Series, test) -> float:
    text = values.dropna().astype(str).str.strip()
    text = text[text != ""]
    if text.empty:
        return 0.0
    return float(text.head(500).map(test).mean())


def recognise(
    frame: pd.DataFrame, top_levels: dict[str, frozenset[str]], given: dict[str, str] | None = None
) -> PoiLayout | None:
    """Return the layout of an AMap, Baidu or Tencent export, or None for any other table.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (text cells).
    top_levels : dict of str to frozenset of str
        Each platform's top-level type names (from its mapping table), to
        recognise a type column by its values.
    given : dict of str to str, optional
        Columns the planner named (``name``, ``lon``, ``lat``), taken as they are.

    Raises
    ------
    InputDataError
        When an export is recognised but holds no coordinates circle can read,
        or a named column is not in it.
    """
    lowered = _lowered(frame)
    name_col = _pick(lowered, NAME_COLUMNS)
    code_col = _pick(lowered, CODE_COLUMNS)
    if code_col is not None and _share(frame[code_col], lambda v: bool(_CODE.match(normal_codes(v)))) < 0.8:
        code_col = None
    levels = next((cols for cols in LEVEL_COLUMNS if all(c in lowered for c in cols)), None)
    level_cols = tuple(lowered[c] for c in levels) if levels else ()

    def first_level_share(column: str, platform: str, separator: str) -> float:
        names = top_levels.get(platform, frozenset())
        return _share(frame[column], lambda v: re.split(separator, v)[0].strip() in names)

    platform, type_cols, evidence = None, (), []
    tag_col = _pick(lowered, BAIDU_TAG_COLUMNS)
    category_col = _pick(lowered, TENCENT_CATEGORY_COLUMNS)
    amap_type = _pick(lowered, AMAP_TYPE_COLUMNS)
    if (code_col is not None and lowered.get("category_code") != code_col) or level_cols:
        platform = "amap"
        type_cols = level_cols or ((amap_type,) if amap_type else ())
        evidence.append(f"columns {', '.join(c for c in (code_col, *type_cols) if c)}")
    elif amap_type is not None and first_level_share(amap_type, "amap", r"[;|]") > 0.5:
        platform, type_cols = "amap", (amap_type,)
        evidence.append(f"column {amap_type} holds AMap types (大类;中类;小类)")
    elif tag_col is not None and (first_level_share(tag_col, "baidu", r"[;|]") > 0.3 or "uid" in lowered):
        platform, type_cols = "baidu", (tag_col,)
        evidence.append(f"column {tag_col} holds Baidu tags (一级;二级)")
    elif category_col is not None and first_level_share(category_col, "tencent", r"[:;|]") > 0.3:
        platform, type_cols = "tencent", (category_col,)
        evidence.append(f"column {category_col} holds Tencent categories (一级:二级)")
    elif amap_type is not None and first_level_share(amap_type, "baidu", r"[;|]") > 0.5:
        platform, type_cols = "baidu", (amap_type,)
        evidence.append(f"column {amap_type} holds Baidu tags (一级;二级)")
    if platform is None:
        return None
    # AMap's codes are its typecodes; Tencent's are its category codes; Baidu has none
    if code_col is not None and (platform == "amap") == (code_col == lowered.get("category_code")):
        code_col = None
    given = given or {}
    for role in ("name", "lon", "lat"):
        if role in given and given[role] not in frame.columns:
            raise InputDataError(
                f"the facility table has no column {given[role]!r} (for {role}); its columns are "
                f"{', '.join(map(str, frame.columns))}.",
                about=("facilities_columns",),
            )
    name_col = given.get("name", name_col)
    return _with_coordinates(frame, lowered, platform, "; ".join(evidence), name_col, code_col, type_cols, given)


def _with_coordinates(frame, lowered, platform, evidence, name_col, code_col, type_cols, given) -> PoiLayout:
    if "lon" in given and "lat" in given:
        system = _system_of(given["lon"].lower())
        return PoiLayout(platform, evidence, name_col, code_col, type_cols, given["lon"], given["lat"], None, system)
    pairs = _coordinate_pairs(frame)
    if pairs:
        lon_col, lat_col, system = pairs[0]
        others = [pair for pair in pairs[1:] if pair[2] in ("gcj02", "bd09")]
        check, notes = None, ()
        if system == "wgs84" and others:
            check = others[0]
            notes = (
                f"read the WGS-84 pair {lon_col}/{lat_col}; {check[0]}/{check[1]} ({SYSTEM_NAMES[check[2]]}) "
                "is checked against it",
            )
        return PoiLayout(
            platform, evidence, name_col, code_col, type_cols, lon_col, lat_col, None, system, notes, check
        )
    location_col = _pick(lowered, LOCATION_COLUMNS)
    if location_col is not None:
        system = _system_of(str(location_col).lower().replace("location", ""))
        return PoiLayout(platform, evidence, name_col, code_col, type_cols, None, None, location_col, system)
    raise InputDataError(
        f"the facility table looks like {'an' if platform == 'amap' else 'a'} {PLATFORM_NAMES[platform]} export "
        f"({evidence}) but has no coordinates: "
        f'no location column ("lng,lat") and no longitude/latitude pair among {", ".join(map(str, frame.columns))}. '
        "Export the POIs with their location, or name the columns (lon=COLUMN,lat=COLUMN).",
        about=("facilities_columns",),
    )


def list_layout(
    frame: pd.DataFrame,
    name_col: str | None,
    type_col: str | None,
    given: dict[str, str] | None = None,
    headerless: bool = False,
) -> PoiLayout | None:
    """Return how to read a list of no platform, or None when circle finds no coordinates in it.

    A list whose type column holds values other than the preset's
    categories is read as :data:`TABLE` (each value looked up among the
    platforms' type names); one with no type column as :data:`NAMES_ONLY`
    (its names decide). Coordinates are taken from named columns, a
    location column, or, failing those (a file with no header row), from
    the values: the two adjacent numeric columns within degree ranges, the
    larger being the longitude, as in China.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (text cells).
    name_col, type_col : str or None
        The name and type columns found by their names (or given).
    given : dict of str to str, optional
        Columns the planner named (``lon``, ``lat``).
    headerless : bool
        Whether the file had no header row (said in the evidence).
    """
    given = given or {}
    platform = TABLE if type_col is not None else NAMES_ONLY
    if headerless and name_col is None:
        name_col = _text_column(frame)
    evidence = []
    if headerless:
        evidence.append("no header row: its first line is data")
    evidence.append(f"types of its own in column {type_col}" if type_col else "no type column")
    type_cols = (type_col,) if type_col else ()
    if "lon" in given and "lat" in given:
        system = _system_of(given["lon"].lower())
        return PoiLayout(
            platform, "; ".join(evidence), name_col, None, type_cols, given["lon"], given["lat"], None, system
        )
    uid = _lowered(frame).get("uid")
    if uid is not None and _share(frame[uid], lambda v: bool(_BAIDU_UID.match(v))) > 0.8:
        evidence.append(f"column {uid} holds Baidu POI ids")
        implied = "bd09"
    else:
        implied = None
    try:
        layout = _with_coordinates(frame, _lowered(frame), platform, "; ".join(evidence), name_col, None, type_cols, {})
        return replace(layout, implied_system=implied)
    except InputDataError:
        pass
    found = _coordinates_by_values(frame)
    if found is None:
        return None
    lon_col, lat_col = found
    evidence.append(f"coordinates found by their values: longitude {lon_col}, latitude {lat_col}")
    return PoiLayout(
        platform, "; ".join(evidence), name_col, None, type_cols, lon_col, lat_col, None, None, implied_system=implied
    )


def _numbers(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values.astype(str).str.strip(), errors="coerce").to_numpy(float)


def _text_column(frame: pd.DataFrame) -> str | None:
    """Return the first column whose cells are mostly text (not numbers): a headerless list's names."""
    for column in frame.columns:
        values = frame[column].dropna().head(500)
        if len(values) and np.isnan(_numbers(values)).mean() > 0.8:
            return column
    return None


def _coordinates_by_values(frame: pd.DataFrame) -> tuple[str, str] | None:
    """Return (longitude, latitude) columns found by their values: adjacent decimal columns in degree ranges."""
    degrees = []
    for column in frame.columns:
        numbers = _numbers(frame[column].dropna().head(500))
        finite = numbers[np.isfinite(numbers)]
        if len(numbers) and len(finite) / len(numbers) > 0.9 and np.all(np.abs(finite) <= 180):
            degrees.append((column, float(np.median(np.abs(finite))), bool(np.any(finite != np.round(finite)))))
    columns = list(frame.columns)
    for (first, first_size, first_decimal), (second, second_size, second_decimal) in pairwise(degrees):
        if columns.index(second) != columns.index(first) + 1 or not (first_decimal and second_decimal):
            continue
        lon, lat = (first, second) if first_size > second_size else (second, first)
        if max(first_size, second_size) > 0 and min(first_size, second_size) <= 90:
            return lon, lat
    return None
