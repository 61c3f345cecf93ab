"""Write an indicator table as a spreadsheet (``.xlsx``) or CSV, with headings in Chinese or English."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from circle.errors import CircleError
from circle.exports import csv_bytes, xlsx_bytes
from circle.study.atomic import replace_file

HEADINGS = {
    "key": {"zh": "指标代码", "en": "Indicator key"},
    "category": {"zh": "设施类别", "en": "Category"},
    "name": {"zh": "指标名称", "en": "Indicator"},
    "definition": {"zh": "定义", "en": "Definition"},
    "unit": {"zh": "单位", "en": "Unit"},
    "weighting": {"zh": "加权方式", "en": "Weighted by"},
    "official_radius": {"zh": "官方口径半径", "en": "Official radius"},
    "official_value": {"zh": "官方口径值", "en": "Official value"},
    "straight_line_value": {"zh": "直线半径计算值", "en": "Straight-line value"},
    "network_value": {"zh": "步行网络计算值", "en": "Walking-network value"},
    "difference": {"zh": "差值（网络−直线）", "en": "Difference (network − straight line)"},
    "network_residents_value": {"zh": "步行网络（按人口）", "en": "Walking network, by residents"},
    "note": {"zh": "说明", "en": "Note"},
    "source": {"zh": "定义来源", "en": "Definition source"},
    "verified": {"zh": "已核实", "en": "Verified"},
}
WORDS = {
    "percent": {"zh": "%", "en": "%"},
    "count": {"zh": "个", "en": "count"},
    "minutes": {"zh": "分钟", "en": "min"},
    "index": {"zh": "指数", "en": "index"},
    "area": {"zh": "用地面积", "en": "land area"},
    "population": {"zh": "人口", "en": "residents"},
    "straight_line": {"zh": "直线距离", "en": "straight line"},
    "network": {"zh": "步行网络", "en": "walking network"},
    True: {"zh": "是", "en": "yes"},
    False: {"zh": "否（待核实）", "en": "no (to verify)"},
}
COMMUNITY_HEADINGS = {
    "subdistrict": {"zh": "街道", "en": "Sub-district"},
    "community": {"zh": "社区", "en": "Community"},
    "compounds": {"zh": "小区（街坊）数", "en": "Compounds"},
    "population": {"zh": "居民", "en": "Residents"},
}
SHEETS = {
    "indicators": {"zh": "指标", "en": "Indicators"},
    "communities": {"zh": "社区缺口", "en": "By community"},
    "sources": {"zh": "数据来源", "en": "Sources"},
}


def localized(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the indicator table with headings and coded words in ``lang``."""
    out = table.copy()
    for column in ("unit", "weighting", "official_radius", "verified"):
        out[column] = out[column].map(lambda v: WORDS.get(v, {}).get(lang, v))
    return out.rename(columns={k: v[lang] for k, v in HEADINGS.items()})


def localized_communities(table: pd.DataFrame, labels: dict[str, str], lang: str) -> pd.DataFrame:
    """Return the community counts with headings in ``lang`` (a category column reads "lacking …")."""
    lacking = "缺少{}的小区数" if lang == "zh" else "Lacking {}"
    names = {k: v[lang] for k, v in COMMUNITY_HEADINGS.items()}
    names.update({k: lacking.format(v) for k, v in labels.items()})
    return table.rename(columns=names)


def write_indicator_sheet(
    path: str | Path,
    table: pd.DataFrame,
    communities: pd.DataFrame,
    sources: list[tuple[str, str]],
    labels: dict[str, str],
    lang: str = "zh",
) -> Path:
    """Write the indicators as ``.xlsx`` (three sheets) or ``.csv`` (indicators; communities and sources beside).

    The file is written under a temporary name and renamed into place, so a
    failed write leaves an earlier file as it was. A CSV is UTF-8 with a BOM
    (so a spreadsheet opens its Chinese right); its communities and sources
    go to ``NAME.communities.csv`` and ``NAME.sources.csv``. Text a
    spreadsheet would run as a formula (a name from the data starting with
    ``=``, ``+``, ``-``, ``@``…) is written with a leading apostrophe
    (:mod:`circle.exports`).

    Raises
    ------
    CircleError
        For a file name that is neither ``.xlsx`` nor ``.csv``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise CircleError(f"the indicator file {path.name} must end in .xlsx or .csv.", about=("out",))
    indicators = localized(table, lang)
    by_community = localized_communities(communities, labels, lang)
    source_frame = pd.DataFrame(sources, columns=["项目", "内容"] if lang == "zh" else ["Item", "Value"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".csv":
        for frame, target in (
            (indicators, path),
            (by_community, path.with_suffix(".communities.csv")),
            (source_frame, path.with_suffix(".sources.csv")),
        ):
            replace_file(target, csv_bytes(frame))
        return path
    sheets = {SHEETS["indicators"][lang]: indicators, SHEETS["communities"][lang]: by_community}
    sheets[SHEETS["sources"][lang]] = source_frame
    replace_file(path, xlsx_bytes(sheets))
    return path
