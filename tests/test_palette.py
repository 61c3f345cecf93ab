"""The maps' colours stay apart for colour-blind readers: checked by simulation (Machado et al. 2009, CIEDE2000)."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from circle import colours
from circle.colour_vision import (
    MACHADO,
    VISIONS,
    ciede2000,
    closest_pairs,
    delta_e,
    lab,
    neighbours,
    simulate,
    to_rgb,
)

#: neighbouring steps of a ramp (read side by side on the map, with their legend) stay this far apart
MIN_STEP_DELTA_E = 5.0


def test_simulation_keeps_greys_and_white_and_black():
    # each Machado matrix's rows sum to 1: a grey (equal R, G, B) is seen as the same grey
    for matrix in MACHADO.values():
        assert matrix.sum(axis=1) == pytest.approx(np.ones(3), abs=1e-3)
    for vision in MACHADO:
        for grey in ("#000000", "#808080", "#ffffff", "#3a3a3a"):
            assert simulate(grey, vision) == grey


def test_deuteranopia_sees_red_and_green_alike():
    # pure red and pure green, far apart to a normal eye, both become a dull olive-yellow for a deuteranope
    assert delta_e("#ff0000", "#00ff00") > 80
    assert delta_e("#ff0000", "#00ff00", "deuteranopia") < 25
    red, green = to_rgb(simulate("#ff0000", "deuteranopia")), to_rgb(simulate("#00ff00", "deuteranopia"))
    # only the yellow-blue axis is left, and both sit at its yellow end: less blue than red and green
    assert red[2] < min(red[:2]) and green[2] < min(green[:2])


def test_ciede2000_matches_the_published_test_pairs():
    # Sharma, Wu & Dalal (2005), Table 1, pairs 1, 7 and 17
    pairs = [
        ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
        ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
        ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ]
    for first, second, expected in pairs:
        assert float(ciede2000(np.array(first), np.array(second))) == pytest.approx(expected, abs=1e-4)
    assert lab(to_rgb("#ffffff")) == pytest.approx([100.0, 0.0, 0.0], abs=1e-3)


def test_the_check_flags_a_red_green_pair():
    # the old palette's first red and green: fine to a normal eye, under the minimum for a deuteranope
    worst = closest_pairs(["#e41a1c", "#4daf4a"])
    assert worst["normal"][0] > 60
    assert worst["deuteranopia"][0] < colours.MIN_CATEGORY_DELTA_E
    # the ColorBrewer set the maps used before fails outright (red and brown, blue and violet merge)
    old = ["#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#1b9e77"]
    worst = closest_pairs(old)
    assert worst["protanopia"][0] < 5 and worst["deuteranopia"][0] < 5


def test_category_colours_stay_apart_under_every_vision():
    worst = closest_pairs(colours.CATEGORY_COLOURS)
    assert set(worst) == set(VISIONS)
    for vision, (difference, first, second) in worst.items():
        assert difference >= colours.MIN_CATEGORY_DELTA_E, f"{first} and {second} merge under {vision}"


def test_categories_past_the_palette_take_a_second_cue():
    # the largest preset has 13 categories: no two of them share both colour and marker
    seen = {(colours.category_colour(i), colours.category_marker(i)) for i in range(14)}
    assert len(seen) == 14
    assert [colours.category_marker(i) for i in (0, 6, 7, 13)] == ["dot", "dot", "ring", "ring"]


@pytest.mark.parametrize(
    "ramp",
    [
        colours.TIME_COLOURS,
        colours.SCORE_COLOURS,
        colours.PRIORITY_COLOURS,
        colours.POPULATION_COLOURS,
        colours.ISOCHRONE_COLOURS,
        (*reversed(colours.tier_colours(3)), colours.TIER_NONE),
    ],
    ids=["time", "score", "priority", "population", "isochrone", "tier"],
)
def test_ramp_steps_stay_apart_under_every_vision(ramp):
    worst = closest_pairs(list(ramp), neighbours(len(ramp)))
    for vision, (difference, first, second) in worst.items():
        assert difference >= MIN_STEP_DELTA_E, f"{first} and {second} merge under {vision}"


def test_served_unserved_and_no_value_colours_stay_apart():
    groups = {
        "served": [colours.SERVED, colours.UNSERVED, colours.OUT_OF_REACH, colours.NO_GAP],
        "time and none": [*colours.TIME_COLOURS, colours.NO_SERVICE],
    }
    for name, group in groups.items():
        for vision, (difference, first, second) in closest_pairs(group).items():
            assert difference >= colours.MIN_CATEGORY_DELTA_E, f"{name}: {first} and {second} merge under {vision}"


def test_ramps_run_blue_to_orange_not_red_to_green():
    # good ends are blue (more blue than red), bad ends warm (more red than blue), for every reader
    for good, bad in ((colours.TIME_COLOURS[0], colours.TIME_COLOURS[-1]), (colours.SERVED, colours.UNSERVED)):
        for vision in VISIONS:
            g, b = to_rgb(simulate(good, vision)), to_rgb(simulate(bad, vision))
            assert g[2] > g[0] and b[0] > b[2], (good, bad, vision)


def test_score_colours_for_any_number_of_bands():
    assert colours.score_colours(5) == colours.SCORE_COLOURS
    assert colours.score_colours(3) == (colours.SCORE_COLOURS[0], colours.SCORE_COLOURS[2], colours.SCORE_COLOURS[4])
    for count in range(2, 6):
        chosen = colours.score_colours(count)
        assert len(set(chosen)) == count
        assert all(delta_e(a, b, v) >= MIN_STEP_DELTA_E for a, b in combinations(chosen, 2) for v in VISIONS)
