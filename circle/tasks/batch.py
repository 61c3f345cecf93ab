"""Many studies, or one city in tiles, built on Dask and merged into one study each (``circle batch``)."""

from __future__ import annotations

from circle.pipeline.batch import REPORT, run_batch
from circle.pipeline.batch_plan import read_batch_file

__all__ = ["REPORT", "read_batch_file", "run_batch"]
