"""Strings of residents' reports: the planner's triage page and the report's "Residents' reports" section."""

TRIAGE_STRINGS: dict[str, dict[str, str]] = {
    "page_triage": {"zh": "居民反映", "en": "Residents' reports"},
    "triage_title": {"zh": "居民反映处理", "en": "Residents' reports: triage"},
    "triage_intro": {
        "zh": "居民在公开页面上反映的设施缺失、关闭、有误和道路不通。采纳一条即在方案中作相应修改并重新计算；"
        "不采纳须写明理由。每项决定都记入审计日志。",
        "en": "What residents reported from the published site: facilities missing, closed or wrong, and paths "
        "blocked. Accepting one makes the change in a scenario and computes it; rejecting one needs a reason. "
        "Every decision goes to the audit log.",
    },
    "triage_none": {
        "zh": "研究区“{study}”还没有居民反映。",
        "en": "No resident has reported anything about study “{study}” yet.",
    },
    "triage_filtered_none": {"zh": "没有符合筛选条件的反映。", "en": "No report matches the filters."},
    "triage_count": {
        "zh": "共 {total} 条，显示 {shown} 条（待处理 {new} 条）。",
        "en": "{total} reports, {shown} shown ({new} still open).",
    },
    "triage_filter_status": {"zh": "处理状态", "en": "Status"},
    "triage_filter_kind": {"zh": "反映类型", "en": "Kind"},
    "triage_filter_category": {"zh": "设施类别", "en": "Category"},
    "triage_filter_community": {"zh": "社区", "en": "Community"},
    "triage_filter_block": {"zh": "街坊", "en": "Block"},
    "triage_filter_all": {"zh": "全部", "en": "All"},
    "triage_kind_missing": {"zh": "缺少设施", "en": "Facility missing"},
    "triage_kind_closed": {"zh": "设施已关闭", "en": "Facility closed"},
    "triage_kind_wrong": {"zh": "设施信息有误", "en": "Facility wrong"},
    "triage_kind_blocked_path": {"zh": "道路不通", "en": "Path blocked"},
    "triage_status_new": {"zh": "待处理", "en": "Open"},
    "triage_status_accepted": {"zh": "已采纳", "en": "Accepted"},
    "triage_status_rejected": {"zh": "未采纳", "en": "Rejected"},
    "triage_no_category": {"zh": "未注明", "en": "not given"},
    "triage_no_place": {"zh": "不在任何街坊内", "en": "in no block"},
    "triage_no_community": {"zh": "未划入社区", "en": "in no community"},
    "triage_legend": {"zh": "图例（按反映类型着色）", "en": "Legend (pins coloured by kind)"},
    "triage_layer": {"zh": "居民反映", "en": "Residents' reports"},
    "triage_col_number": {"zh": "编号", "en": "No."},
    "triage_col_date": {"zh": "日期", "en": "Date"},
    "triage_col_kind": {"zh": "类型", "en": "Kind"},
    "triage_col_category": {"zh": "设施类别", "en": "Category"},
    "triage_col_place": {"zh": "位置", "en": "Place"},
    "triage_col_status": {"zh": "状态", "en": "Status"},
    "triage_col_scenario": {"zh": "方案", "en": "Scenario"},
    "triage_col_text": {"zh": "内容", "en": "Text"},
    "triage_pick": {"zh": "选择一条反映", "en": "Choose a report"},
    "triage_pick_row": {"zh": "第 {number} 号 · {kind} · {date}", "en": "No. {number} · {kind} · {date}"},
    "triage_report_title": {"zh": "第 {number} 号反映", "en": "Report no. {number}"},
    "triage_field_kind": {"zh": "类型", "en": "Kind"},
    "triage_field_category": {"zh": "设施类别", "en": "Category"},
    "triage_field_block": {"zh": "街坊", "en": "Block"},
    "triage_field_date": {"zh": "提交时间（UTC）", "en": "Sent (UTC)"},
    "triage_field_pin": {"zh": "位置（WGS-84）", "en": "Pin (WGS-84)"},
    "triage_field_text": {"zh": "居民原话（纯文本）", "en": "The resident's words (plain text)"},
    "triage_field_contact": {"zh": "联系方式（仅规划师可见）", "en": "Contact (planners only)"},
    "triage_field_no_contact": {"zh": "未留联系方式", "en": "no contact given"},
    "triage_field_decision": {
        "zh": "{status}：{by}，{at}",
        "en": "{status} by {by}, {at}",
    },
    "triage_field_reason": {"zh": "理由：{reason}", "en": "Reason: {reason}"},
    "triage_field_scenario": {"zh": "已纳入方案“{scenario}”", "en": "Taken into scenario “{scenario}”"},
    "triage_proposal_remove": {
        "zh": "采纳即在方案中移除距离图钉最近的{category}：{name}（{distance:.0f} 米）。",
        "en": "Accepting removes the {category} nearest the pin from the scenario: {name} ({distance:.0f} m).",
    },
    "triage_proposal_add": {
        "zh": "采纳即在方案中于图钉处新增一处{category}。",
        "en": "Accepting adds a {category} at the pin in the scenario.",
    },
    "triage_proposal_close": {
        "zh": "采纳即在方案中封闭图钉周围 {radius:.0f} 米内的步行路段（{segments} 段）。",
        "en": "Accepting closes the walking segments within {radius:.0f} m of the pin in the scenario ({segments}).",
    },
    "triage_none_near": {
        "zh": "图钉周围 {radius:.0f} 米内没有{category}，没有可移除的设施。可改为在图钉处新增一处，或不作修改。",
        "en": "No {category} lies within {radius:.0f} m of the pin: there is nothing to remove. You may add one at "
        "the pin instead, or make no change.",
    },
    "triage_no_category_to_add": {
        "zh": "该反映未注明设施类别，无法新增设施；可不作修改而采纳，或不采纳。",
        "en": "The report names no category, so no facility can be added; accept it without a change, or reject it.",
    },
    "triage_no_segment": {
        "zh": "图钉周围 {radius:.0f} 米内没有步行路段，无可封闭之处；可不作修改而采纳，或不采纳。",
        "en": "No walking segment lies within {radius:.0f} m of the pin, so nothing can be closed; accept it "
        "without a change, or reject it.",
    },
    "triage_choice_change": {"zh": "采纳时的修改", "en": "Change made on accepting"},
    "triage_choice_add_instead": {"zh": "在图钉处新增设施", "en": "Add a facility at the pin"},
    "triage_choice_nothing": {"zh": "不作修改（仅标记为已采纳）", "en": "No change (only mark it accepted)"},
    "triage_choice_proposed": {"zh": "上述修改", "en": "The change above"},
    "triage_scenario_pick": {"zh": "纳入方案", "en": "Scenario to take it into"},
    "triage_scenario_new": {"zh": "新方案……", "en": "A new scenario…"},
    "triage_scenario_name": {"zh": "新方案名称", "en": "New scenario's name"},
    "triage_accept": {"zh": "采纳", "en": "Accept"},
    "triage_reject_reason": {"zh": "不采纳的理由（必填）", "en": "Reason for rejecting (required)"},
    "triage_reject": {"zh": "不采纳", "en": "Reject"},
    "triage_reason_needed": {
        "zh": "不采纳须写明理由，以便核对居民所说。",
        "en": "Rejecting needs a reason, so what the resident said can be checked against it.",
    },
    "triage_accepted": {
        "zh": "已采纳第 {number} 号反映，纳入方案“{scenario}”并重新计算。",
        "en": "Report no. {number} accepted into scenario “{scenario}”, computed and saved.",
    },
    "triage_accepted_plain": {
        "zh": "已采纳第 {number} 号反映（未作修改）。",
        "en": "Report no. {number} accepted (no change made).",
    },
    "triage_rejected": {"zh": "第 {number} 号反映未采纳。", "en": "Report no. {number} rejected."},
    "triage_scenarios": {"zh": "由居民反映而来的方案", "en": "Scenarios from residents' reports"},
    "triage_scenario_row": {
        "zh": "方案“{name}”：来自居民反映第 {numbers} 号",
        "en": "Scenario “{name}”: from residents' report {numbers}",
    },
    # for the what-if page's list of saved scenarios (circle/ui/whatif.py)
    "triage_from_reports": {
        "zh": "来自居民反映第 {numbers} 号",
        "en": "from residents' report {numbers}",
    },
    "triage_number": {"zh": "{number}", "en": "#{number}"},
    # the report's section ---------------------------------------------------------------------------
    "rpt_residents_title": {"zh": "{number}、居民反映", "en": "{number}. Residents' reports"},
    "rpt_residents_intro": {
        "zh": "居民通过公开页面反映了 {total} 条意见：已采纳 {accepted} 条，未采纳 {rejected} 条，待处理 {open} 条。"
        "下表按{grouping}统计；居民的原话和联系方式不在报告中列出。",
        "en": "Residents sent {total} reports from the published site: {accepted} accepted, {rejected} rejected, "
        "{open} still open. The table counts them by {grouping}; the residents' own words and contacts are "
        "not printed in the report.",
    },
    "rpt_residents_by_community": {"zh": "社区", "en": "community"},
    "rpt_residents_by_block": {"zh": "街坊", "en": "block"},
    "rpt_residents_place_community": {"zh": "社区", "en": "Community"},
    "rpt_residents_place_block": {"zh": "街坊", "en": "Block"},
    "rpt_residents_total": {"zh": "合计", "en": "Total"},
    "rpt_residents_done": {"zh": "处理情况", "en": "What was done"},
    "rpt_residents_accepted": {
        "zh": "纳入方案“{scenario}”：第 {numbers} 号。",
        "en": "Taken into scenario “{scenario}”: {numbers}.",
    },
    "rpt_residents_accepted_plain": {
        "zh": "已采纳但未作修改：第 {numbers} 号。",
        "en": "Accepted without a change: {numbers}.",
    },
    "rpt_residents_rejected": {"zh": "第 {number} 号未采纳，理由：{reason}", "en": "No. {number} rejected: {reason}"},
    "rpt_residents_open": {"zh": "待处理：第 {numbers} 号。", "en": "Still open: {numbers}."},
    "rpt_residents_none_open": {"zh": "没有待处理的反映。", "en": "No report is still open."},
}
