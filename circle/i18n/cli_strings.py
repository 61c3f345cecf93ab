"""Strings the command line prints in the language asked for (``--lang``)."""

CLI_STRINGS: dict[str, dict[str, str]] = {
    "cli_scores_written": {"zh": "评分已写入 {path}", "en": "Scores written to {path}"},
    "cli_score_line": {
        "zh": "  居民 {population:,.0f}; F15 {f15}; 平均步行时间 {proximity} min; Gini {gini}; 平均分 {score}",
        "en": "  residents {population:,.0f}; F15 {f15}; proximity time {proximity} min; "
        "Gini {gini}; mean score {score}",
    },
    "cli_score_tiers": {
        "zh": "  达到各层级（该层级及以下全部类别达标）的居民：{shares}",
        "en": "  residents meeting each tier (every category of it and below passes): {shares}",
    },
    "cli_score_category": {
        "zh": "  {label:<26} 覆盖 {coverage:>6}  未覆盖人口 {unserved:>10,.0f}",
        "en": "  {label:<26} coverage {coverage:>6}  unserved {unserved:>10,.0f}",
    },
    "cli_renewal_areas": {"zh": "  {count} 个候选更新片区", "en": "  {count} candidate renewal areas"},
    "cli_report_written": {
        "zh": "报告已写入 {path}：{pages} 页，{size:.1f} MB，用时 {seconds:.1f} 秒（字体 {font}）",
        "en": "Report written to {path}: {pages} pages, {size:.1f} MB in {seconds:.1f} s (font {font})",
    },
}
