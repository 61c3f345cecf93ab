"""The speed and scale harness (run as ``python benchmarks/run.py``)."""
