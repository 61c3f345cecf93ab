"""One vocabulary for the study folder: no module outside ``circle/study/`` types out a study file or column name.

The study folder's file names (:mod:`circle.study.files`), its column names
(:mod:`circle.study.columns`) and the comparison folder's format
(:mod:`circle.study.comparison`) are defined once. This test parses every
other module of ``circle/`` and fails, naming ``file:line``, on

- an f-string, a string sum or a suffix test that builds or matches a per-category column (``{x}_t1``,
  ``{x}_t{r}``, ``{x}_n{m}``, ``{x}_id1``, ``{x}_status``, ``minutes_{x}``,
  ``pass_{x}``, ``shortfall_{x}``, ``e2sfca_{x}``);
- a string literal that is a study-folder file name (``"blocks.parquet"``,
  ``"summary.json"``, ``"network/nodes.parquet"`` …), alone or as a piece of
  an f-string, or a study-folder folder name joined into a path (``path / "scenarios"``);
- the literal ``"block_id"`` or ``"facility_id"``, or either as a keyword of
  ``DataFrame.assign`` (``frame.assign(block_id=…)``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "circle"
VOCABULARY_HOME = PACKAGE / "study"

#: Files this checker skips for now, each with the reason (none left: every room takes the study's names from
#: circle.study.columns / circle.study.files / circle.study.comparison).
PENDING: set[str] = set()

#: Strings equal to a study name that name something else there, and must not follow the study's name if it changed.
NOT_STUDY_NAMES = {
    # the residents' reports' database column and form field ``block_id``: the schema migration 0002 made
    # (migrations are frozen history), the table that mirrors it, and the report record written into it
    "deploy/migrations/": frozenset({"block_id"}),
    "deploy/db.py": frozenset({"block_id"}),
    "deploy/reports.py": frozenset({"block_id"}),
    # the public server's report form and its JSON field, which write that column
    "deploy/_reports_api.py": frozenset({"block_id"}),
    # the tiled build's own list of parts (in its work folder), not a study's manifest
    "pipeline/batch.py": frozenset({"manifest.json"}),
}

#: every file name of the study folder, of a saved scenario and of the comparison folder
STUDY_FILE_NAMES = frozenset(
    {
        "blocks.parquet",
        "facilities.parquet",
        "nodes.parquet",
        "edges.parquet",
        "network/nodes.parquet",
        "network/edges.parquet",
        "access/blocks.parquet",
        "access/facilities.parquet",
        "summary.json",
        "manifest.json",
        "study.gpkg",
        "scores.parquet",
        "renewal_areas.parquet",
        "scenario.json",
        "closed.parquet",
        "vanished.parquet",
    }
)

# a study file name as a piece of a path typed in an f-string: f"{folder}/summary.json"
_FILE_IN_PATH = re.compile(r"(^|/)(" + "|".join(map(re.escape, sorted(STUDY_FILE_NAMES))) + r")($|/)")

#: the study folder's folders, flagged where a path is joined with them (elsewhere the words mean other things)
STUDY_FOLDER_NAMES = frozenset({"network", "access", "scenarios", "suggestions"})

STUDY_ID_COLUMNS = frozenset({"block_id", "facility_id"})

# An f-string is reduced to its text with every ``{…}`` as ``{}``; these shapes are per-category study columns.
_HOLE = r"\{\}"
_BUILT_COLUMN = re.compile(
    rf"{_HOLE}_(t|n)(\d+|{_HOLE})"  # {c}_t1, {c}_t{rank}, {c}_n15, {c}_n{minutes}
    rf"|{_HOLE}_id1"
    rf"|{_HOLE}_status\b"
    rf"|\b(minutes|pass|shortfall|e2sfca)_{_HOLE}"
)
# the pieces of a column built by ``+`` or matched by ``endswith``: ``c + "_t1"``, ``"minutes_" + c``
_COLUMN_PIECE = re.compile(r"_(t|n)\d+|_id1|_status|(minutes|pass|shortfall|e2sfca)_")


@dataclass(frozen=True)
class Violation:
    """One hand-typed study name: where, and what."""

    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _template(node: ast.JoinedStr) -> str:
    """The f-string's text with every replacement field as ``{}``."""
    return "".join(
        part.value if isinstance(part, ast.Constant) and isinstance(part.value, str) else "{}" for part in node.values
    )


