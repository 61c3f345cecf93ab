"""Every import inside a function says why it is there.

An import belongs at the top of its module unless it saves real start-up
time for a command or a page that does not need it (``circle --help`` must
not load geopandas; the public page must not load the planner's code), or
breaks an import cycle. Such an import carries a comment on its line, or a
comment line directly above it; a comment line above the first of
consecutive imports covers the group. Lint pragmas alone (``# noqa: F401``)
say nothing and do not count.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import textwrap
import tokenize
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "circle"

#: modules whose function-level imports have not been sorted out yet (issue 32): others are changing them now.
#: Each entry leaves this set once its imports are moved to the top or explained;
#: ``test_pending_modules_still_have_unexplained_imports`` says when.
PENDING: set[str] = set()

#: lint pragmas: a comment made only of these explains nothing
PRAGMA = re.compile(
    r"noqa(?::\s*[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*)?"  # the lint pragma, bare or with its codes
    r"|type:\s*ignore(?:\[[^\]]*\])?"  # the type checker's, bare or with its codes
    r"|pragma:\s*no cover"
)

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_IMPORTS = (ast.Import, ast.ImportFrom)


def _comments(source: str) -> tuple[dict[int, str], set[int]]:
    """Return the comments that say something, by line, and the lines that hold only a comment."""
    said: dict[int, str] = {}
    alone: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        if PRAGMA.sub("", token.string.lstrip("#")).strip(" \t#:()"):
            said[line] = token.string
        if not token.line[: token.start[1]].strip():
            alone.add(line)
    return said, alone


def _statement_lists(node: ast.AST):
    """Yield every list of statements inside ``node`` (bodies, else and finally blocks, handlers)."""
    for name in ("body", "orelse", "finalbody"):
        block = getattr(node, name, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            yield block
    for child in ast.iter_child_nodes(node):
        yield from _statement_lists(child)


def unexplained_imports(source: str) -> list[int]:
    """Return the lines of imports inside functions that carry no comment saying why.

    Parameters
    ----------
    source : str
        The text of a Python module.

    Returns
    -------
    list of int
        The first line of each unexplained import, in order.

    Examples
    --------
    >>> unexplained_imports("def f():\\n    import json\\n")
    [2]
    >>> unexplained_imports("def f():\\n    # loaded only to write: json is slow\\n    import json\\n")
    []
    """
    said, alone = _comments(source)
    found: set[int] = set()
    functions = [node for node in ast.walk(ast.parse(source)) if isinstance(node, _FUNCTIONS)]
    for function in functions:
        for block in _statement_lists(function):
            covered = False
            for position, statement in enumerate(block):
                if not isinstance(statement, _IMPORTS):
                    covered = False
                    continue
                first_of_group = position == 0 or not isinstance(block[position - 1], _IMPORTS)
                if first_of_group:
                    above = statement.lineno - 1
                    covered = above in alone and above in said
                own = any(line in said for line in range(statement.lineno, statement.end_lineno + 1))
                if not (own or covered):
                    found.add(statement.lineno)
    return sorted(found)


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _source_line(path: Path, line: int) -> str:
    return path.read_text(encoding="utf-8").splitlines()[line - 1].strip()


def test_every_import_inside_a_function_says_why():
    unexplained = [
        f"{_name(path)}:{line}: {_source_line(path, line)}"
        for path in _modules()
        if _name(path) not in PENDING
        for line in unexplained_imports(path.read_text(encoding="utf-8"))
    ]
    assert not unexplained, (
        "move these imports to the top of their module, or say on the line (or the line above) why they stay "
        "inside (start-up time they save for whom, or the import cycle they break):\n" + "\n".join(unexplained)
    )


def test_pending_modules_still_have_unexplained_imports():
    done = sorted(
        name
        for name in PENDING
        if not (ROOT / name).is_file() or not unexplained_imports((ROOT / name).read_text(encoding="utf-8"))
    )
    assert not done, f"these modules are done (or gone): take them out of PENDING: {done}"


def test_an_uncommented_import_inside_a_function_is_reported():
    source = textwrap.dedent(
        """\
        import os


        def plain():
            import json

            return json


        def explained():
            # loaded only when a PDF is written: reportlab is 0.3 s
            import reportlab
            import reportlab.pdfgen

            import yaml  # import cycle: yaml imports this module

            return reportlab, yaml


        def pragma_only():
            try:
                import httptools  # noqa: F401
            except ImportError:
                pass


        def after_code():
            # the comment covers the group it sits above, not a later import
            import csv

            value = 1
            import shutil

            return csv, shutil, value


        class Outer:
            def method(self):
                class Inner:
                    import zlib

                return Inner
        """
    )
    assert unexplained_imports(source) == [5, 22, 32, 40]


def test_an_explanation_may_sit_on_a_wrapped_import():
    source = "def f():\n    from os.path import (  # loaded only here: the example\n        join,\n    )\n"
    assert unexplained_imports(source) == []


def test_the_command_line_help_loads_no_heavy_library():
    # the imports kept inside the commands' functions exist for this: ``circle --help`` builds every sub-command's
    # parser and must stay quick
    script = (
        "import sys; from circle.cli import build_parser; build_parser(); "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    heavy = {"pandas", "numpy", "geopandas", "shapely", "pyproj", "numba", "scipy", "sqlalchemy", "streamlit"}
    assert not loaded & heavy, f"circle --help loads {sorted(loaded & heavy)}"
