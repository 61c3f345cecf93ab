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

from circle.files import file_sha256
from circle.study.folder import (
    ATTRIBUTION,
    FORMAT_VERSION,
    MANIFEST,
    SUMMARY,
    Study,
    StudyTables,
    json_default,
    network_from_tables,
    prepare_destination,
    study_counts,
    write_json,
    write_study,
    write_table,
)

__all__ = [
    "ATTRIBUTION",
    "FORMAT_VERSION",
    "MANIFEST",
    "SUMMARY",
    "Study",
    "StudyTables",
    "file_sha256",
    "json_default",
    "network_from_tables",
    "prepare_destination",
    "study_counts",
    "write_json",
    "write_study",
    "write_table",
]
