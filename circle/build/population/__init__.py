"""Residents per block: estimates from buildings, census and raster allocation, totals and their checks."""

from circle.build.population.counts import CountedSources, recount_merged, count_residents
from circle.build.population.totals import plausibility_flags, population_summary, scale_to_total

__all__ = ["CountedSources", "plausibility_flags", "population_summary", "recount_merged", "count_residents", "scale_to_total"]
