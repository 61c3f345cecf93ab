"""The published resident site: a static site of a whole study, served with no Python per visitor.

``circle publish --study DIR --out SITE/`` writes it (:mod:`circle.publish.site`);
any web server or object store can serve it, ``circle serve --public`` among
them. Its format (``format`` 1), every coordinate in whole metres on a local
plane (x east, y north) around ``site.json``'s ``origin``::

    x = R * radians(lon - lon0) * cos(radians(lat0)),  y = R * radians(lat - lat0),  R = 6371008.8

Files::

    index.html, site.js, site.css, ...   the page (copied from circle/publish/assets/)
    data/site.json         the study: titles, place, data date and source, categories and
                           their completeness verdicts, walking profiles, median score,
                           the street tile levels, the extent, the reports switch
    data/search.json       the search index: [[file_id, name, pinyin, initials, where], ...]
                           (names of the named blocks, lower-case pinyin without tones; where:
                           the community or place description that tells blocks of one name apart)
    data/blocks/ID.json    one block's page: score, band, the nearest facility of each
                           category (name, metres, minutes, the walking route), what is
                           missing in plain words, its outline and its 15-minute isochrone
    data/streets/L/I_J.json  the study's streets cut in squares of level L (size metres):
                           I = floor(x / size), J = floor(y / size); level 0 holds every
                           walkable way and the blocks whose centre lies in the square
    posters/*.pdf          with ``--posters``: an A4 notice-board poster per community

``site.json``::

    {"format": 1, "name": "default", "published": "2026-12-04",
     "title": {"zh": ..., "en": ...}, "place": {"zh": ..., "en": ...},
     "data_date": "2018-06-01" | null, "source": {"zh": ..., "en": ...}, "attribution": "© OpenStreetMap contributors",
     "origin": {"lon": ..., "lat": ...}, "extent": [xmin, ymin, xmax, ymax],
     "levels": [{"level": 0, "size": 1000, "max_view_m": 3000}, {"level": 1, "size": 4000, "max_view_m": 12000},
                {"level": 2, "size": <whole extent>, "max_view_m": null}],
     "categories": [{"key": "clinic", "group": "clinics", "label": {"zh", "en"},
                     "verdict": "assessed" | "likely_incomplete" | "absent"}],
     "profiles": {"standard": {"speed": 1.1, "steps_speed": ...}, "elderly": {...}},
     "median_score": 43.0, "blocks": 394, "isochrone_minutes": 15, "reports": true,
     "url": "https://..." | null,
     "example": {"name": "西园小区", "pinyin": "xiyuanxiaoqu", "initials": "xyxq"} | null}   # the search hint's

``data/blocks/ID.json``::

    {"id": "ID", "block_id": "<the study's block_id>", "name": "西园小区" | null, "community": "..." | null,
     "place": {"zh": "华安街以东、华油路以南", "en": "east of 华安街, south of 华油路"},  # where it is
     "subdistrict": "..." | null,
     "score": 43, "band": {"zh": "较差", "en": "Poor"}, "tier_met": 0 | 5 | 10 | 15,
     "residents": 1200 | null, "residents_low": ..., "residents_high": ..., "flagged": false,
     "connected": true,                                          # false: not joined to the streets, no score
     "centre": [x, y], "outline": [[[x, y], ...], ...],          # rings of the block
     "isochrone": [[[x, y], ...], ...],                          # rings reached within isochrone_minutes
     "services": [{"category": "clinic", "verdict": "assessed",
                   "facility": {"name": "...", "x": .., "y": ..} | null,
                   "metres": 640, "steps_metres": 0, "minutes": 9.7,   # minutes at the standard pace
                   "route": [[x, y], ...] | null}],
     "missing": {"zh": ["..."], "en": ["..."]},                 # plain words, for residents
     "not_held": {"zh": ["..."], "en": ["..."]}}                # categories the map data does not hold

``data/streets/L/I_J.json``::

    {"level": 0, "i": 3, "j": -2, "size": 1000,
     "lines": [[kind, x0, y0, dx1, dy1, dx2, dy2, ...], ...],    # kind 0 main road, 1 street, 2 path
     "blocks": [[ID, name | null, x, y, score], ...]}            # level 0 only
"""
