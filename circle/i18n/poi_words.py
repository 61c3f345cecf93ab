"""How the report and the app name an imported list's layout and the types it left out, in both languages."""

from __future__ import annotations

from collections import Counter

#: the platform keys of :mod:`circle.sources.poi_layouts` and what a reader calls them
PLATFORM_WORDS = {
    "amap": {"zh": "高德地图导出的 POI", "en": "a POI export of AMap (高德)"},
    "baidu": {"zh": "百度地图导出的 POI", "en": "a POI export of Baidu (百度)"},
    "tencent": {"zh": "腾讯地图导出的 POI", "en": "a POI export of Tencent (腾讯)"},
    "table": {
        "zh": "设施清单（非地图平台导出；类型列的值按各平台的类型名与名称归类）",
        "en": "a facility list of no web map (its type column's values classified by the platforms' type names and "
        "by name)",
    },
    "name": {
        "zh": "没有类型列的设施清单（仅按名称归类）",
        "en": "a facility list without a type column (classified by names alone)",
    },
}


def platform_words(platform: str, lang: str) -> str:
    """Return what an import of ``platform`` is called in ``lang`` (``zh`` or ``en``).

    Examples
    --------
    >>> platform_words("amap", "zh")
    '高德地图导出的 POI'
    """
    words = PLATFORM_WORDS.get(platform)
    return words[lang] if words else platform


def top_left_out(mapping: dict, shown: int = 5) -> list[tuple[str, int]]:
    """Return the types an import left out, most rows first, each type once (excluded and unmapped together).

    A type may be listed under several reasons (a pet clinic and a toilet both typed 诊所): its rows are summed.

    Examples
    --------
    >>> top_left_out({"excluded": [{"type": "公园", "rows": 1}, {"type": "公园", "rows": 2}],
    ...               "unmapped": [{"type": "景区", "rows": 2}]})
    [('公园', 3), ('景区', 2)]
    """
    rows: Counter = Counter()
    for item in [*mapping.get("excluded", []), *mapping.get("unmapped", [])]:
        rows[str(item["type"])] += int(item["rows"])
    return sorted(rows.items(), key=lambda pair: (-pair[1], pair[0]))[:shown]
