"""Strings that say whose residents a category's figures count (the age group it serves)."""

DEMAND_STRINGS: dict[str, dict[str, str]] = {
    "demand_no_ages": {
        "zh": "{label}覆盖率按全体居民计算，而非{group}：本研究没有分年龄人口，请重新分析",
        "en": "{label} coverage counts all residents, not {group}: this study has no residents by age; "
        "analyse it again",
    },
    "demand_ages_unknown": {
        "zh": "{label}覆盖率按全体居民计算，而非{group}：本研究部分街坊缺少分年龄人口，请补全后重新分析",
        "en": "{label} coverage counts all residents, not {group}: residents by age are unknown for some "
        "blocks of this study; analyse it again with ages for every block",
    },
    "demand_region_structure": {
        "zh": "{label}：分年龄人口按地区平均年龄结构估算，各街坊{group}占比相同，覆盖率因此与按全体居民计算相同；"
        "导入按社区的普查年龄数据或分年龄人口栅格后可区分街坊",
        "en": "{label}: residents by age come from the region's average age structure, the same share of {group} "
        "in every block, so its coverage equals the all-residents share; census ages by community or age "
        "rasters tell blocks apart",
    },
    "cli_score_category_group": {
        "zh": "  {label:<26} 覆盖{group}的 {coverage:>6}（{served:,.0f}/{total:,.0f}人）  未覆盖 {unserved:,.0f}",
        "en": "  {label:<26} covers {coverage:>6} of {group} ({served:,.0f} of {total:,.0f}); unserved {unserved:,.0f}",
    },
    "demand_reason_group": {"zh": "（{group}{count:,.0f}人）", "en": ", for {count:,.0f} {group}"},
    "demand_area_lacking": {"zh": "{label}：{group}{count:,.0f}人", "en": "{label}: {count:,.0f} {group}"},
    "demand_counts": {"zh": "计入人群", "en": "Residents counted"},
    "suggest_row_group": {
        "zh": "第{rank}处：新增覆盖{group} {gain} 人（累计 {total}）",
        "en": "Site {rank}: +{gain} {group} (total {total})",
    },
    "demand_category_group": {"zh": "{label}（{group}）", "en": "{label} ({group})"},
    "demand_share_of": {"zh": "{group}的{coverage}", "en": "{coverage} of {group}"},
    "demand_unserved_of": {"zh": "{group}{count:,.0f}人", "en": "{count:,.0f} {group}"},
    "demand_table_note": {
        "zh": "幼儿园、中小学、养老等类别按其服务的年龄人群计：覆盖比例和未覆盖人数均为该人群的人数。",
        "en": "A category that serves an age group (kindergartens, schools, elderly care) counts that group: "
        "its share covered and its people unserved are of that group.",
    },
    "demand_finding_gap": {
        "zh": "{label} 覆盖{group}的{coverage}（{unserved:,.0f} 人未覆盖）",
        "en": "{label} covers {coverage} of {group} ({unserved:,.0f} unserved)",
    },
    "demand_unserved_before": {
        "zh": "建设前{group}未覆盖 {value:,.0f} 人",
        "en": "{value:,.0f} {group} unserved before",
    },
    "demand_changed": {
        "zh": "{label}：新增覆盖 {gained:,.0f} 人，失去覆盖 {lost:,.0f} 人",
        "en": "{label}: +{gained:,.0f} newly served, -{lost:,.0f} losing service",
    },
}
