"""Colours shared by the app's web maps and the PDF report, so a category or a measure looks the same in both.

Categories take the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal
Design"), black left out: seven hues chosen to stay apart for readers with
protanopia, deuteranopia and tritanopia, which the ColorBrewer sets used
before did not (their blue and violet, and two greens, merged for a
deuteranope). ``tests/test_palette.py`` checks it with the Machado et al.
(2009) simulation (:mod:`circle.colour_vision`): every pair of the seven
stays at least :data:`MIN_CATEGORY_DELTA_E` (CIEDE2000) apart under normal
vision and each simulation. Seven hues are all a safe palette holds; a
preset has up to 13 categories, so the 8th to 14th categories take the same
hues as **rings** (a white dot with a thick coloured edge) instead of filled
dots: the marker's shape is the second cue, on the web map, in its legend
and in the report (:func:`category_marker`).

The ramps of the measures run from blue (good: served, short walks, high
scores) through pale yellow to orange and red (bad), like ColorBrewer's
RdYlBu, a diverging scheme marked colour-blind safe: blue–orange stays on
the axis every dichromat still sees, where the red–green ramps used before
(RdYlGn) collapse for one reader in twelve men.
"""

from __future__ import annotations

#: Okabe–Ito without black: orange, sky blue, bluish green, yellow, blue, vermilion, reddish purple
CATEGORY_COLOURS = [
    "#e69f00",
    "#56b4e9",
    "#009e73",
    "#f0e442",
    "#0072b2",
    "#d55e00",
    "#cc79a7",
]
#: the marker shapes, in order: every category past the palette's length takes the next shape
CATEGORY_MARKERS = ("dot", "ring")
#: the smallest CIEDE2000 difference between two category colours, under every simulated vision
MIN_CATEGORY_DELTA_E = 10.0

# served / not served (the report's per-category maps, the scenario's gained / lost)
SERVED = "#4575b4"
UNSERVED = "#fc8d59"
OUT_OF_REACH = "#a50026"
NO_GAP = "#e6e6e6"
CLOSED_STREET = "#111111"

#: a block with nothing of the category within the search limit (30 minutes)
NO_SERVICE = "#b0b0b0"
#: a block whose category cannot be assessed (the data do not map that category)
NOT_ASSESSABLE = "#ffffff"

#: walking minutes: the upper ends of the classes and their colours (≤ 15 blue: the 15-minute circle)
TIME_STEPS = (5, 10, 15, 20, 30)
TIME_COLOURS = ("#08519c", "#4292c6", "#a6cee3", "#fdae61", "#d7301f")

#: score bands, best first (the preset's bands: five in the built-in presets); other counts are sampled from it
SCORE_COLOURS = ("#4575b4", "#91bfdb", "#fee090", "#fc8d59", "#d73027")

#: the living-circle tier met, best (largest) first; "none" met is orange
TIER_COLOURS = ("#08519c", "#4292c6", "#a6cee3", "#c6dbef")
TIER_NONE = "#fc8d59"

#: renewal priority quintiles, lowest first (ColorBrewer YlOrBr: one hue, light to dark)
PRIORITY_COLOURS = ("#fee391", "#fec44f", "#fe9929", "#d95f0e", "#993404")

#: residents per block, fewest first (ColorBrewer YlOrRd)
POPULATION_COLOURS = ("#ffffcc", "#fd8d3c", "#800026")

#: walking-range bands from a chosen point, closest first; told apart from the blocks by their outlines too
ISOCHRONE_COLOURS = ("#3f007d", "#6a51a3", "#9e9ac8")
ISOCHRONE_DASHES = ("", "6 3", "2 3")

#: a block whose population is implausible: a dashed magenta outline
FLAGGED = "#d4008f"
#: a what-if facility, a suggested site (black-edged discs)
WHATIF = "#ffff33"
SUGGESTED = "#00e5ff"


def category_colour(position: int) -> str:
    """Return the colour of the category at ``position`` in its preset."""
    return CATEGORY_COLOURS[position % len(CATEGORY_COLOURS)]


def category_marker(position: int) -> str:
    """Return the marker of the category at ``position``: ``"dot"`` for the first seven, then ``"ring"``.

    Examples
    --------
    >>> category_marker(0), category_marker(7), category_colour(7) == category_colour(0)
    ('dot', 'ring', True)
    """
    return CATEGORY_MARKERS[(position // len(CATEGORY_COLOURS)) % len(CATEGORY_MARKERS)]


def category_marker_style(position: int) -> dict[str, object]:
    """Return matplotlib marker colours of the category at ``position``: a filled dot, or a ring.

    For the report's maps and legends (``Line2D(..., marker="o", **category_marker_style(i))``),
    so a category looks the same as on the web map.

    Examples
    --------
    >>> category_marker_style(7)["markerfacecolor"], category_marker_style(7)["markeredgecolor"]
    ('#ffffff', '#e69f00')
    """
    colour = category_colour(position)
    if category_marker(position) == "ring":
        return {"markerfacecolor": "#ffffff", "markeredgecolor": colour, "markeredgewidth": 1.6}
    return {"markerfacecolor": colour, "markeredgecolor": "#ffffff", "markeredgewidth": 0.6}


def score_colours(count: int) -> tuple[str, ...]:
    """Return the colours of ``count`` score bands, best first (evenly sampled from :data:`SCORE_COLOURS`).

    Examples
    --------
    >>> score_colours(5) == SCORE_COLOURS, score_colours(2)
    (True, ('#4575b4', '#d73027'))
    """
    if count <= 1:
        return SCORE_COLOURS[:1] * max(count, 0)
    last = len(SCORE_COLOURS) - 1
    return tuple(SCORE_COLOURS[round(i * last / (count - 1))] for i in range(count))


def tier_colours(count: int) -> tuple[str, ...]:
    """Return the colours of ``count`` tiers, largest (best) first."""
    if count <= len(TIER_COLOURS):
        return TIER_COLOURS[:count]
    return TIER_COLOURS + (TIER_COLOURS[-1],) * (count - len(TIER_COLOURS))


#: the offline base map: the study's streets, its water and green (parks, woods, grass)
STREET_LINE = "#9a9a9a"
WATER_AREA = "#cfe3f2"
GREEN_AREA = "#d9ecc8"
