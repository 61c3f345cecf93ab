"""circle: a 15-minute living-circle accessibility analyzer.

The package is laid out by the stages data flows through (see the README's
architecture section): ``sources`` read, ``build`` makes the study inputs,
``engine`` computes reach, ``study`` is the folder format, ``analysis``
scores and plans, ``pipeline`` runs it all, and ``cli``, ``ui`` and
``report`` face the user.

The names below are the public API. They are imported when first used, so
``import circle`` stays cheap (the app's public page never loads the engine).

Examples
--------
>>> import circle
>>> "analyze" in circle.__all__ and "Study" in circle.__all__
True
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name → the module that defines it
_PUBLIC = {
    "AnalysisOptions": "circle.pipeline",
    "AnalysisResult": "circle.pipeline",
    "analyze": "circle.pipeline",
    "prepare_inputs": "circle.pipeline",
    "Study": "circle.study",
    "write_study": "circle.study",
    "StudySummary": "circle.study.summary",
    "ScoreSummary": "circle.study.summary",
    "read_summary": "circle.study.summary",
    "Change": "circle.study.scenarios",
    "ScenarioEngine": "circle.engine.whatif",
    "ReachProblem": "circle.engine",
    "get_backend": "circle.engine",
    "point_isochrone": "circle.analysis.walks",
    "block_isochrone": "circle.analysis.walks",
    "compute_scores": "circle.analysis.assess",
    "score_study": "circle.analysis.assess",
    "run_whatif": "circle.analysis.assess",
    "run_suggest": "circle.analysis.assess",
    "build_report": "circle.report",
    "load_preset": "circle.standards",
    "load_profile": "circle.standards",
    "WalkNetwork": "circle.prepare.network",
    "CircleError": "circle.errors",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    """Import a public name's module when the name is first used."""
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'circle' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
