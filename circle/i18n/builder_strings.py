"""Strings of the new-study page (the study builder) and of Streamlit's and Leaflet.draw's own words."""

from __future__ import annotations

BUILDER_STRINGS: dict[str, dict[str, str]] = {
    "page_new_study": {"zh": "新建研究区", "en": "New study"},
    "new_study_button": {"zh": "➕ 新建研究区", "en": "➕ New study"},
    "new_study_intro": {
        "zh": "选一份 OpenStreetMap 数据（服务器上的文件或上传），定下标准和步行人群，建立后在规划页打开。",
        "en": "Pick OpenStreetMap data (a file on the server, or an upload), choose the standard and the walking "
        "profile; the study opens on the planner page when it is built.",
    },
    "no_study_build": {
        "zh": "还没有研究区：请在“新建研究区”页建立一个。",
        "en": "No study yet: build one on the “New study” page.",
    },
    "new_study_source": {"zh": "OpenStreetMap 数据", "en": "OpenStreetMap data"},
    "server_files": {"zh": "服务器数据文件夹中的文件", "en": "A file in the server's data folders"},
    "server_files_pick": {"zh": "选择一个文件", "en": "Choose a file"},
    "server_file_label": {"zh": "{name}（{size}，{date}）", "en": "{name} ({size}, {date})"},
    "server_files_none": {
        "zh": "数据文件夹（{folders}）中没有 .osm.pbf 或 .osm 文件：请上传，或请管理员把文件放进去。",
        "en": "The data folders ({folders}) hold no .osm.pbf or .osm file: upload one, or ask the administrator "
        "to put it there.",
    },
    "server_files_help": {
        "zh": "列出数据文件夹 {folders} 中的 .osm.pbf 和 .osm 文件。",
        "en": "The .osm.pbf and .osm files in the data folders {folders}.",
    },
    "upload_osm": {"zh": "或上传 .osm.pbf / .osm 文件", "en": "Or upload an .osm.pbf / .osm file"},
    "source_missing": {
        "zh": "请选择数据文件夹中的一个文件，或上传一个 .osm.pbf / .osm 文件。",
        "en": "Choose a file in the data folders, or upload an .osm.pbf / .osm file.",
    },
    "source_both": {
        "zh": "既选了服务器文件又上传了文件：请只保留一个（清空选择，或删除上传的文件）。",
        "en": "A server file is chosen and a file is uploaded: keep one of them (clear the choice, or remove "
        "the upload).",
    },
    "new_study_default_name": {"zh": "新研究区", "en": "new-study"},
    "study_name_taken": {
        "zh": "已有名为“{name}”的研究区：请换一个名称。",
        "en": "A study named “{name}” exists already: choose another name.",
    },
    "build_preset": {"zh": "规划标准", "en": "Planning standard"},
    "preset_desc_gb50180_2018": {
        "zh": "国家标准：居民步行 5、10、15 分钟内应能到达的设施（5 分钟：托幼、便利店；10 分钟：小学、菜市场；"
        "15 分钟：中学、社区医院）。",
        "en": "The national standard: the services residents should reach within a 5, 10 and 15-minute walk "
        "(5: nursery, shop; 10: primary school, market; 15: secondary school, health centre).",
    },
    "preset_desc_tdt1062_2021": {
        "zh": "自然资源部指南：15 分钟社区生活圈与 5–10 分钟邻里生活圈的服务要素。",
        "en": "The natural-resources ministry's guideline: the 15-minute community circle and 5–10-minute "
        "neighbourhood services.",
    },
    "preset_desc_complete_community": {
        "zh": "住建部完整居住社区（试行）：步行范围内的基本公共服务与便民商业。",
        "en": "The housing ministry's complete community (trial): basic public services and daily shops within "
        "walking range.",
    },
    "preset_desc_bruno2024": {
        "zh": "国际研究的包容性 15 分钟城市：八类日常需要，按步行时间计分。",
        "en": "The inclusive 15-minute city of international research: eight daily needs, scored by walking time.",
    },
    "preset_desc_walkscore": {
        "zh": "步行指数式评分：各类设施按距离衰减加权，得出 0–100 分。",
        "en": "A Walk Score-like score: services weighted with distance decay into 0–100.",
    },
    "profile_desc_standard": {
        "zh": "按每秒 1.1 米计，约 15 分钟走 1000 米，与国标的 15 分钟生活圈（800–1000 米）一致。",
        "en": "1.1 m/s: about 1000 m in 15 minutes, as the national standard's 15-minute circle (800–1000 m).",
    },
    "profile_desc_adult": {
        "zh": "按成年人平常的步速每秒 1.31 米计，同样 15 分钟走得更远。",
        "en": "An adult's usual pace, 1.31 m/s: 15 minutes reach farther.",
    },
    "profile_desc_elderly": {
        "zh": "按老年人每秒 0.8 米计，上下台阶更慢：同样 15 分钟约走 700 米，能到达的设施更少。",
        "en": "Older residents at 0.8 m/s, slower on stairs: 15 minutes reach about 700 m, so fewer services.",
    },
    "profile_desc_wheelchair": {
        "zh": "轮椅每秒 0.9 米，不走台阶，陡于 1:12 的坡道不可通行。",
        "en": "A wheelchair at 0.9 m/s, never on steps, and no ramp steeper than 1:12.",
    },
    "build_progress": {"zh": "第 {step}/{steps} 步：{stage}……", "en": "Step {step} of {steps}: {stage}…"},
    "stage_read": {"zh": "读取 OpenStreetMap 数据", "en": "reading the OpenStreetMap data"},
    "stage_blocks": {"zh": "划分居住街坊并估算人口", "en": "finding residential blocks and their residents"},
    "stage_facilities": {"zh": "把设施分到各类别", "en": "sorting facilities into categories"},
    "stage_network": {"zh": "建立步行路网", "en": "building the walking network"},
    "stage_engine": {"zh": "计算步行时间", "en": "computing walking times"},
    "stage_flat": {"zh": "计算平地步行时间以对照地形", "en": "computing flat-ground times to compare with the terrain"},
    "stage_write": {"zh": "写入研究区文件夹", "en": "writing the study folder"},
    "build_opened": {
        "zh": "研究区已建立：{name}，现已在规划页打开。",
        "en": "Study built: {name}; it is open on the planner page.",
    },
    # Streamlit's own words, which it shows in English whatever the page's language
    "choose_option": {"zh": "请选择", "en": "Choose an option"},
    "choose_options": {"zh": "请选择（可多选）", "en": "Choose options"},
    "no_options": {"zh": "没有可选项", "en": "No options to select"},
    "uploader_browse": {"zh": "选择文件", "en": "Browse files"},
    "uploader_limit": {
        "zh": "拖入或选择文件：{types}，每个不超过 {limit} MB",
        "en": "Drag a file here or browse: {types}, at most {limit} MB",
    },
    "scenario_default_name": {"zh": "情景", "en": "scenario"},
}

