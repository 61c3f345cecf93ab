"""Reading what users bring, checked before any work and converted to WGS-84.

OpenStreetMap extracts, facility lists and POI exports, polygon layers,
census tables, rasters and elevation: see each module.
"""
