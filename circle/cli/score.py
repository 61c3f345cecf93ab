"""``circle score``: score a study's blocks against a standard and print the summary."""

from __future__ import annotations

import argparse
from pathlib import Path

from circle.cli._common import EXIT_OK
from circle.i18n import percent, t


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
    cmd.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run the sub-command; return its exit code."""
    from circle.analysis.assess import score_study
    from circle.study import Study

    result = score_study(Study.open(args.study), args.preset, args.area_file)
    summary, lang = result.summary, args.lang
    print(t("cli_scores_written", lang, path=Path(args.study) / "scores.parquet"))
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
    for key, values in summary.categories.items():
        label = result.labels[key][lang]
        print(t("cli_score_category", lang, label=label, coverage=percent(values.coverage), unserved=values.unserved))
    if summary.not_mapped:
        print(t("cli_not_assessable", lang, categories=", ".join(summary.not_mapped)))
    print(t("cli_renewal_areas", lang, count=summary.renewal_areas))
    return EXIT_OK
