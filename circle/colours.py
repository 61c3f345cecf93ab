"""Colours shared by the app's web maps and the PDF report, so a category looks the same in both."""

from __future__ import annotations

CATEGORY_COLOURS = [
    "#e41a1c",
    "#377eb8",
    "#4daf4a",
    "#984ea3",
    "#ff7f00",
    "#a65628",
    "#f781bf",
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#66a61e",
    "#e6ab02",
]
SERVED = "#4c9a6a"
UNSERVED = "#e4572e"
OUT_OF_REACH = "#7f1d12"
NO_GAP = "#e6e6e6"
CLOSED_STREET = "#111111"


def category_colour(position: int) -> str:
    """Return the colour of the category at ``position`` in its preset."""
    return CATEGORY_COLOURS[position % len(CATEGORY_COLOURS)]
