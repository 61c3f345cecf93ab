"""``circle score``: score a study's blocks against a standard and print the summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from circle.cli._common import EXIT_OK
from circle.i18n import percent, t
from circle.study.columns import BLOCK_ID


def add_parser(commands) -> None:
    """Add the sub-command to ``circle``'s sub-commands."""
    cmd = commands.add_parser(
        "score",
        help="score blocks against the standard: pass/fail, tiers, 0–100 score, renewal priority",
        description="Score every block of a study against a standards preset and write scores.parquet, "
        "renewal_areas.parquet and the 'scores' section of summary.json: coverage per category, people "
        "unserved, F15, proximity time, Gini, the worst blocks, ranked renewal priorities with reasons, "
        "E2SFCA where capacities are known, and per-capita green space.",
    )
    cmd.add_argument("--study", required=True, help="a study folder made by `circle analyze`")
    cmd.add_argument("--preset", help="a preset name or YAML file (default: the study's own)")
    cmd.add_argument("--area", dest="area_file", metavar="FILE", help="also summarise this sub-area polygon")
    cmd.add_argument("--lang", choices=["zh", "en"], default="en", help="language of the printed summary")
    cmd.add_argument(
        "--include-flagged",
        action="store_true",
        help="rank blocks whose population is flagged implausible among the priorities too (once their data "
        "is checked); by default they are listed first, to check, and left out",
    )
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    # circle --help must not load the study folder and the measures (pandas, geopandas: 0.6 s)
    from circle.study import Study
    from circle.tasks.score import score
    from circle.words.findings import share_text, web_export_name

    study = Study.open(args.study)
    scored = score(study, args.preset, args.area_file, args.include_flagged)
    written = scored.save()
    result = scored.result
    summary, lang = result.summary, args.lang
    print(t("cli_scores_written", lang, path=Path(args.study) / written.name))
    print_flagged(summary, lang, hint=not args.include_flagged)
    print(
        t(
            "cli_score_line",
            lang,
            population=summary.population,
            f15=percent(summary.F15),
            proximity=summary.proximity_min,
            gini=summary.gini_proximity,
            score=summary.mean_score,
        )
    )
    if summary.tiers:
        shares = ", ".join(f"{tier} min {percent(share)}" for tier, share in summary.tiers.items())
        print(t("cli_score_tiers", lang, shares=shares))
    if summary.categories_within_15 is not None:
        print(t("cli_within_15", lang, mean=summary.categories_within_15, count=len(summary.categories)))
    for key, values in summary.categories.items():
        label = result.labels[key][lang]
        print(category_line(label, values, lang))
        if values.note:
            print("    " + values.note[lang])
        if values.within_min:
            print(t("cli_within_line", lang, shares=" / ".join(percent(v) for v in values.within_min.values())))
    for key, values in (summary.set_apart or {}).items():
        label = result.labels[key][lang]
        print(t("cli_set_apart_category", lang, label=label, coverage=share_text(values, lang)))
    print_completeness(summary, result.labels, lang, web_export_name(study.summary.imports))
    print(t("cli_renewal_areas", lang, count=summary.renewal_areas))
    return EXIT_OK


def category_line(label: str, values, lang: str) -> str:
    """Return a category's coverage line, naming the age group it counts ("covers 40.0% of children aged 3–6")."""
    if values.group:
        total = float(values.group.get("residents", 0.0))
        return t(
            "cli_score_category_group",
            lang,
            label=label,
            coverage=percent(values.coverage),
            group=values.group[lang],
            served=total - values.unserved,
            total=total,
            unserved=values.unserved,
        )
    return t("cli_score_category", lang, label=label, coverage=percent(values.coverage), unserved=values.unserved)


def print_completeness(summary, labels: dict[str, dict[str, str]], lang: str, web_export: str | None = None) -> None:
    """Print the categories left out of the scores, each with the figures behind its verdict, and the fix.

    ``web_export`` names an imported web-map export, which is judged like the map (not taken as complete).
    """
    from circle.words.findings import explain  # circle --help must not load the measures: 0.6 s

    apart = [*summary.likely_incomplete, *summary.not_mapped]
    if not apart or not summary.completeness:
        return
    print(t("dq_title", lang) + _colon(lang))
    print("  " + t("dq_f15_over", lang, count=len(summary.categories)))
    for key in apart:
        print("  " + explain(summary.completeness[key], labels[key][lang], summary.population, lang))
    if web_export:
        print("  " + t("dq_web_export", lang, file=web_export))
    print(t("dq_fix_cli", lang))


def print_flagged(summary, lang: str, hint: bool) -> None:
    """Print the blocks whose population is flagged implausible, before anything else they would lead."""
    if not summary.flagged_blocks:
        return
    print(t("flag_title", lang) + _colon(lang))
    for row in summary.flagged_blocks:
        density = row["density_per_ha"] if row["density_per_ha"] is not None else float("nan")
        flag = t(f"flag_{row['pop_flag']}", lang)
        line = t("flag_row", lang, block=row[BLOCK_ID], population=row["population"], density=density, flag=flag)
        print("  " + line)
    print("  " + t("flag_left_out" if not summary.flagged_in_priorities else "flag_kept_in", lang))
    if hint:
        print(t("flag_cli_hint", lang))


def _colon(lang: str) -> str:
    return "：" if lang == "zh" else ":"
