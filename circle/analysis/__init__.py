"""What the reach means: scores, gaps, supply, suggested sites, assessments of scenarios, search.

- :mod:`circle.analysis.scoring`: per-standard coverage, the 0–100 score, proximity time, F15, Gini;
- :mod:`circle.analysis.planning`: gaps and renewal priorities;
- :mod:`circle.analysis.supply`: supply against demand (2SFCA);
- :mod:`circle.analysis.suggest`: sites that would serve the most unserved residents;
- :mod:`circle.analysis.assess`: a study or a scenario scored and saved;
- :mod:`circle.analysis.search`: finding a block or a place by name.
"""
