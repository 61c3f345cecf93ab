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
    "demand_covers": {
        "zh": "覆盖{group}的{coverage}（{served:,.0f}/{total:,.0f}人）",
        "en": "covers {coverage} of {group} ({served:,.0f} of {total:,.0f})",
    },
    "cli_score_category_group": {
        "zh": "  {label:<26} 覆盖{group}的 {coverage:>6}（{served:,.0f}/{total:,.0f}人）  未覆盖 {unserved:,.0f}",
        "en": "  {label:<26} covers {coverage:>6} of {group} ({served:,.0f} of {total:,.0f}); unserved {unserved:,.0f}",
    },
    "demand_reason_group": {"zh": "（{group}{count:,.0f}人）", "en": " ({count:,.0f} {group})"},
    "demand_area_lacking": {"zh": "{label}：{group}{count:,.0f}人", "en": "{label}: {count:,.0f} {group}"},
    "demand_counts": {"zh": "计入人群", "en": "Residents counted"},
    "demand_changed_group": {
        "zh": "  {category}（{group}）：新增覆盖 {gained:,.0f} 人，失去覆盖 {lost:,.0f} 人",
        "en": "  {category} ({group}): +{gained:,.0f} newly served, -{lost:,.0f} losing service",
    },
    "demand_suggest_unserved": {
        "zh": "  建设前{group}中未覆盖 {count:,.0f} 人",
        "en": "  {group} unserved before: {count:,.0f}",
    },
    "demand_suggest_site": {
        "zh": "  #{rank} {lat:.6f},{lon:.6f}  新增覆盖{group} {gain:,.0f} 人（累计 {cumulative:,.0f}）",
        "en": "  #{rank} {lat:.6f},{lon:.6f}  serves {gain:,.0f} more {group} (cumulative {cumulative:,.0f})",
    },
}