#: Leaflet.draw's tooltips and toolbar titles (``L.drawLocal``) for the tools the closures use, in Chinese
DRAW_LOCAL_ZH: dict = {
    "draw": {
        "toolbar": {
            "actions": {"title": "取消绘制", "text": "取消"},
            "finish": {"title": "完成绘制", "text": "完成"},
            "undo": {"title": "删除最后一个点", "text": "删除最后一点"},
            "buttons": {
                "polyline": "画一条封闭线（如施工围挡）",
                "polygon": "画一个封闭范围",
                "rectangle": "画一个矩形封闭范围",
                "circle": "画圆",
                "marker": "放置标记",
                "circlemarker": "放置圆点",
            },
        },
        "handlers": {
            "circle": {"tooltip": {"start": "按住并拖动以画圆。"}, "radius": "半径"},
            "circlemarker": {"tooltip": {"start": "在地图上点击以放置圆点。"}},
            "marker": {"tooltip": {"start": "在地图上点击以放置标记。"}},
            "polygon": {
                "tooltip": {
                    "start": "点击开始画范围。",
                    "cont": "点击继续画范围。",
                    "end": "点击第一个点以闭合范围。",
                }
            },
            "polyline": {
                "error": "<strong>错误：</strong>线不能自相交！",
                "tooltip": {
                    "start": "点击开始画线。",
                    "cont": "点击继续画线。",
                    "end": "点击最后一个点以完成。",
                },
            },
            "rectangle": {"tooltip": {"start": "按住并拖动以画矩形。"}},
            "simpleshape": {"tooltip": {"end": "松开鼠标完成绘制。"}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {
                "save": {"title": "保存修改", "text": "保存"},
                "cancel": {"title": "取消编辑，放弃所有修改", "text": "取消"},
                "clearAll": {"title": "清除所有图形", "text": "全部清除"},
            },
            "buttons": {
                "edit": "编辑图形",
                "editDisabled": "没有可编辑的图形",
                "remove": "删除图形",
                "removeDisabled": "没有可删除的图形",
            },
        },
        "handlers": {
            "edit": {"tooltip": {"text": "拖动端点或标记以修改。", "subtext": "点击“取消”放弃修改。"}},
            "remove": {"tooltip": {"text": "点击一个图形将其删除。"}},
        },
    },
}

#: Streamlit's and Leaflet's own words (texts, ``aria-label``, ``title``, ``placeholder``) that no API sets, in
#: Chinese: each is the whole text of a node or an attribute, matched exactly (:mod:`circle.ui.builtin_words`)
BUILTIN_WORDS_ZH: dict[str, str] = {
    # Streamlit's page frame
    "Skip to main content": "跳到主要内容",
    "Sidebar": "侧边栏",
    "Collapse sidebar": "收起侧边栏",
    "Expand sidebar": "展开侧边栏",
    "Main menu": "主菜单",
    "Running...": "正在运行……",
    "Stop": "停止",
    "progress": "进度",
    # choice boxes
    "Open": "展开",
    "Close": "收起",
    "Choose an option": "请选择",
    "Choose options": "请选择（可多选）",
    "No options to select": "没有可选项",
    "No results": "没有匹配项",
    "Clear all": "全部清除",
    "Clear value": "清除",
    "Select all": "全选",
    # number boxes
    "Decrement": "减少",
    "Increment": "增加",
    # tables' toolbar
    "Show/hide columns": "显示/隐藏列",
    "Download as CSV": "下载为 CSV",
    "Search": "搜索",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Clear selection": "清除所选",
    # file boxes (their lines are replaced by our caption; these are the names screen readers read)
    "Upload": "选择文件",
    "Browse files": "选择文件",
    "Remove file": "移除文件",
    "Drag and drop file here": "拖放文件到此处",
    "Only one file is allowed.": "只能上传一个文件。",
    "Error:": "错误：",
    "Add files": "添加文件",
    "File size is too small.": "文件太小。",
    # the map's frame and Leaflet's controls
    "streamlit_folium.st_folium": "地图",
    "Zoom in": "放大",
    "Zoom out": "缩小",
    "Layers": "图层",
    "A JavaScript library for interactive maps": "Leaflet 交互地图库",
}

#: words of Streamlit's that carry a label: (regular expression on the whole text, Chinese with ``$1``)
BUILTIN_PATTERNS_ZH: list[tuple[str, str]] = [
    (r"^Remove (.+)$", "移除 $1"),
    (r"^Help for (.+)$", "“$1”的说明"),
    (r"^Delete (.+)$", "删除 $1"),
    (r"^File must be (.+) or smaller\.$", "文件不能超过 $1。"),  # a file past its box's limit, refused by the browser
    (r"^(.+) files are not allowed\.$", "不接受 $1 类型的文件。"),
]
