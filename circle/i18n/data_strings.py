"""Strings that say how far the data can be trusted: category completeness and flagged populations."""

DATA_STRINGS: dict[str, dict[str, str]] = {
    "dq_absent": {
        "zh": "{label}：数据中一处也没有录入，无法评估（这不说明实际没有这项服务）",
        "en": "{label}: none in the map data, so it cannot be assessed (this says nothing about the service itself)",
    },
    "dq_incomplete": {
        "zh": "{label}：数据中仅录入 {count} 处{norm}{unreached}，很可能录入不全，未参与评分",
        "en": "{label}: only {count} mapped{norm}{unreached}; likely incompletely mapped, so not scored",
    },
    "whatif_unscored_absent": {
        "zh": "{label}：数据中一处也没有录入，不计入得分；新增设施使 {gained} 名{who}在标准步行范围内可到达一处"
        "该类设施（现状有无这项服务，数据无法说明）",
        "en": "{label}: none in the map data, so not scored; the added facilities put {gained} {who} within the "
        "standard's walking distance of one (the data cannot tell whether they are served today)",
    },
    "whatif_unscored_incomplete": {
        "zh": "{label}：数据很可能录入不全，不计入得分；按已录入设施加新增设施计算，{gained} 名{who}新进入标准步行"
        "范围{lost}，其中部分人可能已在未录入设施的服务范围内",
        "en": "{label}: likely incompletely mapped, so not scored; with the added facilities, {gained} {who} come "
        "within the standard's walking distance of one{lost}; facilities missing from the data may already "
        "serve some of them",
    },
    "whatif_unscored_lost": {"zh": "、{lost} 名移出", "en": ", and {lost} no longer are"},
    "whatif_unscored_people": {"zh": "居民", "en": "residents"},
    "whatif_scored_unchanged": {
        "zh": "计分类别中无人新增或失去覆盖；不计入得分的类别的变化见下",
        "en": "No one newly served or losing service in the scored categories; categories not scored: below",
    },
    "rpt_unscored_absent_cell": {"zh": "未录入", "en": "none mapped"},
    "rpt_unscored_incomplete_cell": {"zh": "疑似不全", "en": "likely incomplete"},
    "dq_norm": {
        "zh": "（按标准，{residents:,.0f} 名居民约需 {expected:.0f} 处）",
        "en": " (the standard provides about {expected:.0f} for {residents:,.0f} residents)",
    },
    "dq_unreached": {
        "zh": "，{share} 的街坊步行30分钟内一处也没有",
        "en": ", and {share} of the blocks have none within a 30-minute walk",
    },
    "dq_imported": {
        "zh": "{label}：采用导入的设施清单（{count} 处），视为完整",
        "en": "{label}: from the imported facility list ({count}), taken as complete",
    },
    "dq_lower_bound": {
        "zh": "按已录入数据的覆盖率（实际不低于此）：{coverage}",
        "en": "coverage from what is mapped (the real figure is at least this): {coverage}",
    },
    "dq_fix_report": {
        "zh": "补救：导入规划部门掌握的这些设施清单后重新分析，即可评估。",
        "en": "To assess them, analyse the study again with the bureau's own list of these facilities.",
    },
    "dq_web_export": {
        "zh": "导入的 {file} 是地图平台导出的 POI（或按类型名、名称归类的清单），与 OpenStreetMap 一样按上述标准判断"
        "是否录入完整，不视为完整清单；规划部门自己的设施名录（类别列写本标准的类别）才视为完整。",
        "en": "The imported {file} is a web map's POI export (or a list classified by type names or names): it is "
        "judged complete or not like OpenStreetMap, by the figures above, not taken as complete; a bureau's own "
        "register (its category column naming the standard's categories) is.",
    },
    "dq_fix_cli": {
        "zh": "  补救：用 --facilities 文件 导入这些类别的设施清单（CSV/xlsx，含名称、类别、经纬度），"
        "再运行 circle analyze",
        "en": "  to assess them: import the bureau's list of these facilities with --facilities FILE "
        "(CSV/xlsx with name, category, lon, lat) and run circle analyze again",
    },
    "dq_title": {"zh": "数据完整性", "en": "Data completeness"},
    "dq_assessed_list": {"zh": "参与评估的类别：{categories}。", "en": "Categories assessed: {categories}."},
    "dq_apart_list": {
        "zh": "未参与评估（数据不全或没有）：{categories}",
        "en": "Not assessed (incompletely mapped or absent): {categories}",
    },
    "dq_f15_over": {
        "zh": "F15 与各层级只按参与评估的 {count} 个类别计算。",
        "en": "F15 and the tiers count the {count} assessed categories only.",
    },
    "flag_title": {"zh": "请先核实这些数据", "en": "Check these data first"},
    "flag_row": {
        "zh": "{block}：{population:,.0f} 人，每公顷 {density:,.0f} 人（{flag}）",
        "en": "{block}: {population:,.0f} residents, {density:,.0f} per ha ({flag})",
    },
    "flag_too_dense": {"zh": "密度高得不合常理", "en": "implausibly dense"},
    "flag_too_sparse": {"zh": "密度低得不合常理", "en": "implausibly sparse"},
    "flag_left_out": {
        "zh": "这些街坊的人口估计不可信，未参与更新优先级排序和选址权重。",
        "en": "Their population estimates are implausible: they are left out of the renewal priorities "
        "and of the weights of suggested sites.",
    },
    "flag_kept_in": {
        "zh": "按要求，这些街坊仍参与优先级排序，其所在行标注了数据异常。",
        "en": "As asked, they stay in the priorities, each flagged in its own row.",
    },
    "flag_cli_hint": {
        "zh": "  （核实后用 --include-flagged 把它们纳入优先级排序）",
        "en": "  (once checked, --include-flagged ranks them among the priorities)",
    },
    "resident_not_held": {
        "zh": "地图数据里没有收录{category}，所以这里说不出最近的在哪里。这不代表您家附近没有。",
        "en": "The map data holds no {category}, so we cannot tell you where the nearest is. "
        "That does not mean there is none near you.",
    },
    "resident_partly_held_none": {
        "zh": "步行 30 分钟内没有地图上收录的{category}。地图上的{category}很可能不全，附近也许有未收录的。",
        "en": "No {category} on the map within a 30-minute walk. The map very likely misses some, "
        "so there may be one near you that it does not show.",
    },
    "resident_partly_held_note": {
        "zh": "（地图上的{category}不全，也许还有更近的）",
        "en": " (the map misses some, so there may be a closer one)",
    },
    "resident_data_title": {"zh": "关于这些数据", "en": "About this data"},
    "resident_data_gaps": {
        "zh": "地图数据里{categories}没有收录或收录不全，所以没有计入您的得分，也不算作您这里缺少的服务。"
        "区、街道的规划部门可以导入自己掌握的设施名单来补全。",
        "en": "The map data holds no or too few {categories}, so they are not counted in your score and not "
        "listed as missing where you live. The district's planning bureau can add its own list of them.",
    },
    "within_minutes": {"zh": "{minutes}分钟内", "en": "Within {minutes} min"},
    "dq_fix_app": {
        "zh": "补救：在“新建研究区”页的“更多数据”中导入规划部门掌握的这些设施清单（CSV 或 Excel），即可评估。",
        "en": "To assess them, build the study again with the bureau's list of these facilities "
        "(CSV or Excel, under “More data” on the “New study” page).",
    },
    "col_density": {"zh": "每公顷人口", "en": "Residents per ha"},
    "col_flag": {"zh": "问题", "en": "Problem"},
    "flag_keep": {
        "zh": "已核实，仍把这些街坊纳入优先级排序",
        "en": "Checked: rank these blocks among the priorities anyway",
    },
    "rpt_finding_data": {
        "zh": "以下类别在数据中没有或很可能录入不全，未计入得分、生活圈层级、F15 与优先级"
        "（不等于缺少服务）：{labels}。",
        "en": "These categories are absent from the data or very likely incompletely mapped, and are left out of "
        "scores, tiers, F15 and priorities (this is not a finding of missing service): {labels}.",
    },
    "rpt_finding_within": {
        "zh": "参与评估的 {count} 个类别中，居民15分钟内平均可达 {mean:.1f} 个（F15 与此均只按这些类别计算）。",
        "en": "Of the {count} assessed categories, a resident reaches {mean:.1f} within 15 minutes on average "
        "(this and F15 count these categories only).",
    },
    "rpt_finding_flagged": {
        "zh": "{count} 个街坊的人口估计不合常理（共 {population:,.0f} 人），已列入“请先核实这些数据”，"
        "未参与优先级排序。",
        "en": "{count} blocks have implausible population estimates ({population:,.0f} residents): they are listed "
        "under “Check these data first” and left out of the priorities.",
    },
    "rpt_dq_table_title": {"zh": "各类设施的数据完整性", "en": "How completely each category is mapped"},
    "rpt_dq_intro": {
        "zh": "每类设施按两项判断：数据中设施数与标准按人口要求的数量（每个生活圈一处，按生活圈人口上限计）之比；"
        "步行30分钟内一处也没有的街坊比例。设施数不足标准要求（{share:.0%}）或超过 {unreached:.0%} 的街坊步行30分钟内"
        "一处也没有，即判为“可能录入不全”，不计入得分。导入的设施清单视为完整。",
        "en": "Each category is judged on two figures: the facilities in the data against the count the standard "
        "implies for the residents (one per living circle, at the circle's largest population), and the share of "
        "blocks with none within a 30-minute walk. Fewer than {share:.0%} of that count, or more than {unreached:.0%} "
        "of the blocks with none within 30 minutes, and the category is “likely incompletely mapped” and not "
        "scored. An imported facility list is taken as complete.",
    },
    "rpt_dq_verdict": {"zh": "结论", "en": "Verdict"},
    "rpt_dq_expected": {"zh": "标准要求约", "en": "Standard implies"},
    "rpt_dq_unreached": {"zh": "30分钟内无", "en": "Blocks with none in 30 min"},
    "rpt_dq_fed": {"zh": "数据中", "en": "In the data"},
    "verdict_assessed": {"zh": "参与评估", "en": "Assessed"},
    "verdict_likely_incomplete": {"zh": "可能录入不全", "en": "Likely incomplete"},
    "verdict_absent": {"zh": "数据中没有", "en": "Not in the data"},
    "rpt_flag_intro": {
        "zh": "下列街坊的人口估计密度不合常理，可能是数据错误（如住宅区边界或建筑层数有误）。它们未参与下面的"
        "优先级排序和选址权重；核实后可重新纳入。",
        "en": "These blocks' estimated densities are implausible, likely a data error (a residential outline or "
        "building heights). They are left out of the priorities below and of the weights of suggested sites; "
        "once checked they can be ranked again.",
    },
    "rpt_flag_kept": {
        "zh": "下列街坊的人口估计密度不合常理；按要求它们仍参与排序，所在行标有“人口数据异常”。",
        "en": "These blocks' estimated densities are implausible; as asked, they stay in the ranking, each marked "
        "in its row.",
    },
    "rpt_flag_in_row": {"zh": "人口数据异常，请先核实", "en": "population implausible: check it first"},
    "rpt_set_apart_coverage": {"zh": "≥{coverage}（数据不全）", "en": "≥ {coverage} (incomplete data)"},
    "cat_within_15": {
        "zh": "人均15分钟内可达类别数",
        "en": "Categories within 15 min (mean)",
    },
    "cli_within_15": {
        "zh": "  每位居民15分钟内平均可达 {mean:.1f} 个类别（共 {count} 个参与评估）",
        "en": "  a resident reaches {mean:.1f} of the {count} assessed categories within 15 minutes on average",
    },
    "cli_within_line": {
        "zh": "      5/10/15 分钟内：{shares}",
        "en": "      within 5/10/15 min: {shares}",
    },
    "cli_set_apart_category": {
        "zh": "  {label:<26} 按已录入数据覆盖 ≥{coverage:>6}（数据不全，未计分）",
        "en": "  {label:<26} mapped coverage ≥{coverage:>6} (incompletely mapped, not scored)",
    },
}
