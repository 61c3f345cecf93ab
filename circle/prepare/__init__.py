"""Study inputs prepared from the sources: the walking network, blocks, population, facilities, access points, terrain.

Each module turns what :mod:`circle.sources` read into one input of the
analysis, in the study's projected metres:

- :mod:`circle.prepare.network`: the walking graph (model, building, costing, snapping);
- :mod:`circle.prepare.blocks`: residential blocks (compounds, land use, street blocks);
- :mod:`circle.prepare.population`: residents per block (buildings, census, rasters, totals);
- :mod:`circle.prepare.facilities`: points of interest sorted into a preset's categories;
- :mod:`circle.prepare.access_points`: where a block or a facility meets the network;
- :mod:`circle.prepare.terrain`: slope-aware walking times from a DEM;
- :mod:`circle.prepare.admin_units`, :mod:`circle.prepare.block_places`: the names blocks are reported under.
"""
