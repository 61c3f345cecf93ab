"""circle: a 15-minute living-circle accessibility analyzer.

The package is laid out in layers that an import contract checks (the
documentation's architecture page; ``lint-imports``): ``sources`` read,
``prepare`` makes the engine's inputs, ``engine`` computes reach on arrays,
``study`` is the folder format and its vocabulary, ``analysis`` measures,
``pipeline`` builds a study, ``report`` and ``publish`` render, ``tasks`` is
the one home of each whole task (build, score, what-if, suggest, compare,
indicators, walks, report, publish), and ``cli`` and ``ui`` face the user.

The names below are the public API. They are imported when first used, so
``import circle`` stays cheap (the app's public page never loads the engine).

Examples
--------
>>> import circle
>>> "analyze" in circle.__all__ and "Study" in circle.__all__
True
"""

from __future__ import annotations

from circle._lazy import lazy_names

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
    "build": "circle.tasks.build",
    "score": "circle.tasks.score",
    "what_if": "circle.tasks.whatif",
    "suggest": "circle.tasks.suggest",
    "compare": "circle.tasks.compare",
    "indicators": "circle.tasks.indicators",
    "isochrone": "circle.tasks.walks",
    "build_report": "circle.report",
    "load_preset": "circle.standards",
    "load_profile": "circle.standards",
    "WalkNetwork": "circle.prepare.network",
    "CircleError": "circle.errors",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
