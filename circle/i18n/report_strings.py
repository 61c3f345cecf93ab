"""Strings of the PDF gap report (merged into :data:`circle.i18n.strings.STRINGS`)."""

from __future__ import annotations

REPORT_STRINGS: dict[str, dict[str, str]] = {
    "rpt_title": {"zh": "15分钟生活圈设施缺口报告", "en": "15-minute living circle: facility gap report"},
    "rpt_subtitle": {"zh": "步行可达性评估与城市更新优先级", "en": "Walking access, gaps and renewal priorities"},
    "rpt_header": {"zh": "15分钟生活圈设施缺口报告 · {area}", "en": "Facility gap report · {area}"},
    "rpt_page": {"zh": "第 {page} 页，共 {pages} 页", "en": "Page {page} of {pages}"},
    "rpt_area": {"zh": "研究范围", "en": "Study area"},
    "rpt_whole_extract": {"zh": "数据范围全域（{file}）", "en": "Whole extract ({file})"},
    "rpt_report_date": {"zh": "报告日期", "en": "Report date"},
    "rpt_study_date": {"zh": "分析日期", "en": "Analysis run"},
    "rpt_data": {"zh": "基础数据", "en": "Data"},
    "rpt_data_value": {
        "zh": "OpenStreetMap 数据文件 {file}（SHA-256 {sha}…）",
        "en": "OpenStreetMap extract {file} (SHA-256 {sha}…)",
    },
    "rpt_data_date": {"zh": "数据时点", "en": "Data as of"},
    "rpt_data_date_unknown": {
        "zh": "文件未记录数据时点（请以数据提供方说明为准）",
        "en": "not recorded in the file (see the supplier's note)",
    },
    "rpt_profile": {"zh": "步行人群与速度", "en": "Walking profile"},
    "rpt_preset": {"zh": "评估标准", "en": "Standard"},
    "rpt_scenario": {"zh": "比较方案", "en": "Scenario compared"},
    "rpt_software": {"zh": "分析软件", "en": "Software"},
    "rpt_cover_note": {
        "zh": "本报告评估居民从居住街坊出发，沿步行网络到达各类公共服务设施的时间，对照国家标准找出服务缺口，"
        "并给出城市更新的优先次序与新增设施的建议选址。所有数字均可由研究文件夹复核。",
        "en": "This report measures how long residents walk from their blocks to each kind of public service "
        "along the street network, compares this with the national standard, finds the gaps, ranks blocks for "
        "urban renewal and suggests sites for new facilities. Every figure can be checked from the study folder.",
    },
    "rpt_no_cjk": {
        "zh": "",
        "en": "Chinese names are shown in pinyin: no Chinese (CJK) font was found on this computer. "
        "To print them in Chinese, run `bash scripts/system_packages.sh` as root (installs fonts-wqy-microhei) "
        "or `apt-get install fonts-wqy-microhei`, then make the report again.",
    },
    "rpt_findings": {"zh": "主要发现", "en": "Key findings"},
    "rpt_finding_population": {
        "zh": "研究范围内约 {population:,.0f} 名居民，分布在 {blocks} 个居住街坊。",
        "en": "About {population:,.0f} residents live in the {blocks} residential blocks studied.",
    },
    "rpt_finding_lowest": {"zh": "覆盖最低的设施：{gaps}。", "en": "Lowest coverage: {gaps}."},
    "rpt_finding_gap": {
        "zh": "{label} {coverage}（{unserved:,.0f} 人未覆盖）",
        "en": "{label} {coverage} ({unserved:,.0f} residents unserved)",
    },
    "rpt_finding_not_mapped": {
        "zh": "数据中没有以下设施，未作评估（不计为已覆盖）：{labels}。",
        "en": "Not assessed, because none is mapped (never counted as served): {labels}.",
    },
    "rpt_finding_circle": {
        "zh": "15分钟生活圈全部设施达标的人口比例为 {f15}；生活圈平均得分 {score:.1f}（满分 100）。",
        "en": "{f15} of residents have every service of the 15-minute circle within the standard; the mean score "
        "is {score:.1f} out of 100.",
    },
    "rpt_finding_area": {
        "zh": "最优先的候选更新片区含 {blocks} 个街坊、{population:,.0f} 名居民，首要缺口：",
        "en": "The first candidate renewal area has {blocks} blocks and {population:,.0f} residents; its first gap:",
    },
    "rpt_summary": {"zh": "一、总体情况", "en": "1. Summary"},
    "rpt_population": {"zh": "常住人口（估算）", "en": "Residents (estimated)"},
    "rpt_blocks": {"zh": "居住街坊数", "en": "Residential blocks"},
    "rpt_f15": {"zh": "15分钟生活圈达标人口比例（F15）", "en": "Residents meeting the 15-minute circle (F15)"},
    "rpt_tier": {"zh": "{tier}分钟生活圈达标人口比例", "en": "Residents meeting the {tier}-minute circle"},
    "rpt_proximity": {
        "zh": "平均最近设施步行时间（人口加权）",
        "en": "Mean time to the nearest facilities (by residents)",
    },
    "rpt_gini": {"zh": "可达性基尼系数（越小越均衡）", "en": "Gini coefficient of access (lower is fairer)"},
    "rpt_mean_score": {
        "zh": "生活圈平均得分（0–100，人口加权）",
        "en": "Mean living-circle score (0–100, by residents)",
    },
    "rpt_green": {"zh": "人均公共绿地", "en": "Public green per resident"},
    "rpt_green_value": {"zh": "{value} 平方米（标准 {standard} 平方米）", "en": "{value} m² (standard {standard} m²)"},
    "rpt_minutes": {"zh": "{value:.1f} 分钟", "en": "{value:.1f} min"},
    "rpt_category": {"zh": "设施类别", "en": "Category"},
    "rpt_standard": {"zh": "标准", "en": "Standard"},
    "rpt_facilities": {"zh": "设施数", "en": "Facilities"},
    "rpt_coverage": {"zh": "覆盖人口比例", "en": "Residents covered"},
    "rpt_unserved": {"zh": "未覆盖人口", "en": "Residents unserved"},
    "rpt_not_mapped": {"zh": "数据中无此类设施，无法评估", "en": "none mapped: cannot be assessed"},
    "rpt_table_note": {
        "zh": "覆盖：居住街坊沿步行网络到最近一处该类设施的距离（或时间）在标准以内；人口按街坊估算人口加权。",
        "en": "Covered: the nearest facility of the category is within the standard along the walking network "
        "from the block; shares are weighted by the blocks' estimated residents.",
    },
    "rpt_chart_axis": {"zh": "覆盖人口比例（%）", "en": "Residents covered (%)"},
    "rpt_chart_title": {"zh": "各类设施覆盖人口比例", "en": "Residents covered, by category"},
    "rpt_maps": {"zh": "二、服务缺口地图", "en": "2. Maps of the gaps"},
    "rpt_map_squares": {
        "zh": "街坊在此比例尺下过小：每个 {size} 米方格代表其中的街坊（按居民加权）",
        "en": "Blocks are too small at this scale: each {size} m square stands for the blocks in it (by residents)",
    },
    "rpt_score_map": {
        "zh": "图1  居住街坊生活圈得分与设施分布",
        "en": "Map 1  Living-circle score of each block, and the facilities",
    },
    "rpt_priority_map": {
        "zh": "图2  城市更新优先级与建议选址",
        "en": "Map 2  Renewal priority, candidate areas and suggested sites",
    },
    "rpt_category_maps": {"zh": "图3  分类设施服务覆盖", "en": "Map 3  Coverage by category"},
    "rpt_green_background": {"zh": "公园绿地范围", "en": "Public green (mapped area)"},
    "rpt_no_gap": {"zh": "无缺口", "en": "No gap"},
    "rpt_priority_class": {"zh": "优先级 {low}–{high}", "en": "Priority {low}–{high}"},
    "rpt_area_outline": {"zh": "候选更新片区（编号见表）", "en": "Candidate renewal area (numbered as in the table)"},
    "rpt_site": {"zh": "建议新增设施选址", "en": "Suggested new site"},
    "rpt_served": {"zh": "标准内可达", "en": "Within the standard"},
    "rpt_unserved_legend": {"zh": "超出标准", "en": "Beyond the standard"},
    "rpt_out_of_reach": {"zh": "步行{limit}分钟内无", "en": "None within {limit} min"},
    "rpt_facility": {"zh": "该类设施", "en": "Facility of the category"},
    "rpt_panel_title": {"zh": "{label}（{standard}）覆盖 {coverage}", "en": "{label} ({standard}): {coverage}"},
    "rpt_priorities": {"zh": "三、城市更新优先级", "en": "3. Renewal priorities"},
    "rpt_priority_note": {
        "zh": "优先级 = 街坊人口 × Σ（类别权重 × 缺口程度）；缺口程度 = min(1,（最近设施时间 − 标准）/ 标准），"
        "步行30分钟内无该类设施记为1。",
        "en": "Priority = residents × Σ (category weight × shortfall); shortfall = min(1, (time to the nearest "
        "facility − standard) / standard), 1 when none is within a 30-minute walk.",
    },
    "rpt_top_blocks": {"zh": "优先改善的居住街坊（前 {n} 个）", "en": "Blocks to improve first (top {n})"},
    "rpt_rank": {"zh": "序", "en": "#"},
    "rpt_block": {"zh": "街坊", "en": "Block"},
    "rpt_residents": {"zh": "人口", "en": "Residents"},
    "rpt_score": {"zh": "得分", "en": "Score"},
    "rpt_priority": {"zh": "优先级", "en": "Priority"},
    "rpt_reasons": {"zh": "未达标的设施（最近一处的步行时间）", "en": "Failing categories (walk to the nearest)"},
    "rpt_unnamed": {"zh": "（未命名街坊）", "en": "(unnamed block)"},
    "rpt_gap_minutes": {"zh": "{label} {minutes:.0f}分钟", "en": "{label} {minutes:.0f} min"},
    "rpt_gap_none": {"zh": "步行{limit}分钟内无{labels}", "en": "none within {limit} min: {labels}"},
    "rpt_tier_name": {"zh": "{tier}分钟生活圈", "en": "{tier}-minute circle"},
    "rpt_areas": {
        "zh": "候选更新片区（前 {n} 个，共 {total} 个）",
        "en": "Candidate renewal areas (top {n} of {total})",
    },
    "rpt_area_no": {"zh": "片区", "en": "Area"},
    "rpt_area_blocks": {"zh": "街坊数", "en": "Blocks"},
    "rpt_missing": {"zh": "缺少的设施", "en": "Missing"},
    "rpt_no_priorities": {
        "zh": "所有街坊均达到标准，无需排序。",
        "en": "Every block meets the standard: nothing to rank.",
    },
    "rpt_sites": {"zh": "四、新增设施建议选址", "en": "4. Suggested sites for new facilities"},
    "rpt_sites_note_saved": {
        "zh": "以下选址已计算并保存在研究文件夹中：在候选点中逐个选取新增覆盖人口最多的位置（贪心最大覆盖）。",
        "en": "These sites were computed and saved in the study: each one, in turn, is the "
        "candidate that newly serves the most residents (greedy maximal covering).",
    },
    "rpt_sites_note_computed": {
        "zh": "研究文件夹中尚无保存的选址建议；以下为本报告针对未覆盖人口最多的 {n} 类设施各计算的 {sites} 处选址"
        "（候选点为未达标街坊接入步行网络的位置；贪心最大覆盖）。其他类别的选址可按需计算并保存。",
        "en": "The study has no saved suggestions, so this report computed {sites} sites for each of the {n} "
        "categories with the most residents unserved (candidates: where unserved blocks join the walking network; "
        "greedy maximal covering). Sites for other categories can be computed and saved on request.",
    },
    "rpt_site_no": {"zh": "选址", "en": "Site"},
    "rpt_location": {"zh": "位置（WGS-84 经纬度）", "en": "Location (WGS-84 lon, lat)"},
    "rpt_gain": {"zh": "新增覆盖人口", "en": "Residents newly served"},
    "rpt_cumulative": {"zh": "累计", "en": "Cumulative"},
    "rpt_unserved_before": {"zh": "建设前未覆盖 {value:,.0f} 人", "en": "{value:,.0f} residents unserved before"},
    "rpt_no_sites": {
        "zh": "所有类别均已达标，无需新增选址。",
        "en": "Every category meets the standard: no site is needed.",
    },
    "rpt_scenario_title": {"zh": "{number}、方案比较：{name}", "en": "{number}. Scenario against the baseline: {name}"},
    "rpt_indicators": {"zh": "{number}、城市体检指标", "en": "{number}. City check-up indicators"},
    "rpt_indicators_intro": {
        "zh": "{title}。每项按官方定义计算（“官方口径”：直线半径或步行网络、按用地面积或人口加权，见定义），"
        "并列出直线距离与步行网络两种算法的结果以显示差异；上标为定义来源编号，"
        "完整定义见编制单位随报告提供的指标表格。",
        "en": "{title}. Each is computed by its official definition (straight-line radius or walking network, "
        "weighted by land area or residents, as the definition says) and by both the straight line and the "
        "walking network, so the difference shows; superscripts number the sources of the definitions, and "
        "the full definitions are in the indicator sheet the issuing body provides with this report.",
    },
    "rpt_ind_name": {"zh": "指标", "en": "Indicator"},
    "rpt_ind_official": {"zh": "官方口径", "en": "Official"},
    "rpt_ind_line": {"zh": "直线半径", "en": "Straight line"},
    "rpt_ind_network": {"zh": "步行网络", "en": "Walking network"},
    "rpt_ind_unit": {"zh": "单位", "en": "Unit"},
    "rpt_ind_verified": {"zh": "定义已核实", "en": "Definition verified"},
    "rpt_ind_line_short": {"zh": "直线", "en": "line"},
    "rpt_ind_network_short": {"zh": "网络", "en": "network"},
    "rpt_ind_sources": {"zh": "定义来源", "en": "Sources of the definitions"},
    "rpt_compare_title": {"zh": "{number}、前后比较", "en": "{number}. What changed"},
    "rpt_compare_intro": {
        "zh": "由 {old} 到 {new}：按编号匹配街坊 {by_id:,} 个，按重叠匹配 {by_overlap:,} 个；"
        "新出现 {appeared:,} 个（{appeared_residents:,.0f} 人），消失 {vanished:,} 个（{vanished_residents:,.0f} 人）。"
        "两期均按同一标准评分；覆盖变化按新一期的居民计。",
        "en": "From {old} to {new}: {by_id:,} blocks matched by id and {by_overlap:,} by overlap; {appeared:,} "
        "appeared ({appeared_residents:,.0f} residents) and {vanished:,} vanished ({vanished_residents:,.0f} "
        "residents). Both are scored under the same standard; changes count the newer residents.",
    },
    "rpt_compare_old": {"zh": "前期覆盖", "en": "Before"},
    "rpt_compare_new": {"zh": "后期覆盖", "en": "After"},
    "rpt_compare_no_longer": {"zh": "不再覆盖人口", "en": "No longer served"},
    "rpt_compare_map": {"zh": "图5  覆盖变化的街坊", "en": "Map 5  Blocks whose service changed"},
    "rpt_compare_time_map": {
        "zh": "图6  平均最近设施步行时间的变化（分钟）",
        "en": "Map 6  Change of proximity time (minutes)",
    },
    "rpt_change_gained": {"zh": "新获得至少一类计分设施覆盖", "en": "Newly served (any scored category)"},
    "rpt_change_lost": {"zh": "失去至少一类计分设施覆盖", "en": "No longer served (any scored category)"},
    "rpt_change_mixed": {"zh": "有得有失", "en": "Gained some, lost some"},
    "rpt_change_appeared": {"zh": "新出现的街坊", "en": "Block appeared"},
    "rpt_change_unchanged": {"zh": "无变化", "en": "Unchanged"},
    "rpt_change_vanished": {"zh": "消失的街坊", "en": "Block vanished"},
    "rpt_changes": {"zh": "方案内容", "en": "Changes"},
    "rpt_change_add": {
        "zh": "新增{category}“{name}”（经度 {lon:.5f}，纬度 {lat:.5f}）",
        "en": "Add {category} “{name}” at lon {lon:.5f}, lat {lat:.5f}",
    },
    "rpt_change_add_unnamed": {
        "zh": "新增{category}（经度 {lon:.5f}，纬度 {lat:.5f}）",
        "en": "Add: {category} at lon {lon:.5f}, lat {lat:.5f}",
    },
    "rpt_change_remove": {"zh": "撤除设施 {facility}", "en": "Remove facility {facility}"},
    "rpt_change_move": {
        "zh": "将设施 {facility} 迁至（经度 {lon:.5f}，纬度 {lat:.5f}）",
        "en": "Move facility {facility} to lon {lon:.5f}, lat {lat:.5f}",
    },
    "rpt_change_close": {
        "zh": "封闭步行路段：{what}（{segments} 段，{length:,.0f} 米）",
        "en": "Close the walking segments {what} ({segments} segments, {length:,.0f} m)",
    },
    "rpt_close_line": {"zh": "一条封闭线所跨越的路段", "en": "a barrier line crosses"},
    "rpt_close_area": {"zh": "封闭区域内及穿越其边界的路段", "en": "inside or crossing a closed area"},
    "rpt_close_steps": {"zh": "全部台阶", "en": "every flight of steps"},
    "rpt_close_steps_area": {"zh": "一个区域内的台阶", "en": "the flights of steps inside an area"},
    "rpt_closure_title": {"zh": "道路封闭的影响", "en": "What the closures do"},
    "rpt_closure_summary": {
        "zh": "共封闭步行路段 {segments} 段（{length:,.0f} 米，其中台阶 {steps} 段）。"
        "完全失去可达性的街坊 {blocks} 个，居民 {residents:,.0f} 人。",
        "en": "Walking segments closed: {segments} ({length:,.0f} m, {steps} of them steps). Blocks cut off "
        "entirely: {blocks}, with {residents:,.0f} residents.",
    },
    "rpt_closure_longer": {"zh": "步行变远人口", "en": "Walk longer"},
    "rpt_closure_mean": {"zh": "平均增加（分钟）", "en": "Mean increase (min)"},
    "rpt_closure_max": {"zh": "最大增加（分钟）", "en": "Largest increase (min)"},
    "rpt_closure_lost": {"zh": "搜索范围内无设施人口", "en": "None within the search limit"},
    "rpt_closed_legend": {"zh": "封闭路段", "en": "Closed street"},
    "rpt_cut_off_legend": {"zh": "完全失去可达性", "en": "Cut off entirely"},
    "rpt_baseline": {"zh": "现状", "en": "Baseline"},
    "rpt_with_scenario": {"zh": "方案", "en": "Scenario"},
    "rpt_change": {"zh": "变化（百分点）", "en": "Change (points)"},
    "rpt_newly_served": {"zh": "新增覆盖人口", "en": "Newly served"},
    "rpt_losing": {"zh": "失去覆盖人口", "en": "Losing service"},
    "rpt_scenario_map": {"zh": "图4  方案带来的覆盖变化", "en": "Map 4  Where the scenario changes coverage"},
    "rpt_scenario_map_unscored": {
        "zh": "不计入得分的类别（表中标 *）的变化未在图中显示。",
        "en": "Categories not scored (marked * in the table) are not drawn.",
    },
    "rpt_gained": {"zh": "新获得至少一类计分设施覆盖", "en": "Newly served (any scored category)"},
    "rpt_lost": {"zh": "失去至少一类计分设施覆盖", "en": "Losing service (any scored category)"},
    "rpt_unchanged": {"zh": "无变化", "en": "Unchanged"},
    "rpt_added": {"zh": "新增设施", "en": "Facility added"},
    "rpt_removed": {"zh": "撤除或迁出的设施", "en": "Facility removed or moved away"},
    "rpt_method": {"zh": "{number}、方法与数据说明", "en": "{number}. Method and data"},
    "rpt_method_walk": {
        "zh": "步行网络取自 OpenStreetMap 中可步行的道路（含人行道、小路、台阶及允许步行的自行车道），"
        "孤立且无街坊或设施的路网片段已剔除（{islands} 段，{length:,.0f} 米）。步行速度 {speed} 米/秒"
        "（{speed_source}）；台阶按平地速度的 {steps} 倍计。街坊与设施从其出入口（未标注时取边界上每 {spacing} 米一点）"
        "接入最近的道路，接入距离超过 {snap} 米的视为不可达。"
        "最短路径用 Dijkstra 算法在完整路网上计算（计算引擎：{engine}）。",
        "en": "The walking network is OpenStreetMap's walkable ways (footways, paths, steps and cycleways where "
        "walking is allowed); islands touching no block or facility were dropped "
        "({islands} segments, {length:,.0f} m). "
        "Walking speed {speed} m/s ({speed_source}); steps at {steps} of that. Blocks and facilities join the nearest "
        "way from their entrances (or from boundary points every {spacing} m where none is mapped); beyond {snap} m "
        "they are unreachable. Shortest paths are exact Dijkstra times on the whole network (engine: {engine}).",
    },
    "rpt_method_standard": {"zh": "采用的标准值及其出处", "en": "Standard values used and their sources"},
    "rpt_source": {"zh": "出处", "en": "Source"},
    "rpt_checked": {"zh": "核实", "en": "Checked"},
    "rpt_yes": {"zh": "已核实", "en": "yes"},
    "rpt_to_check": {"zh": "待核实", "en": "to check"},
    "rpt_method_fed": {"zh": "各类设施的数据来源", "en": "What fed each category"},
    "rpt_fed_by": {"zh": "OSM 标签规则或导入清单：设施数", "en": "OSM tag rule or imported list: facilities"},
    "rpt_fed_osm_unrecorded": {"zh": "OSM（规则未记录）", "en": "OSM (rule not recorded)"},
    "rpt_fed_note": {
        "zh": "每处设施只计其所在类别首条匹配的规则。规则排除的名称与标签（如电子城、批发市场、牙科、宠物医院、"
        "停车场、KTV）列在标准文件 {preset} 中，并以人工标注的样本检验（每类准确率不低于 95%）。",
        "en": "Each facility counts under the first rule of its category that matched. The names and tags the rules "
        "leave out (electronics and wholesale markets, dentists, vets, car parks, karaoke …) are listed in the "
        "preset {preset} and checked against a hand-labelled sample (precision of at least 95 % per category).",
    },
    "rpt_fed_unrecorded": {
        "zh": "本研究生成时尚未记录每处设施匹配的规则；重新分析本研究即可得到逐条规则的计数。",
        "en": "This study was written before the rule that matched each facility was recorded; analysing it again "
        "gives the counts per rule.",
    },
    "rpt_method_population": {"zh": "人口估算", "en": "How population was estimated"},
    "rpt_pop_source": {"zh": "估算方式", "en": "Method"},
    "rpt_pop_buildings": {
        "zh": "住宅建筑面积 ÷ 人均住房面积 {per_person} 平方米（层数未标注按 {levels} 层）",
        "en": "residential floor area ÷ {per_person} m² per person (buildings "
        "without levels counted as {levels} floors)",
    },
    "rpt_pop_area_density": {
        "zh": "街坊面积 × 毛人口密度 {density:,.0f} 人/平方公里（建筑未完整标注时）",
        "en": "block area × gross density {density:,.0f} per km² (where buildings are not fully mapped)",
    },
    "rpt_pop_user": {"zh": "用户提供的人口数", "en": "population supplied by the user"},
    "rpt_pop_range": {
        "zh": (
            "居住人口合计 {total:,.0f} 人，可能范围 {low:,.0f}–{high:,.0f} 人；其中 {share:.0f}% 由建筑与用地估算"
            "（未标层数的建筑层数、人均建筑面积、住房空置率及未标注建筑的居住用地均取区间的两端）。"
            "提供普查或人口栅格可缩小此范围。"
        ),
        "en": (
            "Residents in all: {total:,.0f}, likely between {low:,.0f} and {high:,.0f}; {share:.0f} % of them are "
            "estimated from buildings and land (the range takes both ends of untagged storeys, floor area per "
            "person, vacant homes and residential land without mapped buildings). A census or a population "
            "raster narrows it."
        ),
    },
    "rpt_pop_raster": {
        "zh": "人口栅格（每格人数）按住宅建筑面积分配",
        "en": "population raster (persons per cell) shared by residential floor area",
    },
    "rpt_pop_scaled": {
        "zh": "{method}，按已知总人口缩放",
        "en": "{method}, scaled to the known total",
    },
    "rpt_pop_region": {
        "zh": "层数、人均住房面积与密度的默认值取自“{region}”（circle/standards/regions.yaml，各值附出处）。",
        "en": "Default storeys, floor area per person and density are those of “{region}” "
        "(circle/standards/regions.yaml, each value with its source).",
    },
    "rpt_pop_split": {
        "zh": "面积超过 {area:g} 公顷或长度超过 {span:g} 米的居住用地按其内部道路切分，"
        "无道路处按 {cell:g} 米网格切分，各部分按住宅建筑面积（无建筑时按面积）分得原地块人口："
        "{parts:,} 个街坊为切分所得，最大街坊 {largest:.1f} 公顷。",
        "en": "Residential areas over {area:g} ha or {span:g} m long are cut by the streets inside them, else by a "
        "{cell:g} m grid; the parts share the area's residents by residential floor area (else by area): {parts:,} "
        "blocks are such parts; the largest block is {largest:.1f} ha.",
    },
    "rpt_pop_flags": {
        "zh": "人口密度不合常理的街坊：{dense} 个高于 {high:,.0f} 人/公顷，"
        "{sparse} 个低于 {low:g} 人/公顷；其人口须核实：{blocks}。",
        "en": "Blocks of implausible density: {dense} above {high:,.0f} per ha, {sparse} below {low:g} "
        "per ha; check their population: {blocks}.",
    },
    "rpt_pop_flags_none": {
        "zh": "所有街坊的人口密度均在合理范围内（{low:g}–{high:,.0f} 人/公顷）。",
        "en": "Every block's density lies within the plausible range ({low:g}–{high:,.0f} per ha).",
    },
    "rpt_cover_area_density": {
        "zh": "注意：本研究 {share:.0f}% 的人口按“街坊面积 × 密度”估算（该地区建筑标注不完整），"
        "各项人口加权指标仅为粗略估计；有普查数据或已知总人口时，请据此重新分析。",
        "en": "Note: {share:.0f}% of this study's residents were estimated as block area × density (buildings are "
        "sparsely mapped here), so every population-weighted figure is rough; where census data or a known total "
        "exist, analyse the study again with them.",
    },
    "rpt_pop_census": {"zh": "普查人口按住宅建筑面积分配", "en": "census totals allocated by residential floor area"},
    "rpt_method_scoring": {
        "zh": "得分：每类设施在标准以内得满分，超过标准后线性递减，至标准的 {factor} 倍时为零，按权重加总为 0–100 分；"
        "等级：{bands}。生活圈分级嵌套：15分钟生活圈达标须同时满足10分钟、5分钟生活圈各类设施。",
        "en": "Score: each category scores in full within its standard, falls linearly beyond it and is zero at "
        "{factor}× the standard; weighted to 0–100. Bands: {bands}. Tiers nest: meeting the 15-minute circle means "
        "every category of the 10- and 5-minute circles passes as well.",
    },
    "rpt_finding_misread": {
        "zh": "注意：{file} 很可能按错误的坐标系读取（见“方法说明”中的坐标偏移检查），其设施或边界偏移数百米；"
        "以下结果在改正坐标系并重新分析之前不可采信。",
        "en": "Caution: {file} was probably read in the wrong coordinate system (see the offset check in the method "
        "section), shifting its facilities or outlines by hundreds of metres; the findings below should not be "
        "relied on until it is declared correctly and the study analysed again.",
    },
    "rpt_offset_fits": {
        "zh": "坐标偏移检查：按 {declared} 读取，{what}与 OpenStreetMap 对应要素的距离中位数为 {metres:,.0f} 米，"
        "其他坐标系均不更吻合。",
        "en": "Offset check: read as {declared}, the {what} lie a median {metres:,.0f} m from their OpenStreetMap "
        "counterparts; no other coordinate system fits better.",
    },
    "rpt_offset_suggests": {
        "zh": "坐标偏移检查：按 {declared} 读取，{what}与 OpenStreetMap 对应要素的距离中位数为 {metres:,.0f} 米；"
        "按 {best} 读取则为 {best_metres:,.0f} 米。该文件很可能是 {best} 坐标，请声明后重新分析；"
        "本次结果按 {declared} 计算。",
        "en": "Offset check: read as {declared}, the {what} lie a median {metres:,.0f} m from their OpenStreetMap "
        "counterparts; read as {best}, {best_metres:,.0f} m. The file is probably in {best}: declare it and analyse "
        "again; these results read it as {declared}.",
    },
    "rpt_offset_skipped": {
        "zh": "{what}未做坐标偏移检查（可与 OpenStreetMap 比对的要素太少，或不在中国境内）。",
        "en": "The {what} were not offset-checked (too few features to compare with OpenStreetMap, or outside China).",
    },
    "rpt_offset_what_facilities": {"zh": "导入的设施", "en": "imported facilities"},
    "rpt_offset_what_area": {"zh": "研究范围边界", "en": "study area's outlines"},
    "rpt_offset_what_blocks": {"zh": "街坊边界文件", "en": "blocks file's outlines"},
    "rpt_offset_what_census": {"zh": "普查单元边界", "en": "census polygons' outlines"},
    "rpt_offset_what_census_table": {"zh": "社区边界文件", "en": "boundary file's outlines"},
    "rpt_import_census_table": {
        "zh": "人口：社区人口表 {file} 的 {rows} 行中 {matched} 行按名称或统计代码对应到{areas}的区域，"
        "{residents:,.0f} 名居民按住宅建筑面积分到这些区域的街坊，各区域总数不变；"
        "{set_apart} 行作为合计、小计单独列出，不重复计数；"
        "{unmatched} 行（{unmatched_residents:,.0f} 人）未对上：{names}。",
        "en": "Population: of the {rows} rows of the census table {file}, {matched} were matched by name or "
        "statistical code to areas of {areas}, and their {residents:,.0f} residents shared among those areas' "
        "blocks by residential floor area, each total kept; {set_apart} rows were set apart as totals, not counted "
        "twice; "
        "{unmatched} rows ({unmatched_residents:,.0f} residents) matched no area: {names}.",
    },
    "rpt_import_census_table_ages": {
        "zh": "表中的年龄列（{columns}）随居民分到街坊，再按全国分岁结构拆为各类设施服务的年龄人群。",
        "en": "Its age columns ({columns}) were shared with the residents and split into the age groups the "
        "categories serve by the national single-year structure.",
    },
    "rpt_import_poi_export": {
        "zh": "该清单被识别为{platform}，坐标按 {system} 读取。"
        "其 {rows} 行中 {mapped} 行按类型对照表（{tables}）归入本标准的类别；"
        "{excluded} 行被明确排除（如宠物诊所、培训机构、批发市场），"
        "{unmapped} 行的类型不属于本标准的任何类别。未计入最多的类型：{top}。",
        "en": "The list was recognised as {platform} ({evidence}) and its coordinates read as {system}. Of its "
        "{rows} rows, {mapped} were put in the standard's categories by the type mapping ({tables}); {excluded} "
        "were excluded on purpose (pet clinics, training schools, wholesale markets …) and {unmapped} have types of "
        "no category of the standard. Most frequent types left out: {top}.",
    },
    "rpt_import_facilities_matched": {
        "zh": "按默认的并入方式，导入的设施与同类 OpenStreetMap 设施相距 {distance} 米以内"
        "（或在其用地范围内）即视为同一处，"
        "只保留 OpenStreetMap 的一处、不重复计数：{matched}。",
        "en": "Added to OpenStreetMap's (the default), an imported facility within {distance} m of one of its category "
        "(or inside its outline) was taken for the same place and counted once, as OpenStreetMap's: {matched}.",
    },
    "rpt_import_facilities_matched_item": {
        "zh": "{category} {imported} 处中 {matched} 处",
        "en": "{matched} of {imported} imported {category}",
    },
    "rpt_import_facilities_outside": {
        "zh": "{rows} 行位于地图数据范围之外，未导入（如 {names}）。",
        "en": "{rows} rows lie outside the map data and were left out ({names}).",
    },
    "rpt_import_facilities": {
        "zh": "设施数据：除 OpenStreetMap 外，导入了规划部门清单 {file}"
        "（{rows} 处，坐标系 {crs}，已转换为 WGS-84；{mode}）。",
        "en": "Facilities: besides OpenStreetMap, the list {file} was imported ({rows} facilities, declared {crs}, "
        "converted to WGS-84; {mode}).",
    },
    "rpt_import_census": {
        "zh": "人口：普查数据 {file}（{polygons} 个统计单元，共 {total:,.0f} 人）按住宅建筑面积分配到 {blocks} 个街坊，"
        "各单元总数保持不变；{outside} 个街坊不在任何统计单元内，沿用估算值。",
        "en": "Population: census {file} ({polygons} units, {total:,.0f} residents) shared among {blocks} blocks by "
        "residential floor area, each unit's total kept exactly; {outside} blocks outside every unit keep "
        "their estimate.",
    },
    "rpt_import_dem": {
        "zh": "地形：依据高程模型 {file}，坡道步行速度按 Tobler 步行函数（上坡、下坡分别计算）；"
        "与平地相比，各类设施覆盖人口比例变化（百分点）：{changes}。",
        "en": "Terrain: with the elevation model {file}, slopes follow Tobler's hiking function (uphill and downhill "
        "apart); coverage against flat ground changes by (points): {changes}.",
    },
    "rpt_limits": {"zh": "数据局限", "en": "Limits of the data"},
    "rpt_limit_osm": {
        "zh": "OpenStreetMap 由志愿者绘制，在我国城市中设施与建筑标注往往不完整。某类设施数量明显偏少时，"
        "所示缺口可能是数据缺失而非实际缺失，请与规划部门掌握的设施清单（可导入后重新分析）核对。",
        "en": "OpenStreetMap is drawn by volunteers; in Chinese cities facilities and buildings are often incompletely "
        "mapped. Where a category has few facilities, a gap may be missing data rather than a missing service: "
        "check against the bureau's own facility lists (they can be imported and the study built again).",
    },
    "rpt_limit_counts": {"zh": "各类设施在数据中的数量：{counts}。", "en": "Facilities in the data: {counts}."},
    "rpt_limit_not_mapped": {
        "zh": "数据中没有以下类别的设施，报告不作评估（不计为已覆盖）：{categories}。",
        "en": "No facility of these categories is mapped; they are not "
        "assessed (never counted as served): {categories}.",
    },
    "rpt_limit_unreachable": {
        "zh": "{blocks} 个街坊、{facilities} 处设施距步行网络超过 {snap} 米，按不可达处理。",
        "en": "{blocks} blocks and {facilities} facilities lie more than "
        "{snap} m from a walkable way and count as unreachable.",
    },
    "rpt_limit_population": {
        "zh": "人口为估算值，未使用普查数据时仅供比较街坊之间的相对规模。",
        "en": "Population is estimated; without census figures it serves to compare blocks, not to count people.",
    },
    "rpt_limit_date": {
        "zh": "数据反映其采集时点的状况（{date}），此后新建或撤销的设施未计入。",
        "en": "The data shows the city as mapped at the time ({date}); "
        "facilities opened or closed since are not counted.",
    },
    "rpt_capacity_none": {
        "zh": "数据中没有设施规模（床位、学位）信息，供需比（E2SFCA）未计算。",
        "en": "No facility has a known capacity (beds, places): the supply-demand ratio (E2SFCA) was not computed.",
    },
    "rpt_attribution": {
        "zh": "地图数据 © OpenStreetMap contributors（ODbL 开放数据库许可）",
        "en": "Map data © OpenStreetMap contributors (ODbL)",
    },
    "rpt_within": {"zh": "{value}内", "en": "within {value}"},
    "rpt_sub_area": {
        "zh": "{name}（用户提供的范围，{blocks} 个街坊）",
        "en": "{name} (user-supplied boundary, {blocks} blocks)",
    },
    # the cover a bureau files (circle.report.filing)
    "filing_title": {"zh": "15分钟生活圈服务缺口报告", "en": "15-minute living circle: service gap report"},
    "filing_title_place": {
        "zh": "{place}15分钟生活圈服务缺口报告",
        "en": "{place}: 15-minute living circle service gap report",
    },
    "filing_header": {"zh": "{title}", "en": "{title}"},
    "filing_header_number": {"zh": "{title} · {number}", "en": "{title} · {number}"},
    "filing_place_subdistricts": {"zh": "{names}等{count}个街道", "en": "{names} and {more} more sub-districts"},
    "filing_place_communities": {"zh": "{names}等{count}个社区", "en": "{names} and {more} more communities"},
    "filing_issuer": {"zh": "编制单位", "en": "Issued by"},
    "filing_author": {"zh": "编制人", "en": "Prepared by"},
    "filing_number": {"zh": "报告编号", "en": "Report number"},
    "filing_date": {"zh": "报告日期", "en": "Date"},
    "filing_place": {"zh": "研究地区", "en": "Place"},
    "filing_place_none": {
        "zh": "数据中没有街道、社区等行政区划，报告设置中也未填写地名",
        "en": "the data names no sub-district or community, and no place was given",
    },
    "filing_place_admin": {"zh": "（按数据中的行政区划）", "en": " (from the data's administrative areas)"},
    "filing_sources": {"zh": "数据与来源", "en": "Data and sources"},
    "filing_src_osm": {"zh": "路网、建筑与设施", "en": "Streets, buildings, facilities"},
    "filing_src_osm_value": {
        "zh": "OpenStreetMap 数据文件 {file}（SHA-256 {sha}…）；数据时点：{date}",
        "en": "OpenStreetMap extract {file} (SHA-256 {sha}…); data as of: {date}",
    },
    "filing_date_recorded": {"zh": "{date}（文件记录）", "en": "{date} (recorded in the file)"},
    "filing_date_documented": {"zh": "{date}；文件本身未记录", "en": "{date}; the file records none"},
    "filing_date_file": {
        "zh": "文件未记录；数据文件的修改日期为 {date}（数据不晚于此日）",
        "en": "not recorded in the file; the file was last modified on {date} (the data is no newer)",
    },
    "filing_date_unknown": {
        "zh": "文件未记录，数据文件已不在原处，时点不明",
        "en": "not recorded in the file, and the file is no longer where it was read: unknown",
    },
    "filing_src_facilities": {"zh": "设施名录（导入）", "en": "Facility list (imported)"},
    "filing_src_census_table": {"zh": "社区人口表与边界", "en": "Census table and its areas"},
    "filing_src_census": {"zh": "普查人口（面）", "en": "Census areas"},
    "filing_src_raster": {"zh": "人口栅格", "en": "Population grid"},
    "filing_src_total": {"zh": "人口总数", "en": "Population total"},
    "filing_src_blocks": {"zh": "居住街坊边界", "en": "Block outlines"},
    "filing_src_area": {"zh": "研究范围边界", "en": "Study area outline"},
    "filing_src_dem": {"zh": "地形高程", "en": "Terrain"},
    "filing_src_none_imported": {
        "zh": "未导入部门数据：设施、人口均取自 OpenStreetMap 与估算（见“方法与数据说明”）",
        "en": "no bureau data imported: facilities and residents come from OpenStreetMap and estimates "
        "(see the method)",
    },
    "filing_approval": {"zh": "审核与批准", "en": "Review and approval"},
    "filing_sign_prepared": {"zh": "编制", "en": "Prepared"},
    "filing_sign_reviewed": {"zh": "审核", "en": "Reviewed"},
    "filing_sign_approved": {"zh": "批准", "en": "Approved"},
    "filing_sign_name": {"zh": "签名", "en": "Signature"},
    "filing_sign_date": {"zh": "日期", "en": "Date"},
    "filing_analysis": {"zh": "分析", "en": "Analysis"},
    "filing_analysis_value": {
        "zh": "{created} UTC，circle {version}",
        "en": "{created} UTC, circle {version}",
    },
    # what the terminal says after `circle report` (the PDF says it in words to its readers)
    "cli_report_hint_sites": {
        "zh": "提示：报告中的选址为临时计算；用 circle suggest --study {study} --category 类别 "
        "保存选址后报告即采用保存的结果。",
        "en": "hint: the report's sites were computed for it; save sites with "
        "circle suggest --study {study} --category KEY and the report uses them.",
    },
    "cli_report_hint_population": {
        "zh": "提示：人口为估算；用 circle analyze --census-table 社区人口表 --admin 社区边界"
        "（或 --population 栅格）导入后可取代估算。",
        "en": "hint: residents are estimated; circle analyze --census-table TABLE --admin BOUNDARIES "
        "(or --population GRID) replaces the estimate.",
    },
    "cli_report_hint_flagged": {
        "zh": "提示：{count} 个街坊的人口待核实，未参与优先级；核实后加 --include-flagged 把它们纳入。",
        "en": "hint: {count} blocks' population is to be checked and left out of the priorities; "
        "--include-flagged ranks them once checked.",
    },
    "cli_report_hint_place": {
        "zh": "提示：数据中没有街道/社区，封面未写地名；用 --place 地名 或 circle.toml 的 [report] place 给出。",
        "en": "hint: the data names no sub-district or community, so the cover names no place; "
        "give one with --place NAME or place in the [report] table of circle.toml.",
    },
    "cli_report_hint_filing": {
        "zh": "提示：封面的{missing}留空待手填；可用这些选项或 circle.toml 的 [report] 表给出。",
        "en": "hint: the cover leaves {missing} blank to fill in by hand; give them with these options "
        "or the [report] table of circle.toml.",
    },
    "cli_report_hint_indicators": {
        "zh": "提示：circle indicators --study {study} 导出含完整定义的指标表格，可随报告提供。",
        "en": "hint: circle indicators --study {study} writes the indicator sheet with the full definitions, "
        "to go with the report.",
    },
    # places named by 街道/社区 and street (coordinates and ids in the appendix)
    "rpt_near_street": {"zh": "近{street}", "en": "near {street}"},
    "rpt_places_units": {
        "zh": "位置按所在街道、社区和最近的有名称道路表示；各处的经纬度与数据编号见附录。",
        "en": "Places are named by their sub-district, community and nearest named street; "
        "their coordinates and data ids are in the appendix.",
    },
    "rpt_places_no_units": {
        "zh": "数据中没有街道、社区划分，位置按相邻或最近的有名称道路表示；各处的经纬度与数据编号见附录。",
        "en": "The data has no sub-districts or communities, so places are named by the streets beside or "
        "nearest them; their coordinates and data ids are in the appendix.",
    },
    "rpt_places_units_no_streets": {
        "zh": "位置按所在街道、社区表示（原始地图数据文件已不可读，无法补充道路名称）；各处的经纬度与数据编号见附录。",
        "en": "Places are named by their sub-district and community (the map data file can no longer be read "
        "for street names); their coordinates and data ids are in the appendix.",
    },
    "rpt_places_no_units_no_streets": {
        "zh": "数据中没有街道、社区划分，原始地图数据文件也已不可读，位置按街坊相邻道路表示；"
        "各处的经纬度与数据编号见附录。",
        "en": "The data has no sub-districts or communities and the map data file can no longer be read, so "
        "places are named by the streets bounding their blocks; coordinates and data ids are in the appendix.",
    },
    "rpt_name_where": {"zh": "{name}（{where}）", "en": "{name} ({where})"},
    "rpt_site_place": {"zh": "位置", "en": "Where"},
    "rpt_appendix": {"zh": "附录  位置坐标与数据编号", "en": "Appendix: coordinates and data ids"},
    "rpt_appendix_intro": {
        "zh": "正文所列各处的经纬度（WGS-84，可直接用于 GPS 与 OpenStreetMap；在高德、百度等地图中需先转换坐标）"
        "与其在研究数据中的编号（以 w、r 开头的为 OpenStreetMap 的 way、relation 编号）。",
        "en": "The coordinates (WGS-84, as GPS and OpenStreetMap use; AMap and Baidu maps need them converted) of "
        "every place the report names, with its id in the study's data (ids starting w or r are OpenStreetMap "
        "way and relation ids).",
    },
    "rpt_appendix_ref": {"zh": "正文编号", "en": "In the text"},
    "rpt_appendix_id": {"zh": "数据编号", "en": "Data id"},
    "rpt_appendix_lonlat": {"zh": "经度, 纬度", "en": "Lon, lat"},
    "rpt_appendix_priority": {"zh": "优先街坊 {rank}", "en": "Priority {rank}"},
    "rpt_appendix_flagged": {"zh": "待核实 {rank}", "en": "To check {rank}"},
    "rpt_appendix_site": {"zh": "选址 {label}", "en": "Site {label}"},
    "standard_with_minutes": {"zh": "{standard}（该人群约{minutes}分钟）", "en": "{standard} (about {minutes} min)"},
    # the app's report page: what the cover files the report under
    "report_filing": {"zh": "封面信息（编制单位、编制人、报告编号）", "en": "The cover (issuer, author, number)"},
    "report_filing_place": {
        "zh": "研究地区（留空则取数据中的街道、社区）",
        "en": "Place (empty: the data's sub-districts)",
    },
    "report_filing_note": {
        "zh": "默认值取自部署设置中的报告一节；留空的项目在封面上留作手填的横线，设置了编号前缀时自动生成报告编号。",
        "en": "Defaults come from the [report] table of the deployment's circle.toml; what is left empty is a line "
        "to fill in by hand on the cover, and a number is made from the settings' prefix when one is set.",
    },
    "rpt_standard_minutes": {"zh": "该人群约{minutes}分钟", "en": "about {minutes} min on foot"},
    "rpt_progress_data": {"zh": "读取研究数据与评分…", "en": "Reading the study and scoring…"},
    "rpt_progress_sites": {"zh": "计算建议选址…", "en": "Computing suggested sites…"},
    "rpt_progress_maps": {"zh": "绘制地图…", "en": "Drawing maps…"},
    "rpt_progress_pdf": {"zh": "排版 PDF…", "en": "Setting the PDF…"},
    "rpt_progress_done": {"zh": "完成", "en": "Done"},
}
