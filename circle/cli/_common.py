"""What every sub-command shares: exit codes, how numbers are printed, who ran it, how to call circle again."""

from __future__ import annotations

import argparse
import getpass
import shutil
import sys
from pathlib import Path

from circle.deploy.config import load_deployment

EXIT_OK = 0
EXIT_UNEXPECTED = 1
EXIT_BAD_INPUT = 2

#: the flag of each input a library error may be about (:attr:`circle.errors.CircleError.about`)
FLAGS = {
    "source": "SOURCE",
    "place": "--place",
    "out": "--out",
    "overwrite": "--overwrite",
    "bbox": "--bbox",
    "area_file": "--area",
    "area_crs": "--area-crs",
    "blocks_file": "--blocks",
    "blocks_crs": "--blocks-crs",
    "block_id_column": "--block-id-column",
    "population_column": "--population-column",
    "census_file": "--population",
    "population_crs": "--population-crs",
    "census_column": "--census-column",
    "census_table": "--census-table",
    "census_table_columns": "--census-table-columns",
    "admin_file": "--admin",
    "admin_name_column": "--admin-name-column",
    "admin_code_column": "--admin-code-column",
    "population_total": "--population-total",
    "facilities_file": "--facilities",
    "facilities_crs": "--facilities-crs",
    "facilities_mode": "--facilities-mode",
    "facilities_columns": "--facilities-columns",
    "facilities_mapping": "--facilities-mapping",
    "preset": "--preset",
    "minutes": "--minutes",
    "lat": "--lat",
    "lon": "--lon",
    "block": "--block",
    "lang": "--lang",
    "scheduler": "--scheduler",
    "changes": "--add/--remove/--move/--close",
    "closures_file": "--close",
    "closures_crs": "--close-crs",
    "closure": "--close/--close-steps",
    "compare": "OLD NEW",
    "indicator_set": "--set",
    "sites": "--sites",
    "scenario": "--scenario",
    "study": "circle analyze --out DIR --overwrite",
}


def with_flags(error: Exception) -> str:
    """Return a library error's message with the flags of the inputs it is about, e.g. ``… (--bbox, --area)``."""
    flags = [FLAGS[name] for name in getattr(error, "about", ()) if name in FLAGS]
    message = str(error)
    return f"{message} [{', '.join(flags)}]" if flags else message


def cli_author() -> str:
    """Name a scenario saved from the command line by the system account that ran it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in the environment nor in the password database
        return "cli"


def circle_command() -> str:
    """Return how the user can call circle again: bare if on PATH, else the .venv path."""
    return beside_python("circle")


def beside_python(program: str) -> str:
    """Return how to call a program installed beside this Python: bare if on PATH, else its (relative) path."""
    beside = Path(sys.executable).parent / program
    on_path = shutil.which(program)
    if not beside.exists() or (on_path and Path(on_path).resolve() == beside.resolve()):
        return program
    try:
        return str(beside.relative_to(Path.cwd()))
    except ValueError:
        return str(beside)


def deployment_of(args: argparse.Namespace):
    """Return the deployment settings ``--config`` names (default: ``CIRCLE_CONFIG`` or the repository's)."""
    return load_deployment(Path(args.config) if args.config else None)
