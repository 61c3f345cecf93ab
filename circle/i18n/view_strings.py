"""Strings of the planner's map view: moving to a chosen place, the priority table's units and details."""

VIEW_STRINGS: dict[str, dict[str, str]] = {
    "col_priority_help": {
        "zh": "优先级 = Σ（类别权重 × 缺口程度 × 该类服务人群人数）。缺口程度 0–1：步行时间超出标准的比例，"
        "步行 30 分钟内没有时为 1。数值约等于「按缺口程度加权的未获服务居民数」，越大越应优先改善。",
        "en": "Priority = Σ (category weight × shortfall × residents the category serves). The shortfall, 0–1, is "
        "how far the walk exceeds the standard (1 when nothing is within 30 minutes): the figure is about the "
        "number of residents short of service, weighted by how short. Larger comes first.",
    },
    "col_reasons_help": {
        "zh": "选中一行，可在表格下方查看完整原因。",
        "en": "Select a row to read every reason in full below the table.",
    },
    "row_detail_figures": {
        "zh": "居民 {population} 人 · 得分 {score} · 优先级 {priority}（加权缺口人数）",
        "en": "{population} residents · score {score} · priority {priority} (weighted residents short)",
    },
    "map_drawing_no_click": {
        "zh": "绘制封闭范围时，在地图上的点击只用于绘图，不会选取街坊。",
        "en": "While drawing closures, clicks on the map draw; they do not choose a block.",
    },
    "flag_list": {"zh": "列出这 {count} 个街坊", "en": "List these {count} blocks"},
    "legend_chosen": {"zh": "所选街坊", "en": "Chosen block"},
    "site_show": {"zh": "在地图上查看", "en": "Show on the map"},
    "site_shown": {"zh": "地图已移到第 {rank} 个建议位置。", "en": "The map has moved to suggested site #{rank}."},
}
