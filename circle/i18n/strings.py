"""The string table: every label, legend, tooltip and message of the app and the report, in zh and en."""

from circle.i18n.access_strings import ACCESS_STRINGS
from circle.i18n.builder_strings import BUILDER_STRINGS
from circle.i18n.cli_strings import CLI_STRINGS
from circle.i18n.data_strings import DATA_STRINGS
from circle.i18n.demand_strings import DEMAND_STRINGS
from circle.i18n.map_strings import MAP_STRINGS
from circle.i18n.report_strings import REPORT_STRINGS
from circle.i18n.triage_strings import TRIAGE_STRINGS
from circle.i18n.view_strings import VIEW_STRINGS

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "15分钟生活圈", "en": "15-minute living circle"},
    "page_planner": {"zh": "规划师", "en": "Planner"},
    "page_resident": {"zh": "居民", "en": "Resident"},
    "page_report": {"zh": "报告", "en": "Report"},
    "report_source": {
        "zh": "数据：{file}（{date}）｜步行人群：{profile}｜标准：{preset}",
        "en": "Data: {file} ({date}) | walking profile: {profile} | standard: {preset}",
    },
    "report_threshold": {"zh": "标准", "en": "Standard"},
    "report_scores": {"zh": "下载各街坊得分（CSV）", "en": "Download block scores (CSV)"},
    "report_summary": {"zh": "下载汇总（JSON）", "en": "Download the summary (JSON)"},
    "report_pdf": {"zh": "PDF 缺口报告", "en": "PDF gap report"},
    "report_pdf_lang": {"zh": "报告语言", "en": "Report language"},
    "report_pdf_scenario": {"zh": "与方案比较（可选）", "en": "Compare a scenario (optional)"},
    "report_pdf_area": {
        "zh": "只报告某一范围（可选，GeoJSON 或 GeoPackage 面，≤{limit} MB）",
        "en": "Report on one area only (optional: a GeoJSON or GeoPackage polygon, ≤ {limit} MB)",
    },
    "report_pdf_make": {"zh": "生成 PDF 报告", "en": "Make the PDF report"},
    "report_pdf_made": {
        "zh": "报告已生成：{pages} 页，{size:.1f} MB，用时 {seconds:.1f} 秒。",
        "en": "Report ready: {pages} pages, {size:.1f} MB, made in {seconds:.1f} s.",
    },
    "report_pdf_download": {"zh": "下载 PDF 报告", "en": "Download the PDF report"},
    "language": {"zh": "语言 / Language", "en": "Language / 语言"},
    "study": {"zh": "研究区", "en": "Study"},
    "no_study": {
        "zh": "还没有研究区。请先运行 `bash scripts/study.sh`，或在下方上传 OSM 文件建立一个。",
        "en": "No study yet. Run `bash scripts/study.sh` first, or build one from an OSM file below.",
    },
    "measure": {"zh": "地图显示", "en": "Colour blocks by"},
    "measure_time": {"zh": "到最近设施的步行时间", "en": "Walking time to the nearest facility"},
    "measure_score": {"zh": "综合得分（0–100）", "en": "Score (0–100)"},
    "measure_tier": {"zh": "达到的生活圈层级", "en": "Highest living-circle tier met"},
    "measure_priority": {"zh": "更新优先级", "en": "Renewal priority"},
    "measure_population": {"zh": "人口", "en": "Population"},
    "category": {"zh": "设施类别", "en": "Category"},
    "categories_shown": {"zh": "显示的设施", "en": "Facilities shown"},
    "profile": {"zh": "步行人群", "en": "Walking profile"},
    "profile_rebuild": {
        "zh": "该研究区按“{built}”计算。换成“{wanted}”需要重新计算步行时间。",
        "en": "This study was computed for “{built}”. Switching to “{wanted}” needs new walking times.",
    },
    "rebuild": {"zh": "重新计算", "en": "Recompute"},
    "rebuilding": {"zh": "正在重新计算步行时间……", "en": "Recomputing walking times…"},
    "preset": {"zh": "标准", "en": "Standard"},
    "threshold": {"zh": "步行范围（分钟，点击地图时显示）", "en": "Walking range shown on click (minutes)"},
    "basemap": {"zh": "底图", "en": "Basemap"},
    "basemap_osm": {"zh": "OpenStreetMap 标准", "en": "OpenStreetMap standard"},
    "basemap_none": {"zh": "无底图", "en": "No basemap"},
    "build_more": {
        "zh": "更多数据（设施清单、普查人口或社区人口表、高程）",
        "en": "More data (facility list, census polygons or table, elevation)",
    },
    "build_facilities": {
        "zh": "设施清单（CSV 或 Excel：名称、类别、经度、纬度，可选床位/学位）",
        "en": "Facility list (CSV or Excel: name, category, longitude, latitude, optional capacity)",
    },
    "build_facilities_crs": {"zh": "清单坐标系", "en": "Coordinates of the list"},
    "build_crs_auto": {
        "zh": "自动（高德、百度、腾讯导出按其平台坐标系，其他 WGS-84）",
        "en": "Automatic (an AMap, Baidu or Tencent export in its platform's system, else WGS-84)",
    },
    "built_poi_mapping": {
        "zh": "识别为{platform}，坐标按 {system} 读取；{rows} 行中 {mapped} 行归入类别，{left} 行未计入"
        "（最多的类型：{top}）。详见 summary.json 的 imports.facilities.mapping。",
        "en": "Recognised {platform}, read as {system}; {mapped} of {rows} rows mapped to categories, {left} "
        "left out (most frequent types: {top}). All are listed in summary.json, imports.facilities.mapping.",
    },
    "build_facilities_mode": {"zh": "与 OpenStreetMap 设施的关系", "en": "With the OpenStreetMap facilities"},
    "build_mode_add": {"zh": "补充", "en": "add to them"},
    "build_mode_replace": {"zh": "替换同类设施", "en": "replace them in the same categories"},
    "build_census": {
        "zh": "普查人口（街道/社区面，含人口字段；GeoJSON 或 GeoPackage）",
        "en": "Census population (sub-district or community polygons with totals; GeoJSON or GeoPackage)",
    },
    "build_census_crs": {"zh": "普查面坐标系", "en": "Coordinates of the census polygons"},
    "build_census_table": {
        "zh": "社区人口表（CSV 或 Excel，按社区/街道：名称或统计代码、常住人口，可选年龄列；与普查面二选一）",
        "en": "Census table by community (CSV or Excel: 社区/街道 names or codes, residents, optional age columns; "
        "instead of census polygons)",
    },
    "build_census_table_columns": {
        "zh": "人口表的列（可选，列名认不出时填写，如 name=社区名称,population=常住人口）",
        "en": "The census table's columns (optional, when their names are not recognised: "
        "name=社区名称,population=常住人口)",
    },
    "build_admin": {
        "zh": "社区/街道边界（GeoJSON 或 GeoPackage，人口表按名称或代码对接；不给则用 OpenStreetMap 的边界）",
        "en": "Community or sub-district boundaries (GeoJSON or GeoPackage, joined to the census table by name or "
        "code; else OpenStreetMap's boundaries)",
    },
    "build_admin_crs": {"zh": "边界坐标系", "en": "Coordinates of the boundaries"},
    "hint_census_table_columns": {
        "zh": "可在“更多数据”的“人口表的列”中写明，如 name=社区名称,population=常住人口。",
        "en": "Name them under “The census table's columns” in “More data”, e.g. name=社区名称,population=常住人口.",
    },
    "hint_admin_name_column": {
        "zh": "可在“更多数据”的“边界文件的名称列”中写明。",
        "en": "Name it under “The boundary file's name column” in “More data”.",
    },
    "build_admin_name_column": {
        "zh": "边界文件的名称列（可选，默认按列名识别）",
        "en": "The boundary file's name column (optional, found by its name by default)",
    },
    "build_census_both": {
        "zh": "普查面和社区人口表都给出人口，只能用其中一个：请去掉其一后再建立。",
        "en": "Census polygons and a census table both give the residents: keep one of them and build again.",
    },
    "build_admin_without_table": {
        "zh": "社区边界文件用于对接社区人口表：请同时上传人口表，或去掉边界文件。",
        "en": "A boundary file is what a census table is joined to: upload the census table too, or remove the file.",
    },
    "built_census_table": {
        "zh": "社区人口表 {file}：{rows} 行中 {matched} 行对上 {areas} 个社区/街道（{source}）。",
        "en": "Census table {file}: {matched} of {rows} rows joined to {areas} areas of {source}.",
    },
    "built_census_table_residents": {
        "zh": "对上的 {matched_residents} 人（全表 {table_residents} 人）按居住建筑面积分到各街坊，"
        "研究区内 {in_study} 人。",
        "en": "Their {matched_residents} residents (of the table's {table_residents}) are shared among their blocks by "
        "residential floor area; {in_study} are in the study.",
    },
    "census_source_file": {"zh": "边界文件 {file}", "en": "the boundary file {file}"},
    "census_source_osm": {"zh": "OpenStreetMap 行政边界", "en": "OpenStreetMap's boundaries"},
    "built_census_table_stated": {
        "zh": "表中合计行为 {stated} 人，各行相加为 {summed} 人。",
        "en": "Its total row says {stated} residents; its rows add up to {summed}.",
    },
    "built_census_table_set_apart": {
        "zh": "{count} 行是合计行，单独列出、不重复计数：{names}。",
        "en": "Rows set apart as totals, not counted twice ({count}): {names}.",
    },
    "built_census_table_unmatched": {
        "zh": "{count} 行（{residents} 人）没有对上任何社区，未计入：{names}。",
        "en": "Rows matching no area, not counted ({count}, {residents} residents): {names}.",
    },
    "built_census_table_no_blocks": {
        "zh": "{count} 个对上的社区（{residents} 人）内没有地图上的居住街坊，这些人口未计入研究区。",
        "en": "Matched areas holding no residential block the map shows ({count}, {residents} residents): "
        "their residents are not in the study.",
    },
    "built_census_table_without_row": {
        "zh": "{count} 个有街坊的社区在表中没有行，沿用估算人口：{names}。",
        "en": "Areas with blocks but no row, which keep their estimate ({count}): {names}.",
    },
    "built_census_table_partly": {
        "zh": "{count} 个社区部分在研究区外（{names}）：研究区只计其街坊分得的人口。",
        "en": "Areas partly outside the study ({count}: {names}): the study keeps its own blocks' share.",
    },
    "built_census_table_ages": {
        "zh": "{rows} 个对上行的年龄列（{columns}）已拆分为各类设施的服务人群（pop_age_*）。",
        "en": "The age columns ({columns}) of {rows} joined rows split their blocks' residents into the age groups "
        "the categories serve (pop_age_*).",
    },
    "built_census_table_header": {
        "zh": "表头在第 {lines} 行。",
        "en": "Its header is on line {lines}.",
    },
    "built_census_table_header_title": {
        "zh": "表头在第 {lines} 行；上方第 {skipped} 行是标题（{title}），已跳过。",
        "en": "Its header is on line {lines}; line {skipped} above it (a title: {title}) was skipped.",
    },
    "built_admin_gbk": {
        "zh": "边界文件缺少 .cpg 编码说明，其文字按 GBK 读取（按默认编码读出的是乱码）。",
        "en": "The boundary file has no .cpg saying its encoding: its text was read as GBK (read as the default, "
        "it was garbled).",
    },
    "built_census_table_ignored": {
        "zh": "{count} 行不属于表格本身，已忽略（空行、重复表头、注释）：{names}。",
        "en": "Rows ignored as no part of the table ({count}: blank, the header repeated, notes): {names}.",
    },
    "census_ignored_row": {"zh": "第 {line} 行（{reason}）", "en": "line {line} ({reason})"},
    "census_ignored_blank": {"zh": "空行", "en": "blank"},
    "census_ignored_header": {"zh": "重复表头", "en": "the header repeated"},
    "census_ignored_note": {"zh": "注释", "en": "a note"},
    "built_census_table_outside": {
        "zh": "{count} 个社区在研究区外（{names}）：其人口分给了研究区周边读入的街坊。",
        "en": "Areas outside the study ({count}: {names}): their residents went to their blocks around it.",
    },
    "built_census_table_cut_unknown": {
        "zh": "边界文件的坐标系可能选错了（见上方提示），因此不列出哪些社区部分在研究区外。",
        "en": "Which areas lie partly outside the study is not said: the boundary file seems read in the wrong "
        "coordinate system (see the warning).",
    },
    "built_census_table_ages_scaled": {
        "zh": "{count} 行的年龄组合计与总人口相差很小，已按总人口等比调整：{names}。",
        "en": "Rows whose age groups miss their total by a few residents, scaled to it ({count}): {names}.",
    },
    "built_census_table_ages_left_out": {
        "zh": "{count} 行的年龄组合计与总人口不符，未使用其年龄组（总人口仍计入）：{names}。",
        "en": "Rows whose age groups do not add up to their total, left out of the age groups (their residents "
        "count) ({count}): {names}.",
    },
    "built_census_table_ages_unread": {
        "zh": "未能识别的年龄列：{columns}（请写成 0-14岁、60岁及以上 这样的列名）。",
        "en": "Age columns not read: {columns} (name them like 0-14岁, 60岁及以上).",
    },
    "built_census_table_details": {
        "zh": "全部行和社区见汇总（summary.json）的 imports.census_table。",
        "en": "Every row and area is in summary.json, imports.census_table.",
    },
    "names_more": {"zh": "等 {count} 个", "en": " and {more} more"},
    "built_admin_offset": {
        "zh": "社区边界的坐标系可能选错了：按 {declared} 读取，边界离 OpenStreetMap 街道和边界的距离中位数为 "
        "{declared_m} 米，按 {suggested} 读取则为 {suggested_m} 米。请在“边界坐标系”中选 {suggested} 后重新建立。",
        "en": "The boundaries' coordinate system may be wrong: read as {declared}, they lie a median {declared_m} m "
        "from OpenStreetMap's streets and boundaries; read as {suggested}, {suggested_m} m. Choose {suggested} under "
        "“Coordinates of the boundaries” and build again.",
    },
    "layer_crs_wgs84": {
        "zh": "WGS-84（GPS、OpenStreetMap、多数 GIS 文件）",
        "en": "WGS-84 (GPS, OpenStreetMap, most GIS files)",
    },
    "layer_crs_gcj02": {"zh": "GCJ-02（高德、腾讯地图）", "en": "GCJ-02 (AMap 高德, Tencent 腾讯)"},
    "layer_crs_bd09": {"zh": "BD-09（百度地图）", "en": "BD-09 (Baidu 百度)"},
    "layer_crs_epsg": {"zh": "EPSG 代码（投影坐标等）", "en": "EPSG code (projected x/y, other datums)"},
    "layer_crs_code": {"zh": "EPSG 代码，例如 EPSG:4547", "en": "EPSG code, e.g. EPSG:4547"},
    "layer_crs_help": {
        "zh": "网络地图导出的文件常标为 EPSG:4326，但高德、腾讯为 GCJ-02，百度为 BD-09：此处所选覆盖文件标注。",
        "en": "Web-map exports are usually labelled EPSG:4326 whatever their system: AMap and Tencent use GCJ-02, "
        "Baidu BD-09. The choice here overrides the file's label.",
    },
    "report_pdf_area_crs": {"zh": "子区域坐标系", "en": "Coordinates of the sub-area"},
    "build_dem": {"zh": "数字高程模型（GeoTIFF，用于坡度）", "en": "Elevation model (GeoTIFF, for slopes)"},
    "build_ignore_gates": {
        "zh": "忽略小区大门（居民可从边界任意处出入）",
        "en": "Ignore compound gates (residents may leave anywhere along the edge)",
    },
    "wrong_type": {
        "zh": "文件 {name} 的内容与其类型不符，请检查后重新上传。",
        "en": "The content of {name} is not what its type says; check the file and upload it again.",
    },
    "basemap_amap": {"zh": "高德地图（GCJ-02）", "en": "AMap (GCJ-02)"},
    "tile_gcj02": {"zh": "该瓦片使用 GCJ-02 坐标（高德、腾讯）", "en": "These tiles use GCJ-02 (AMap, Tencent)"},
    "gcj02_note": {
        "zh": "底图为 GCJ-02 坐标：街坊、设施、等时圈等图层已转换到 GCJ-02 以便与底图对齐；"
        "点击位置会换算回 WGS-84，研究数据与下载文件仍为 WGS-84。",
        "en": "The basemap is in GCJ-02: blocks, facilities and isochrones are shifted to GCJ-02 to line up with it; "
        "clicks are converted back to WGS-84, and the study and downloads stay in WGS-84.",
    },
    "basemap_custom": {"zh": "自定义瓦片服务", "en": "Custom tile server"},
    "tile_url": {"zh": "瓦片地址（含 {z}/{x}/{y}）", "en": "Tile URL (with {z}/{x}/{y})"},
    "tile_attribution": {"zh": "瓦片署名", "en": "Tile attribution"},
    "minutes": {"zh": "{value} 分钟", "en": "{value} min"},
    "minutes_unit": {"zh": "步行分钟", "en": "Walking minutes"},
    "legend_time": {"zh": "到最近{category}的步行时间", "en": "Walking time to the nearest {category}"},
    "legend_score": {"zh": "综合得分（0–100）", "en": "Score (0–100)"},
    "legend_tier": {"zh": "达到的生活圈层级", "en": "Living-circle tier met"},
    "legend_priority": {"zh": "更新优先级（越高越急）", "en": "Renewal priority (higher = more urgent)"},
    "legend_population": {"zh": "人口（人）", "en": "Population (residents)"},
    "layer_blocks": {"zh": "居住街坊", "en": "Residential blocks"},
    "layer_facilities": {"zh": "设施：{category}", "en": "Facilities: {category}"},
    "layer_outline": {"zh": "研究区范围", "en": "Study area"},
    "layer_isochrone": {"zh": "步行等时圈", "en": "Walking isochrone"},
    "layer_suggestions": {"zh": "建议选址", "en": "Suggested sites"},
    "layer_whatif": {"zh": "情景新增设施", "en": "What-if facilities"},
    "layer_affected": {"zh": "受影响的街坊", "en": "Blocks affected"},
    "layer_flagged": {"zh": "人口存疑的街坊（{count}）", "en": "Implausible population ({count})"},
    "flag_too_dense": {
        "zh": "人口存疑：过密，{population} 人，{density} 人/公顷",
        "en": "Implausible population: too dense, {population} residents, {density} per ha",
    },
    "flag_too_sparse": {
        "zh": "人口存疑：过疏，{population} 人，{density} 人/公顷",
        "en": "Implausible population: too sparse, {population} residents, {density} per ha",
    },
    "layer_streets": {"zh": "本研究区街道", "en": "Study streets"},
    "layer_nearby": {"zh": "所选位置附近的街坊", "en": "Blocks near the chosen point"},
    "city_blocks_hint": {
        "zh": "全市共 {count} 个街坊，以图片绘制；点击地图查看该处附近街坊的详情。"
        "滚轮滚动页面，点击地图后（或按住 Ctrl）滚轮缩放。",
        "en": "{count} blocks, drawn as images; click the map for the blocks near that point. The wheel scrolls the "
        "page; click the map (or hold Ctrl) to zoom with it.",
    },
    "wheel_hint": {
        "zh": "滚轮滚动页面；点击地图后（或按住 Ctrl）滚轮缩放地图。",
        "en": "The wheel scrolls the page; click the map (or hold Ctrl) to zoom with it.",
    },
    "unnamed": {"zh": "（未命名）", "en": "(unnamed)"},
    "tooltip_block": {
        "zh": "{name}｜人口 {population}｜得分 {score}",
        "en": "{name} | {population} residents | score {score}",
    },
    "table_first": {
        "zh": "此处列出前 {shown} 个（共 {total} 个）；下载文件包含全部街坊。",
        "en": "The first {shown} of {total} are listed; the downloads hold every block.",
    },
    "whatif_remove_pick": {
        "zh": "点击地图上要移除的设施附近，这里会列出其周边的设施。",
        "en": "Click the map near the facility to remove: the facilities around that point are listed here.",
    },
    "click_hint": {
        "zh": "点击地图：显示该点 {bands} 分钟步行范围；点击街坊：显示其得分与缺项。",
        "en": "Click the map for the {bands}-minute walk from that point; click a block for its score and gaps.",
    },
    "or_coordinates": {"zh": "或输入坐标", "en": "Or type coordinates"},
    "latitude": {"zh": "纬度", "en": "Latitude"},
    "longitude": {"zh": "经度", "en": "Longitude"},
    "explore": {"zh": "查看此处", "en": "Explore here"},
    "reached_title": {"zh": "从所选位置步行可达的设施", "en": "Facilities within reach of the chosen point"},
    "none_reached": {"zh": "15 分钟内没有{category}", "en": "No {category} within 15 minutes"},
    "block_title": {"zh": "街坊：{name}", "en": "Block: {name}"},
    "residents": {"zh": "居民", "en": "Residents"},
    "score": {"zh": "得分", "en": "Score"},
    "tier": {"zh": "生活圈层级", "en": "Tier met"},
    "tier_none": {"zh": "未达到", "en": "none"},
    "missing": {"zh": "缺项", "en": "Missing"},
    "nothing_missing": {"zh": "各项设施均达标。", "en": "Every category meets the standard."},
    "summary_title": {"zh": "总体情况", "en": "Overview"},
    "f15": {"zh": "15分钟生活圈覆盖（F15）", "en": "Residents in a full 15-minute circle (F15)"},
    "proximity": {"zh": "平均步行时间", "en": "Mean walking time"},
    "gini": {"zh": "不平等程度（基尼系数）", "en": "Inequality (Gini)"},
    "coverage": {"zh": "覆盖率", "en": "Coverage"},
    "unserved": {"zh": "未覆盖人口", "en": "People unserved"},
    "not_mapped": {
        "zh": "数据中没有：{categories}（未参与评估）",
        "en": "Not in the data: {categories} (not assessed)",
    },
    "gaps_title": {"zh": "缺口与更新优先级", "en": "Gaps and renewal priorities"},
    "blocks_tab": {"zh": "街坊排名", "en": "Ranked blocks"},
    "areas_tab": {"zh": "候选更新片区", "en": "Candidate renewal areas"},
    "select_row_hint": {
        "zh": "选中一行：页面回到地图并移到该街坊（黑白双线标出），完整原因显示在表格下方。",
        "en": "Select a row: the page goes back to the map, which moves to the block (outlined black on white); "
        "every reason shows below the table.",
    },
    "download_csv": {"zh": "下载 CSV", "en": "Download CSV"},
    "download_gpkg": {"zh": "下载 GeoPackage", "en": "Download GeoPackage"},
    "col_rank": {"zh": "排名", "en": "Rank"},
    "col_name": {"zh": "名称", "en": "Name"},
    "col_admin": {"zh": "街道·社区", "en": "Community, sub-district"},
    "col_population": {"zh": "人口", "en": "Residents"},
    "col_priority": {"zh": "优先级（加权缺口人数）", "en": "Priority (weighted residents short)"},
    "col_score": {"zh": "得分", "en": "Score"},
    "col_reasons": {"zh": "原因", "en": "Reasons"},
    "col_area": {"zh": "片区", "en": "Area"},
    "col_blocks": {"zh": "街坊数", "en": "Blocks"},
    "col_missing": {"zh": "缺项（受影响人口）", "en": "Missing (people affected)"},
    "whatif_title": {"zh": "情景模拟", "en": "What-if"},
    "changes_title": {"zh": "前后比较（两期数据或规划方案）", "en": "Changes (two data years, or a plan)"},
    "changes_none": {
        "zh": "还没有前后比较结果：两期数据或规划方案的比较由管理员在服务器上生成，生成后在此列出。",
        "en": "No comparison yet: the administrator makes one on the server from two data years or a plan, "
        "and it is listed here.",
    },
    "changes_pick": {"zh": "比较结果", "en": "Comparison"},
    "changes_placeholder": {"zh": "选择一份比较结果", "en": "Choose a comparison"},
    "changes_line": {
        "zh": "{old} → {new}：按编号匹配 {by_id} 个街坊，按重叠匹配 {by_overlap} 个，"
        "新出现 {appeared} 个，消失 {vanished} 个。",
        "en": "{old} → {new}: {by_id} blocks matched by id, {by_overlap} by overlap, {appeared} appeared, "
        "{vanished} vanished.",
    },
    "changes_tip_block": {"zh": "街坊", "en": "Block"},
    "changes_tip_pop": {"zh": "居民", "en": "Residents"},
    "changes_capped": {
        "zh": "地图只画出居民最多的 {shown} 个变化街坊（共 {total} 个）。",
        "en": "The map draws the {shown} most populous changed blocks (of {total}).",
    },
    "close_title": {"zh": "道路封闭（洪涝、施工、滑坡）", "en": "Closures (flood, works, landslide)"},
    "close_draw_toggle": {"zh": "在地图上绘制封闭线或封闭区域", "en": "Draw closures on the map"},
    "close_draw_hint": {
        "zh": "用地图左侧的工具画线（横跨道路、地道、桥梁）或画面（封闭区域），再点“封闭所画路段”。",
        "en": "Draw a line across a street, underpass or bridge, or an area, with the tools on the map's left, "
        "then press “Close what is drawn”.",
    },
    "close_drawn": {"zh": "封闭所画路段（{count} 处）", "en": "Close what is drawn ({count})"},
    "close_steps": {"zh": "封闭全部台阶", "en": "Close every flight of steps"},
    "close_result": {
        "zh": "封闭步行路段 {segments} 段（{length} 米）；完全失去可达性的街坊 {blocks} 个，居民 {residents} 人。",
        "en": "Walking segments closed: {segments} ({length} m). Blocks cut off entirely: {blocks}, with "
        "{residents} residents.",
    },
    "layer_closed": {"zh": "封闭路段（{count}）", "en": "Closed segments ({count})"},
    "layer_cut_off": {"zh": "失去可达性的街坊", "en": "Blocks cut off"},
    "whatif_add": {"zh": "在所选位置新增设施", "en": "Add a facility at the chosen point"},
    "whatif_remove": {"zh": "移除设施", "en": "Remove a facility"},
    "whatif_pick_point": {"zh": "先在地图上点击一个位置。", "en": "Click a point on the map first."},
    "whatif_result": {
        "zh": "{served}；F15：{f15_before} → {f15_after}；"
        "每位居民15分钟内可达类别：{within_before} → {within_after}；平均步行时间：{proximity_before} → "
        "{proximity_after} 分钟",
        "en": "{served}; F15: {f15_before} → {f15_after}; "
        "categories within 15 minutes per resident: {within_before} → {within_after}; mean walking time: "
        "{proximity_before} → {proximity_after} min",
    },
    "whatif_served_people": {
        "zh": "新增覆盖 {gained} 人，失去覆盖 {lost} 人",
        "en": "{gained} people newly served, {lost} losing service",
    },
    "whatif_served_group": {
        "zh": "新增覆盖{group} {gained} 人，失去覆盖 {lost} 人",
        "en": "{gained} {group} newly served, {lost} losing service",
    },
    "whatif_served_mixed": {
        "zh": "新增与失去覆盖的人数按类别见下（各按其服务人群计）",
        "en": "people newly served and losing service per category below (each counts the group it serves)",
    },
    "whatif_reset": {"zh": "清除情景", "en": "Clear the scenario"},
    "scenario_name": {"zh": "情景名称", "en": "Scenario name"},
    "save_scenario": {"zh": "保存情景到研究区", "en": "Save the scenario in the study"},
    "saved": {"zh": "已保存：{name}", "en": "Saved: {name}"},
    "suggest_title": {"zh": "选址建议", "en": "Suggested sites"},
    "suggest_sites": {"zh": "建议数量", "en": "Number of sites"},
    "suggest_go": {"zh": "给出建议", "en": "Suggest"},
    "suggest_row": {
        "zh": "第{rank}处：新增覆盖 {gain} 人（累计 {total}）",
        "en": "Site {rank}: +{gain} residents (total {total})",
    },
    "build_title": {"zh": "建立新研究区", "en": "Build a new study"},
    "upload": {
        "zh": "上传 .osm.pbf 或 .osm 文件（不超过 {limit} MB）",
        "en": "Upload an .osm.pbf or .osm file (at most {limit} MB)",
    },
    "server_path": {"zh": "或服务器上的文件路径", "en": "Or a file path on the server"},
    "new_study_name": {"zh": "研究区名称", "en": "Study name"},
    "build": {"zh": "建立", "en": "Build"},
    "building": {"zh": "正在建立研究区……", "en": "Building the study…"},
    "built": {"zh": "研究区已建立：{name}", "en": "Study built: {name}"},
    "too_large": {
        "zh": "文件超过 {limit} MB。请先裁剪到需要的范围。",
        "en": "The file is larger than {limit} MB. Clip it to the area you need first.",
    },
    "error": {"zh": "出错了：{message}", "en": "Something went wrong: {message}"},
    "attribution": {"zh": "© OpenStreetMap 贡献者（ODbL）", "en": "© OpenStreetMap contributors (ODbL)"},
    "resident_search": {
        "zh": "输入您的小区名称（汉字、拼音或首字母均可，如“锦绣”“jinxiu”“jx”）",
        "en": "Type your compound's name (Chinese, pinyin or initials, e.g. 锦绣, jinxiu, jx)",
    },
    "resident_title": {"zh": "我家附近步行15分钟能到什么", "en": "What can I walk to from home?"},
    "resident_show_map": {"zh": "在地图上另选一处", "en": "Pick another place on the map"},
    "resident_pick": {"zh": "选择您的小区", "en": "Choose your compound"},
    "resident_no_match": {
        "zh": "没有找到。可以换个写法，或在地图上点您家的位置。",
        "en": "Nothing found. Try another spelling, or tap your home on the map.",
    },
    "resident_tap": {"zh": "或在地图上点您家的位置", "en": "Or tap your home on the map"},
    "resident_walker": {"zh": "步行速度", "en": "Walking pace"},
    "resident_circle": {
        "zh": "您家达到了{tier}分钟生活圈：该范围内的各类设施步行都能到。",
        "en": "Your home meets the {tier}-minute living circle: every service of that circle is within walking reach.",
    },
    "resident_no_circle": {
        "zh": "您家还没有达到5分钟生活圈：有些日常设施步行较远。",
        "en": "Your home does not yet meet the 5-minute living circle: some everyday services are a long walk away.",
    },
    "resident_compare_better": {
        "zh": "比全市一半的小区好（全市中位数 {median} 分）。",
        "en": "Better than half of the city's neighbourhoods (city median {median}).",
    },
    "resident_compare_worse": {"zh": "低于全市中位数（{median} 分）。", "en": "Below the city's median ({median})."},
    "resident_walk": {
        "zh": "{name}：步行 {minutes} 分钟，约 {metres} 米",
        "en": "{name}: {minutes} min walk, about {metres} m",
    },
    "resident_missing_title": {"zh": "还缺什么", "en": "What is missing"},
    "resident_share": {
        "zh": "分享：复制浏览器地址栏中的链接，对方打开即可看到同一个小区。",
        "en": "Share: copy the link in your browser's address bar; it opens this same neighbourhood.",
    },
    "resident_data": {"zh": "数据日期：{date}。{attribution}", "en": "Data as of {date}. {attribution}"},
    "resident_map_note": {
        "zh": "地图上的彩色线是到最近设施的步行路线。",
        "en": "The coloured lines on the map are the walking routes to the nearest services.",
    },
    "resident_score": {"zh": "您所在街坊的得分：{score}（{band}）", "en": "Your neighbourhood scores {score} ({band})"},
    "resident_nearest": {
        "zh": "最近的{category}：{name}，步行 {minutes} 分钟",
        "en": "Nearest {category}: {name}, {minutes} min walk",
    },
    "resident_none": {"zh": "步行 30 分钟内没有{category}", "en": "No {category} within a 30-minute walk"},
}
STRINGS.update(REPORT_STRINGS)
STRINGS.update(
    {
        "list_sep": {"zh": "、", "en": ", "},
        "clause_sep": {"zh": "；", "en": "; "},
        "comma_sep": {"zh": "，", "en": ", "},
        "names_sep": {"zh": "，", "en": "; "},
        "place_sep": {"zh": "，", "en": " · "},
        "metres_value": {"zh": "{value}米", "en": "{value} m"},
        "minutes_value": {"zh": "{value}分钟", "en": "{value} min"},
    }
)
STRINGS.update(ACCESS_STRINGS)
STRINGS.update(CLI_STRINGS)
STRINGS.update(DATA_STRINGS)
STRINGS.update(TRIAGE_STRINGS)
STRINGS.update(DEMAND_STRINGS)
STRINGS.update(VIEW_STRINGS)
STRINGS.update(MAP_STRINGS)
STRINGS.update(BUILDER_STRINGS)
