"""Study inputs built from the sources: the walking network, blocks, population, facilities, access points, terrain.

Each module turns what :mod:`circle.sources` read into one input of the
analysis, in the study's projected metres:

- :mod:`circle.build.network`: the walking graph (model, building, costing, snapping);
- :mod:`circle.build.blocks`: residential blocks (compounds, land use, street blocks);
- :mod:`circle.build.population`: residents per block (buildings, census, rasters, totals);
- :mod:`circle.build.facilities`: points of interest sorted into a preset's categories;
- :mod:`circle.build.access_points`: where a block or a facility meets the network;
- :mod:`circle.build.terrain`: slope-aware walking times from a DEM;
- :mod:`circle.build.admin_units`, :mod:`circle.build.block_places`: the names blocks are reported under.
"""
