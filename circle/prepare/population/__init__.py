"""Residents per block: estimates from buildings, census and raster allocation, totals and their checks."""

from circle.prepare.population.counts import CountedSources, count_residents, recount_merged
from circle.prepare.population.totals import plausibility_flags, population_summary, scale_to_total

__all__ = [
    "CountedSources",
    "count_residents",
    "plausibility_flags",
    "population_summary",
    "recount_merged",
    "scale_to_total",
]
