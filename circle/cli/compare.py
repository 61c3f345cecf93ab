"""``circle compare``: what changed between two studies of the same place, block by block."""

from __future__ import annotations

import argparse

from circle.cli._common import EXIT_OK
from circle.i18n import percent


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "compare",
        help="compare two studies of the same place (two data years, or a baseline and a plan)",
        description="Match the blocks of OLD and NEW (by id, else by overlap), score both under the same "
        "preset and write a comparison folder: per-block changes of times, tiers and score, who is newly "
        "served and who no longer is per category, blocks that appeared or vanished, and a summary. OLD and "
        "NEW are study folders or saved scenarios (STUDY/scenarios/NAME). Open the folder in the app's "
        "planner page, or add it to a report with `circle report --compare DIR`.",
    )
    cmd.add_argument("old", metavar="OLD", help="the earlier study (or baseline) folder")
    cmd.add_argument("new", metavar="NEW", help="the later study, or a scenario folder STUDY/scenarios/NAME")
    cmd.add_argument("--out", required=True, help="the comparison folder to write (replaces an earlier comparison)")
    cmd.add_argument("--preset", help="score both with this preset (default: NEW's)")
    cmd.add_argument("--lang", choices=("zh", "en"), default="en", help="language of the printed summary")
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    from circle.tasks.compare import compare  # circle --help must not load the study folder and geopandas: 0.6 s

    summary = compare(args.old, args.new, args.out, preset=args.preset).summary
    zh = args.lang == "zh"
    blocks, residents = summary["blocks"], summary["residents"]
    if zh:
        print(f"比较结果已写入 {args.out}（{summary['old']['label']} → {summary['new']['label']}）")
        print(
            f"  街坊：按编号匹配 {blocks['matched_by_id']:,} 个，按重叠匹配 {blocks['matched_by_overlap']:,} 个，"
            f"新出现 {blocks['appeared']:,} 个（{residents['appeared']:,.0f} 人），"
            f"消失 {blocks['vanished']:,} 个（{residents['vanished']:,.0f} 人）"
        )
    else:
        print(f"Comparison written to {args.out} ({summary['old']['label']} → {summary['new']['label']})")
        print(
            f"  blocks: {blocks['matched_by_id']:,} matched by id, {blocks['matched_by_overlap']:,} by overlap, "
            f"{blocks['appeared']:,} appeared ({residents['appeared']:,.0f} residents), "
            f"{blocks['vanished']:,} vanished ({residents['vanished']:,.0f} residents)"
        )
    for key, figures in summary["categories"].items():
        label = summary["labels"][key]["zh" if zh else "en"]
        if figures.get("group"):  # its figures count the age group it serves
            label += f"（{figures['group']['zh']}）" if zh else f" ({figures['group']['en']})"
        for side, note in (figures.get("notes") or {}).items():
            print(f"  {side}: {note['zh' if zh else 'en']}")
        if zh:
            print(
                f"  {label}：覆盖 {percent(figures['coverage_old'])} → {percent(figures['coverage_new'])}，"
                f"新增覆盖 {figures['newly_served']:,.0f} 人，失去覆盖 {figures['no_longer_served']:,.0f} 人"
            )
        else:
            print(
                f"  {label}: coverage {percent(figures['coverage_old'])} → {percent(figures['coverage_new'])}, "
                f"+{figures['newly_served']:,.0f} newly served, -{figures['no_longer_served']:,.0f} no longer served"
            )
    measures = summary["measures"]
    f15 = measures["F15"]
    within = measures.get("categories_within_15") or {}
    proximity = measures["proximity_min"]
    if zh:
        print(
            f"  F15 {percent(f15['old'])} → {percent(f15['new'])}；每位居民15分钟内可达类别 "
            f"{within.get('old')} → {within.get('new')}；平均步行时间 {proximity['old']} → {proximity['new']} 分钟"
        )
    else:
        print(
            f"  F15 {percent(f15['old'])} → {percent(f15['new'])}; categories within 15 min per resident "
            f"{within.get('old')} → {within.get('new')}; proximity time {proximity['old']} → {proximity['new']} min"
        )
    return EXIT_OK
