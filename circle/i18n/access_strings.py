"""Strings of signing in, roles, server files, the build queue and saved scenarios."""

ACCESS_STRINGS: dict[str, dict[str, str]] = {
    "page_signin": {"zh": "规划师登录", "en": "Planner sign-in"},
    "page_account": {"zh": "账户", "en": "Account"},
    "signin_title": {"zh": "规划师登录", "en": "Sign in as a planner"},
    "signin_intro": {
        "zh": "规划、报告和建立研究区的页面只对规划师开放。居民页面无需登录。",
        "en": "The planner's, report and study-building pages are for planners; the resident page needs no sign-in.",
    },
    "signin_name": {"zh": "账户名", "en": "Account name"},
    "signin_password": {"zh": "密码", "en": "Password"},
    "signin_go": {"zh": "登录", "en": "Sign in"},
    "signin_refused": {"zh": "账户名或密码不正确。", "en": "The account name or the password is wrong."},
    "signin_wait": {
        "zh": "登录尝试过多：此次未核对密码。请 {seconds} 秒后再试。",
        "en": "Too many refused sign-ins: this one was not checked. Try again in {seconds} s.",
    },
    "signin_oidc": {"zh": "用单位账户登录", "en": "Sign in with the bureau's account"},
    "signin_oidc_not_planner": {
        "zh": "{email} 已登录，但不是规划师账户。请联系管理员。",
        "en": "{email} is signed in but is not a planner's account. Ask the administrator.",
    },
    "signin_none_configured": {
        "zh": "此服务器还没有规划师账户。管理员可在服务器上运行 `circle users add 账户名` 添加。",
        "en": "This server has no planner accounts yet. The administrator adds one on the server with "
        "`circle users add NAME`.",
    },
    "signin_expired": {"zh": "登录已过期，请重新登录。", "en": "Your sign-in has expired; sign in again."},
    "signin_as": {"zh": "已登录：{name}（{role}）", "en": "Signed in as {name} ({role})"},
    "signout": {"zh": "退出登录", "en": "Sign out"},
    "signed_out": {"zh": "已退出登录。", "en": "You have signed out."},
    "role_planner": {"zh": "规划师", "en": "planner"},
    "role_admin": {"zh": "管理员", "en": "administrator"},
    "no_public_study": {
        "zh": "这里还没有对公众开放的研究区。",
        "en": "No study is open to the public here yet.",
    },
    "study_unavailable": {
        "zh": "这个研究区暂时无法显示，请稍后再试。",
        "en": "This study cannot be shown just now; please try again later.",
    },
    "misconfigured": {
        "zh": "服务器设置有误，暂时无法使用。管理员可在服务器日志中查看原因。",
        "en": "The server is misconfigured and cannot serve this page; the administrator's log says why.",
    },
    "server_path_help": {
        "zh": "只能使用数据文件夹中的文件：{folders}",
        "en": "Only files inside the data folders: {folders}",
    },
    "server_path_none": {
        "zh": "此服务器没有设置数据文件夹，请上传文件。",
        "en": "This server has no data folders; upload the file.",
    },
    "quota_exceeded": {
        "zh": "24 小时内您已上传 {used} MB，上限为 {quota} MB。请稍后再试或联系管理员。",
        "en": "You have uploaded {used} MB in 24 hours; the limit is {quota} MB. Try later or ask the administrator.",
    },
    "build_queued": {
        "zh": "正在排队：您是第 {position} 位（同时最多建立 {slots} 个研究区）。",
        "en": "Waiting in the queue: you are number {position} ({slots} build(s) at a time).",
    },
    "saved_scenarios": {"zh": "已保存的情景", "en": "Saved scenarios"},
    "scenario_row": {"zh": "{name} · {author} · {created}", "en": "{name} · {author} · {created}"},
    "scenario_delete": {"zh": "删除", "en": "Delete"},
    "scenario_deleted": {"zh": "情景 {name} 已删除。", "en": "Scenario {name} deleted."},
    "scenario_not_yours": {
        "zh": "情景 {name} 由 {author} 保存；只有其作者或管理员可以修改或删除。",
        "en": "Scenario {name} was saved by {author}; only its author or an administrator may change or delete it.",
    },
    "no_scenarios": {"zh": "还没有保存的情景。", "en": "No saved scenarios yet."},
    "unknown_author": {"zh": "未记录", "en": "not recorded"},
}
