"""How a facility table is to be read: the file, its coordinate system, the mode, and which column holds what.

Columns are found by common names in Chinese and English (:data:`COLUMN_NAMES`)
or named by hand (:func:`parse_columns`); a category is given by the preset's
key or its Chinese or English label (:func:`category_lookup`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from circle.errors import InputDataError
from circle.standards import Preset

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("name", "名称", "设施名称", "机构名称", "title"),
    "category": ("category", "类别", "类型", "设施类别", "type", "kind"),
    "lon": ("lon", "lng", "longitude", "经度", "long"),
    "lat": ("lat", "latitude", "纬度"),
    "x": ("x", "x坐标", "easting"),
    "y": ("y", "y坐标", "northing"),
    "capacity": ("capacity", "beds", "places", "床位", "学位", "规模", "容量"),
}
MODES = ("add", "replace")
#: the coordinate system "auto": a recognised export's platform system, else WGS-84
AUTO = "auto"


@dataclass(frozen=True)
class FacilityTableSpec:
    """How to read a facility table.

    Attributes
    ----------
    path : pathlib.Path
        A ``.csv`` or ``.xlsx`` file.
    system : str
        ``auto`` (a recognised AMap/Baidu/Tencent export's own system, else
        WGS-84), ``wgs84``, ``gcj02``, ``bd09`` (longitude/latitude) or an
        ``EPSG:`` code (x/y).
    mode : str
        ``add`` (to the OSM facilities) or ``replace`` (the OSM facilities of
        every category the table holds).
    columns : dict
        Explicit column names for ``name``, ``category``, ``lon``/``lat`` or ``x``/``y``, ``capacity``.
    mapping : pathlib.Path, optional
        A planner's copy of a type mapping table whose rows take precedence
        (:func:`circle.sources.taxonomy.read_mapping`).
    """

    path: Path
    system: str = AUTO
    mode: str = "add"
    columns: dict[str, str] = field(default_factory=dict)
    mapping: Path | None = None


def parse_columns(text: str | None) -> dict[str, str]:
    """Parse ``"name=名称,category=类别,lon=经度,lat=纬度"`` into a mapping.

    Raises
    ------
    InputDataError
        For a malformed item or an unknown role.
    """
    return parse_role_columns(text, tuple(COLUMN_NAMES), "facility", "facilities_columns")


def parse_role_columns(text: str | None, roles: tuple[str, ...], what: str, about: str) -> dict[str, str]:
    """Parse ``"ROLE=COLUMN,ROLE=COLUMN"`` (a table's columns named by hand) into a mapping.

    Parameters
    ----------
    text : str or None
        What the user wrote.
    roles : tuple of str
        The roles a column may take.
    what : str
        The table, for messages (``"facility"``, ``"census table"``).
    about : str
        The option the error is about (the CLI and the app name their flag or field).

    Raises
    ------
    InputDataError
        For a malformed item or an unknown role.

    Examples
    --------
    >>> parse_role_columns("name=名称, lat=纬度", ("name", "lat"), "facility", "facilities_columns")
    {'name': '名称', 'lat': '纬度'}
    """
    if not text:
        return {}
    mapping = {}
    for item in text.split(","):
        role, sep, column = item.partition("=")
        role, column = role.strip(), column.strip()
        if not sep or not column or role not in roles:
            raise InputDataError(
                f"the {what} column mapping {item!r} must be ROLE=COLUMN with ROLE one of {', '.join(roles)}.",
                about=(about,),
            )
        mapping[role] = column
    return mapping


def find_column(frame: pd.DataFrame, role: str, given: dict[str, str], required: bool) -> str | None:
    """Return the column that holds ``role``: the one named in ``given``, else the first of its common names.

    Raises
    ------
    InputDataError
        When a named column is not in the table, or a ``required`` role is found under no common name.
    """
    if role in given:
        if given[role] not in frame.columns:
            raise InputDataError(
                f"the facility table has no column {given[role]!r} (for {role}); its columns are "
                f"{', '.join(map(str, frame.columns))}."
            )
        return given[role]
    lowered = {c.lower(): c for c in frame.columns}
    for candidate in COLUMN_NAMES[role]:
        if candidate.lower() in lowered:
            return lowered[candidate.lower()]
    if required:
        raise InputDataError(
            f"the facility table has no {role} column (looked for {', '.join(COLUMN_NAMES[role])}); its columns are "
            f"{', '.join(map(str, frame.columns))}. Name the column that holds it ({role}=COLUMN).",
            about=("facilities_columns",),
        )
    return None


def category_lookup(preset: Preset) -> dict[str, str]:
    """Return a map from category keys and their Chinese and English labels (lower case) to keys."""
    lookup = {}
    for category in preset.categories:
        for text in (category.key, category.label_zh, category.label_en):
            lookup[text.strip().lower()] = category.key
    return lookup
