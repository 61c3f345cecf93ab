"""One home for each whole task: what the command line, the planner's app and the report call.

Each task takes a study (:class:`circle.study.Study`) and plain options,
computes with the rooms below (:mod:`circle.pipeline`, :mod:`circle.analysis`,
:mod:`circle.engine`), and returns a result object that knows how to save
itself; the faces (``circle`` commands, the Streamlit pages) only present
results.

- :mod:`circle.tasks.build`: a study from a source (``circle analyze``, the app's new study);
- :mod:`circle.tasks.batch`: many studies, or one city in tiles, on Dask (``circle batch``);
- :mod:`circle.tasks.score`: scores, renewal priorities, supply and green (``circle score``);
- :mod:`circle.tasks.whatif`: facilities added, removed, moved and streets closed (``circle whatif``);
  a saved scenario stores what was computed;
- :mod:`circle.tasks.triage`: a resident's report taken into a scenario;
- :mod:`circle.tasks.suggest`: sites for new facilities (``circle suggest``);
- :mod:`circle.tasks.compare`: two studies of one place (``circle compare``);
- :mod:`circle.tasks.indicators`: the city check-up's indicators (``circle indicators``);
- :mod:`circle.tasks.walks`: isochrones, the facilities a point reaches, routes (``circle isochrone``);
- :mod:`circle.tasks.search`: a block found by what residents call it, in characters or pinyin;
- :mod:`circle.tasks.land`: the offline map's water and green, from the study's own OSM file;
- :mod:`circle.tasks.report`: the PDF gap report (``circle report``);
- :mod:`circle.tasks.publish`: the residents' static site (``circle publish``).
"""
