"""The README and the documentation site stay true to the code.

Every ``circle …`` line in a fenced code block of README.md and docs/**/*.md must parse with the real command-line
parser, so a renamed or removed flag fails here; every script or module path a page names must exist; the
getting-started commands that take seconds are run as shown; and ``mkdocs build --strict`` must pass.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from circle.cli import build_parser, main

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PAGES = sorted([REPO / "README.md", *DOCS.rglob("*.md")])

#: what a command line may start with on a page: the command, a prompt, or the venv's copy
COMMAND_PREFIXES = ("$ circle ", "circle ", ".venv/bin/circle ")
FENCE = re.compile(r"^\s*(```|~~~)")

#: getting-started commands not run here, and why
NOT_RUN = {
    "report": "about half a minute per report; tests/test_report.py builds reports of the same study",
    "users": "asks for a password on the terminal; tests/test_cli.py covers account commands",
    "serve": "starts a server that runs until stopped; tests/test_cli.py checks serve --dry-run",
}


@dataclass(frozen=True)
class DocCommand:
    """One ``circle`` command shown on a page: where, and its arguments after ``circle``."""

    page: Path
    line: int
    args: tuple[str, ...]

    def where(self) -> str:
        return f"{self.page.relative_to(REPO)}:{self.line}: circle {shlex.join(self.args)}"


def fenced_lines(page: Path) -> list[tuple[int, str, str]]:
    """Return (line number, line, the section heading above it) for every line inside a fenced code block.

    A line ending in a backslash is joined with the next, as a shell would.
    """
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, str, str]] = []
    inside = False
    heading = ""
    pending: tuple[int, str] | None = None
    for number, text in enumerate(lines, start=1):
        if FENCE.match(text):
            inside = not inside
            continue
        if not inside:
            if text.startswith("## "):
                heading = text[3:].strip()
            continue
        if pending is not None:
            start, joined = pending
            text = joined + " " + text.strip()
            number = start
            pending = None
        if text.rstrip().endswith("\\"):
            pending = (number, text.rstrip()[:-1])
            continue
        found.append((number, text, heading))
    return found


def page_commands(page: Path, section: str | None = None) -> list[DocCommand]:
    """Return the ``circle`` commands in the fenced blocks of ``page`` (only under a heading starting ``section``)."""
    commands = []
    for number, text, heading in fenced_lines(page):
        if section is not None and not heading.startswith(section):
            continue
        stripped = text.strip()
        prefix = next((p for p in COMMAND_PREFIXES if stripped.startswith(p)), None)
        if prefix is None:
            continue
        words = shlex.split(stripped[len(prefix) :], comments=True)
        assert "&&" not in words and "|" not in words, f"{page}:{number}: one circle command per line, please"
        commands.append(DocCommand(page, number, tuple(words)))
    return commands


ALL_COMMANDS = [command for page in PAGES for command in page_commands(page)]


def test_the_pages_show_commands_at_all():
    pages_with_commands = {command.page for command in ALL_COMMANDS}
    assert REPO / "README.md" in pages_with_commands
    assert DOCS / "getting-started.md" in pages_with_commands
    subcommands = {command.args[0] for command in ALL_COMMANDS}
    assert {"analyze", "score", "whatif", "suggest", "report", "publish", "serve"} <= subcommands


@pytest.mark.parametrize("command", ALL_COMMANDS, ids=lambda c: f"{c.page.relative_to(REPO)}:{c.line}")
def test_every_command_a_page_shows_parses(command: DocCommand, capsys):
    parser = build_parser()
    try:
        parser.parse_args(list(command.args))
    except SystemExit as exit_:
        message = capsys.readouterr().err.strip().splitlines()[-1:]
        pytest.fail(f"{command.where()} does not parse (exit {exit_.code}): {' '.join(message)}")


def test_a_renamed_flag_would_be_caught(tmp_path, capsys):
    page = tmp_path / "page.md"
    page.write_text("```bash\ncircle score --study data/studies/x \\\n    --language zh\n```\n", encoding="utf-8")
    (command,) = page_commands(page)
    assert command.args == ("score", "--study", "data/studies/x", "--language", "zh")
    with pytest.raises(SystemExit):
        build_parser().parse_args(list(command.args))


#: files the pages name by their path in the repository
NAMED_PATH = re.compile(
    r"(?<![\w./-])((?:scripts|benchmarks|fuzz|circle|tests|docs)/[\w./-]*\.(?:sh|py|yaml|csv|md|png))"
)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_script_and_module_a_page_names_exists(page: Path):
    text = page.read_text(encoding="utf-8")
    scripts = re.findall(r"bash (scripts/[\w./-]+\.sh)", text)
    named = NAMED_PATH.findall(text)
    missing = sorted({path for path in [*scripts, *named] if not (REPO / path).is_file()})
    assert not missing, f"{page.relative_to(REPO)} names files that do not exist: {missing}"


def test_the_readme_keeps_its_two_commands_and_attribution():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    # the two commands are the set-up contract: exactly these lines, whatever their comments say
    commands = [line.split("#")[0].strip() for line in text.splitlines() if line.startswith("bash scripts/")]
    assert commands == ["bash scripts/study.sh", "bash scripts/test.sh"]
    assert "© OpenStreetMap contributors" in text and "ODbL" in text
    assert len(text.splitlines()) <= 200, "the README is read in two minutes: move detail into docs/"
    image = re.search(r"!\[[^\]]*\]\((docs/images/[^)]+)\)", text)
    assert image and (REPO / image.group(1)).stat().st_size < 300_000


def test_the_readme_names_every_subcommand():
    parser = build_parser()
    (commands,) = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    text = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [name for name in commands.choices if f"`{name}`" not in text]
    assert not missing, f"the README's command table lacks {missing}"


@pytest.mark.parametrize(
    "page",
    [
        "index",
        "getting-started",
        "guide/planner",
        "guide/resident",
        "data/index",
        "data/chinese-sources",
    ],
)
def test_what_planners_and_residents_read_is_also_in_chinese(page: str):
    chinese = DOCS / f"{page}.zh.md"
    assert chinese.is_file(), f"{chinese.relative_to(REPO)} is missing"
    text = chinese.read_text(encoding="utf-8")
    assert len(re.findall(r"[\u4e00-\u9fff]", text)) > 200, f"{chinese.relative_to(REPO)} is hardly Chinese"


def first_study_commands() -> list[DocCommand]:
    """The getting-started commands of the first study, English first, then those only the Chinese page shows."""
    seen: set[tuple[str, ...]] = set()
    commands = []
    sections = ((DOCS / "getting-started.md", "Your first study"), (DOCS / "getting-started.zh.md", "第一个"))
    for page, section in sections:
        for command in page_commands(page, section):
            if command.args not in seen:
                seen.add(command.args)
                commands.append(command)
    return commands


def test_the_first_study_section_is_found():
    subcommands = [command.args[0] for command in first_study_commands()]
    assert subcommands[0] == "analyze"
    assert {"score", "isochrone", "whatif", "suggest", "compare", "indicators", "publish"} <= set(subcommands)


def written_paths(args: tuple[str, ...]) -> list[str]:
    """Return what a command says it writes: its ``--out``, or a scenario's folder."""
    paths = [args[i + 1] for i, word in enumerate(args[:-1]) if word == "--out"]
    if args[0] == "whatif" and "--name" in args:
        study = args[args.index("--study") + 1]
        paths.append(f"{study}/scenarios/{args[args.index('--name') + 1]}")
    return paths


