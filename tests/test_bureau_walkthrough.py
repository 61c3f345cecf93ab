"""The Chinese data page's walk from an AMap export and a census table to a study holds as written.

The section "从高德/百度导出的数据" of ``docs/data/chinese-sources.zh.md`` is
read, its commands run on its example files (``data/examples/bureau/``);
every output line the section quotes must be what the commands print, so the
page cannot drift from the tool.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest

from circle.cli import main

ROOT = Path(__file__).resolve().parents[1]
SECTION = "## 从高德/百度导出的数据"


def walkthrough() -> str:
    """Return the data page's section, up to the next section."""
    text = (ROOT / "docs" / "data" / "chinese-sources.zh.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    return text[start : text.index("\n## ", start + len(SECTION))]


def code_blocks(section: str) -> list[tuple[str, list[str]]]:
    """Return the section's fenced blocks as (language, lines), indented ones included."""
    blocks, language, lines = [], None, []
    for line in section.splitlines():
        fence = line.strip()
        if fence.startswith("```"):
            if language is None:
                language, lines = fence[3:], []
            else:
                blocks.append((language, lines))
                language = None
        elif language is not None:
            lines.append(line.strip())
    return blocks


def commands(section: str) -> list[list[str]]:
    """Return the ``circle`` commands of the section's bash blocks, continuation lines joined."""
    found = []
    for language, lines in code_blocks(section):
        if language != "bash":
            continue
        joined = "\n".join(lines).replace("\\\n", " ")
        for line in joined.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("circle "):
                found.append(shlex.split(line)[1:])
    return found


def quoted_lines(section: str) -> list[str]:
    """Return the output lines the section quotes: plain code blocks, and ``#   `` comments in bash blocks."""
    quoted = []
    for language, lines in code_blocks(section):
        if language == "":
            quoted += [line for line in lines if line]
        elif language == "bash":
            quoted += [line[1:].strip() for line in lines if line.startswith("#   ")]
    return quoted


def appears(quoted: str, output: str) -> bool:
    """Whether each piece of a quoted line between its '…' elisions appears in order in one output line."""
    pieces = [" ".join(p.split()) for p in quoted.split("…") if p.strip()]
    for line in output.splitlines():
        line = " ".join(line.split())
        at = 0
        for piece in pieces:
            at = line.find(piece, at)
            if at < 0:
                break
            at += len(piece)
        else:
            return True
    return False


@pytest.mark.slow
def test_the_readme_walk_from_an_amap_export_and_a_census_table_runs_as_written(tmp_path, capsys):
    section = walkthrough()
    runs = commands(section)
    assert [run[0] for run in runs] == ["analyze", "score", "report"]
    for path in ("高德POI导出_示例.csv", "七普社区表_示例.csv", "社区边界_高德.geojson"):
        assert (ROOT / "data/examples/bureau" / path).is_file(), path
    output = ""
    for run in runs:
        run = [str(tmp_path / Path(arg).name) if arg.startswith(("data/studies/", "reports/")) else arg for arg in run]
        run = [str(ROOT / arg) if arg.startswith("data/examples/") else arg for arg in run]
        assert main(run) == 0, run
        captured = capsys.readouterr()
        output += captured.out + captured.err
    missing = [line for line in quoted_lines(section) if not appears(line, output)]
    assert not missing, f"the data page quotes lines the commands do not print: {missing}"
    assert (tmp_path / "bureau-zh.pdf").stat().st_size > 10_000
    # the export's parks are points that replaced OSM's park areas: green per resident is unknown, not 0 m²
    green = json.loads((tmp_path / "bureau" / "summary.json").read_text(encoding="utf-8"))["scores"]["green"]
    assert green["per_capita_m2"] is None and green["meets_standard"] is None and "points" in green["note"]