def _docstrings(tree: ast.AST) -> set[int]:
    """The ids of the string constants that are docstrings (prose, not names)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def find_violations(source: str, path: str = "<source>", allowed: frozenset[str] = frozenset()) -> list[Violation]:
    """Return the hand-typed study names in one module's source.

    Parameters
    ----------
    source : str
        The module's text.
    path : str
        How to name the module in the findings.
    allowed : frozenset of str
        String literals that name something else in this module (see :data:`NOT_STUDY_NAMES`).
    """
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    in_fstring = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            template = _template(node)
            if _BUILT_COLUMN.search(template):
                found.append(Violation(path, node.lineno, f"builds a study column by hand: f{template!r}"))
            for part in node.values:
                if isinstance(part, ast.Constant) and isinstance(part.value, str) and _FILE_IN_PATH.search(part.value):
                    found.append(Violation(path, node.lineno, f"types out a study file name: f{template!r}"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "assign":
            for keyword in node.keywords:
                if keyword.arg in STUDY_ID_COLUMNS and keyword.arg not in allowed:
                    found.append(Violation(path, node.lineno, f"types out a study column: assign({keyword.arg}=…)"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and side.value in STUDY_FOLDER_NAMES and side.value not in allowed:
                    found.append(Violation(path, node.lineno, f"types out a study folder name: / {side.value!r}"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and id(node) not in in_fstring
        ):
            if node.value in allowed:
                continue
            if _COLUMN_PIECE.fullmatch(node.value):
                found.append(Violation(path, node.lineno, f"builds a study column by hand: {node.value!r}"))
            elif node.value in STUDY_FILE_NAMES:
                found.append(Violation(path, node.lineno, f"types out a study file name: {node.value!r}"))
            elif node.value in STUDY_ID_COLUMNS:
                found.append(Violation(path, node.lineno, f"types out a study column: {node.value!r}"))
    return sorted(found, key=lambda v: v.line)


def _checked_modules() -> list[Path]:
    return sorted(
        p
        for p in PACKAGE.rglob("*.py")
        if not p.is_relative_to(VOCABULARY_HOME) and not _relative(p).startswith(tuple(PENDING))
    )


def _relative(path: Path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def test_no_module_outside_study_types_out_a_study_name():
    """Every study file and column name outside circle/study/ comes from circle.study's vocabulary."""
    found = []
    for path in _checked_modules():
        relative = _relative(path)
        allowed = frozenset().union(*(names for where, names in NOT_STUDY_NAMES.items() if relative.startswith(where)))
        found += find_violations(path.read_text(encoding="utf-8"), f"circle/{relative}", allowed)
    assert not found, "use circle.study.columns / files / comparison instead:\n" + "\n".join(map(str, found))


def test_skipped_files_exist():
    """Each skipped or allowed entry still names a file or folder (a renamed one must leave the lists)."""
    entries = [*PENDING, *NOT_STUDY_NAMES]
    missing = [entry for entry in entries if not (PACKAGE / entry).exists() and entry != "tasks/"]
    assert not missing, f"PENDING or NOT_STUDY_NAMES names what no longer exists: {missing}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('minutes = block[f"{category}_t1"]', "builds a study column by hand"),
        ('column = f"{c}_t{rank}"', "builds a study column by hand"),
        ('column = f"{key}_n{minutes}"', "builds a study column by hand"),
        ('column = f"{c.key}_id1"', "builds a study column by hand"),
        ('column = f"minutes_{c}"', "builds a study column by hand"),
        ('column = f"e2sfca_{c}"', "builds a study column by hand"),
        ('column = f"pass_{c}"', "builds a study column by hand"),
        ('column = f"{key}_status"', "builds a study column by hand"),
        ('column = category + "_t1"', "builds a study column by hand"),
        ('reach = [c for c in columns if c.endswith("_id1")]', "builds a study column by hand"),
        ('path = study.path / "scores.parquet"', "types out a study file name"),
        ('path = folder / "network/edges.parquet"', "types out a study file name"),
        ('path = f"{folder}/summary.json"', "types out a study file name"),
        ('folder = study.path / "scenarios" / name', "types out a study folder name"),
        ('ids = blocks["block_id"]', "types out a study column"),
        ('frame = frame.rename(columns={"id": "facility_id"})', "types out a study column"),
        ("listed = listed.assign(block_id=lambda frame: frame.index)", "types out a study column"),
    ],
)
def test_the_checker_finds_a_hand_typed_name(source, expected):
    """A deliberately introduced violation is reported, with its line."""
    found = find_violations("import numpy\n\n" + source + "\n", "example.py")
    assert len(found) == 1, found
    assert str(found[0]).startswith(f"example.py:3: {expected}")


@pytest.mark.parametrize(
    "source",
    [
        'label = f"{name}_total"',  # not a study column shape
        'title = f"{count} blocks"',
        'path = folder / "site.json"',  # the published site's files are not the study folder's
        'def f():\n    """Reads ``blocks.parquet`` and its ``block_id``."""',  # prose
        "from circle.study.columns import BLOCK_ID\nids = blocks[BLOCK_ID]",
        'key = "block"',
        'table = "scenarios"',  # a database table, not a path
        "frame = frame.assign(rank=[])",
    ],
)
def test_the_checker_passes_vocabulary_use(source):
    """Names taken from circle.study, and strings that are not study names, are not reported."""
    assert find_violations(source) == []


def test_a_name_may_be_allowed_where_it_names_something_else():
    """A database column allowed in a module is not reported there; another study name still is."""
    source = 'sa.Column("block_id", sa.String(80))\npath = folder / "summary.json"\n'
    found = find_violations(source, "db.py", allowed=frozenset({"block_id"}))
    assert [str(v) for v in found] == ["db.py:2: types out a study file name: 'summary.json'"]


@pytest.mark.parametrize("module", ["columns.py", "files.py"])
def test_the_vocabulary_the_lower_rooms_read_imports_nothing(module):
    """circle.study.columns and circle.study.files stay leaves: prepare, sources and the engine may read them."""
    tree = ast.parse((VOCABULARY_HOME / module).read_text(encoding="utf-8"))
    imported = [
        alias.name if isinstance(node, ast.Import) else node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in (node.names if isinstance(node, ast.Import) else node.names[:1])
    ]
    assert [name for name in imported if name != "__future__"] == []
