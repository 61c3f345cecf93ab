"""Strings of the planner map's legend and base layers (merged into :data:`circle.i18n.strings.STRINGS`)."""

from __future__ import annotations

MAP_STRINGS: dict[str, dict[str, str]] = {
    "legend_title": {"zh": "图例", "en": "Legend"},
    "legend_toggle_hint": {"zh": "折叠或展开图例", "en": "Fold or unfold the legend"},
    "legend_up_to": {"zh": "≤ {value}", "en": "≤ {value}"},
    "legend_range": {"zh": "{low}–{high}", "en": "{low}–{high}"},
    "legend_no_service": {"zh": "{minutes} 分钟内无此类设施", "en": "None within {minutes} min"},
    "legend_not_assessable": {
        "zh": "不可评估：数据未收录{category}",
        "en": "Not assessable: the data do not map {category}",
    },
    "legend_tier_none": {"zh": "未达到任何层级", "en": "No tier met"},
    "legend_tier_met": {"zh": "{minutes} 分钟生活圈", "en": "{minutes}-minute circle"},
    "legend_band": {"zh": "{band}（≥ {low}）", "en": "{band} (≥ {low})"},
    "legend_no_gap": {"zh": "无缺口", "en": "No gap"},
    "legend_facilities": {"zh": "设施", "en": "Facilities"},
    "legend_rings": {
        "zh": "类别多于 7 种时，第 8 类起以圆环表示",
        "en": "Past seven categories, the 8th on are drawn as rings",
    },
    "legend_flagged": {"zh": "人口存疑的街坊（请先核实）", "en": "Implausible population (check first)"},
    "legend_outlined": {"zh": "所选街坊、情景影响的街坊", "en": "Chosen block, blocks a what-if changes"},
    "legend_outline": {"zh": "研究区范围", "en": "Study area"},
    "legend_isochrone": {"zh": "从所选点步行可达", "en": "Walking range from the chosen point"},
    "legend_whatif": {"zh": "情景新增设施", "en": "What-if facility"},
    "legend_suggested": {"zh": "建议选址（#名次）", "en": "Suggested site (#rank)"},
    "legend_base": {"zh": "底图", "en": "Base"},
    "legend_streets": {"zh": "本研究区街道", "en": "Study streets"},
    "legend_water": {"zh": "水域（河流、湖泊）", "en": "Water (rivers, lakes)"},
    "legend_green": {"zh": "绿地（公园、林地、草地）", "en": "Green (parks, woods, grass)"},
    "basemap_study": {"zh": "本研究区街道", "en": "Study streets"},
    "layer_land": {"zh": "水域与绿地", "en": "Water and green"},
}
