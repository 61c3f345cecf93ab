"""The study folder: one analysis saved on disk, the interchange format between the CLI, the app and the report.

- :mod:`circle.study.folder`: the tables, the manifest, :class:`Study` to open a folder and :func:`write_study`;
- :mod:`circle.study.atomic`: writes under a temporary name, renamed into place when complete;
- :mod:`circle.study.files`: the names of its files and folders (imports nothing);
- :mod:`circle.study.columns`: the names of its columns, the per-category ones made by one helper each
  (imports nothing);
- :mod:`circle.study.comparison`: the comparison folder's format (``circle compare``);
- :mod:`circle.study.summary`: ``summary.json`` as dataclasses, its one writer and one reader;
- :mod:`circle.study.scenarios`: saved what-if scenarios.
"""

from __future__ import annotations

from circle._lazy import lazy_names

#: public name → the module that defines it; imported when first used, so reading the vocabulary
#: (``circle.study.columns``, ``circle.study.files``) loads neither pandas nor the network model
_PUBLIC = {
    "ATTRIBUTION": "circle.study.folder",
    "FORMAT_VERSION": "circle.study.folder",
    "MANIFEST": "circle.study.folder",
    "SUMMARY": "circle.study.folder",
    "Study": "circle.study.folder",
    "StudyTables": "circle.study.folder",
    "json_default": "circle.study.folder",
    "network_from_tables": "circle.study.folder",
    "prepare_destination": "circle.study.folder",
    "study_counts": "circle.study.folder",
    "write_json": "circle.study.folder",
    "write_study": "circle.study.folder",
    "write_table": "circle.study.folder",
    "file_sha256": "circle.files",
}

__all__ = sorted(_PUBLIC)


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)