@pytest.mark.slow
def test_the_getting_started_commands_run_as_shown(tmp_path, monkeypatch, capsys):
    """Run the first-study commands in an empty folder, on the embedded extract the page builds from."""
    monkeypatch.chdir(tmp_path)
    ran = []
    for command in first_study_commands():
        if command.args[0] in NOT_RUN:
            continue
        code = main(list(command.args))
        output = capsys.readouterr()
        assert code == 0, f"{command.where()} exited {code}: {output.err[-2000:]}"
        for path in written_paths(command.args):
            assert (tmp_path / path).exists(), f"{command.where()} did not write {path}"
        ran.append(command.args[0])
    assert {"analyze", "score", "isochrone", "whatif", "suggest", "compare", "indicators", "publish"} <= set(ran)
    assert (tmp_path / "data/sites/chengdu/index.html").is_file()


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path):
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None:
        pytest.skip("mkdocs and mkdocstrings are not installed (requirements.txt installs them)")
    site = tmp_path / "site"
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--site-dir", str(site)],
        cwd=REPO,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (site / "index.html").is_file() and (site / "zh" / "index.html").is_file()
    reference = (site / "reference" / "study" / "index.html").read_text(encoding="utf-8")
    assert "circle.study.folder.Study" in reference, "the API reference was not generated from the docstrings"
    assert ":mod:" not in reference and 'href="#circle.study.folder"' in reference, "Sphinx roles left as text"
