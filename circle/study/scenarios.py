"""Saved what-if scenarios: ``scenarios/NAME/`` in a study folder (kept when the study is rebuilt).

Each scenario folder holds ``scenario.json`` (its changes, author, the diff
against the baseline, timings, and the numbers of the residents' reports it
acts on, when it came from any), ``blocks.parquet (the reach columns after
the changes) and ``scores.parquet``. A folder is written under a temporary
name and renamed into place, and deleted by renaming it aside first, so a
killed process never leaves half a scenario. Computing one is the engine's
job (:class:`circle.engine.whatif.ScenarioEngine`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from circle.errors import CircleError
from circle.study.atomic import locked, replace_file, replace_folder
from circle.study.files import BLOCKS, CLOSED, SCENARIO, SCENARIOS, SCORES
from circle.study.folder import Study

_NAME = re.compile(r"[A-Za-z0-9\u4e00-\u9fff][A-Za-z0-9_.\-\u4e00-\u9fff]{0,79}")


@dataclass
class Change:
    """One change of a scenario.

    ``add`` (category, lat, lon, name), ``remove`` (facility_id), ``move``
    (both), or ``close``: the walking segments ``geometry`` (a GeoJSON line
    or polygon in WGS-84 degrees) crosses or covers are impassable; with
    ``steps``, only its flights of steps (every flight of the study when
    there is no geometry).
    """

    kind: str
    category: str | None = None
    lat: float | None = None
    lon: float | None = None
    facility_id: str | None = None
    name: str | None = None
    geometry: dict | None = None
    steps: bool = False


def check_name(name: str) -> str:
    """Refuse scenario names that could escape the scenarios folder."""
    if not _NAME.fullmatch(name or ""):
        raise CircleError(
            f"scenario name {name!r} may use letters, digits, Chinese characters, '-', '_' and '.', "
            "must start with a letter or digit, and be at most 80 characters."
        )
    return name


def save_scenario(
    study: Study,
    name: str,
    changes: list[Change],
    blocks: pd.DataFrame,
    scores: pd.DataFrame,
    diff: dict[str, Any],
    timings: dict[str, float],
    author: str | None = None,
    closed=None,
    reports: list[int] | None = None,
) -> Path:
    """Write ``scenarios/NAME/`` atomically (replacing a scenario of the same name).

    ``author`` is who saved it (a planner's name, or ``cli:USER``); it is kept
    in ``scenario.json`` and decides who may replace or delete it in the app.
    ``closed`` (a GeoDataFrame of the segments its closures closed) is kept
    as ``closed.parquet``. ``reports`` are the numbers of the residents'
    reports (:mod:`circle.deploy.reports`) the scenario acts on; kept as
    ``"reports"`` in ``scenario.json`` when there are any.
    """
    check_name(name)
    root = study.path / SCENARIOS

    def write(staging: Path) -> None:
        blocks.to_parquet(staging / BLOCKS, index=False)
        scores.to_parquet(staging / SCORES, index=False)
        if closed is not None:
            closed.to_parquet(staging / CLOSED)
        payload = {
            "name": name,
            "author": author,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "changes": [asdict(c) for c in changes],
            "diff": diff,
            "timings_s": timings,
        }
        if reports:
            payload["reports"] = _report_numbers(reports)
        (staging / SCENARIO).write_text(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    with locked(study.path):  # not while the study is being replaced (its scenarios are carried over then)
        root.mkdir(exist_ok=True)
        return replace_folder(root / name, write)


def _report_numbers(values) -> list[int]:
    """Return report numbers as sorted distinct positive ints, or raise naming the first that is not one."""
    numbers = set()
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise CircleError(f"a resident's report is named by its number (1, 2, …), not {value!r}.")
        numbers.add(int(value))
    return sorted(numbers)


def scenario_reports(description: dict[str, Any]) -> list[int]:
    """Return the numbers of the residents' reports a saved scenario acts on (none for scenarios saved before).

    ``description`` is a ``scenario.json``'s content (:func:`list_scenarios`, :func:`load_scenario`).

    Examples
    --------
    >>> scenario_reports({"name": "a", "reports": [7, 3]}), scenario_reports({"name": "b"})
    ([3, 7], [])
    """
    values = description.get("reports") or []
    return sorted({int(v) for v in values if isinstance(v, int) and not isinstance(v, bool) and v > 0})


def link_reports(study: Study, name: str, reports: list[int]) -> list[int]:
    """Record in saved scenario ``name`` that it acts on the residents' reports ``reports``; return all it acts on.

    The numbers are added to those already kept (a scenario may take in
    several reports); ``scenario.json`` is replaced atomically and nothing
    else of the scenario changes.

    Raises
    ------
    CircleError
        When the study has no such scenario, or a number is not a report's number.
    """
    folder = study.path / SCENARIOS / check_name(name)
    numbers = _report_numbers(reports)
    with locked(study.path), locked(folder):
        path = folder / SCENARIO
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CircleError(f"the study has no scenario {name!r}.", about=("scenario",)) from None
        except (OSError, json.JSONDecodeError) as exc:
            raise CircleError(f"scenario {name!r} has an unreadable scenario.json ({type(exc).__name__}).") from None
        payload["reports"] = _report_numbers([*scenario_reports(payload), *numbers])
        replace_file(path, (json.dumps(payload, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return payload["reports"]


def list_scenarios(study: Study) -> list[dict[str, Any]]:
    """Return the saved scenarios' ``scenario.json`` contents, by name."""
    root = study.path / SCENARIOS
    if not root.is_dir():
        return []
    found = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            found.append(json.loads((folder / SCENARIO).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return found


def scenario_author(study: Study, name: str) -> str | None:
    """Return who saved scenario ``name`` (None when no one is recorded); raise when there is none."""
    folder = study.path / SCENARIOS / check_name(name)
    try:
        payload = json.loads((folder / SCENARIO).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CircleError(f"the study has no scenario {name!r}.") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise CircleError(f"scenario {name!r} has an unreadable scenario.json ({type(exc).__name__}).") from None
    author = payload.get("author")
    return str(author) if author else None


def scenario_exists(study: Study, name: str) -> bool:
    """Whether the study holds a saved scenario called ``name``."""
    return (study.path / SCENARIOS / check_name(name) / SCENARIO).is_file()


def load_scenario(study: Study, name: str) -> tuple[dict[str, Any], pd.DataFrame]:
    """Return a saved scenario's description and its blocks."""
    folder = study.path / SCENARIOS / check_name(name)
    if not (folder / SCENARIO).is_file():
        raise CircleError(f"the study has no scenario {name!r}.", about=("scenario",))
    return json.loads((folder / SCENARIO).read_text(encoding="utf-8")), pd.read_parquet(folder / BLOCKS)


def load_closed(study: Study, name: str):
    """Return the segments a saved scenario closed (a GeoDataFrame in WGS-84), or None when it closed none."""
    path = study.path / SCENARIOS / check_name(name) / CLOSED
    return gpd.read_parquet(path) if path.is_file() else None


def delete_scenario(study: Study, name: str) -> None:
    """Delete a saved scenario (renamed aside first, so a killed delete never leaves half of one)."""
    folder = study.path / SCENARIOS / check_name(name)
    if not folder.is_dir():
        raise CircleError(f"the study has no scenario {name!r}.")
    with locked(study.path), locked(folder):
        retired = folder.parent / f".{folder.name}.del-{uuid.uuid4().hex[:8]}"
        folder.rename(retired)
        shutil.rmtree(retired, ignore_errors=True)
