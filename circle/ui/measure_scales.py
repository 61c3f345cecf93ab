"""The colours of the planner map's block measures and their legends, from :mod:`circle.colours`.

Times, tiers, scores and priorities are classes, each named in the legend
(a tier map shows its 5/10/15-minute tiers and "none" as separate entries;
times come in 5-minute classes up to the search limit); the population is a
ramp under round ticks. A block without a value is named too: no facility
of the category within the search limit, or a category the data do not map
(not assessable). The PDF report colours the same measures from the same
tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from circle import colours
from circle.i18n import t
from circle.ui.legend import Swatch, gradient_html, section_html, tick_text

MEASURES = ("score", "time", "tier", "priority", "population")


@dataclass(frozen=True)
class MeasureScale:
    """How a measure's values become colours, and the legend that says so.

    ``upper`` are the classes' upper ends (a value belongs to the first class
    whose end it does not pass; past the last end it takes the last class);
    a ramp (``ramp`` true) interpolates ``palette`` between ``low`` and ``high``.
    """

    measure: str
    palette: tuple[str, ...]
    labels: tuple[str, ...] = ()
    upper: tuple[float, ...] = ()
    ramp: bool = False
    low: float = 0.0
    high: float = 1.0
    missing: Swatch | None = None
    extra: tuple[Swatch, ...] = field(default=())
    best_first: bool = False  # the legend lists the classes from the last (the best) down

    def colours_of(self, values: np.ndarray) -> np.ndarray:
        """Return one CSS colour per value (the missing colour where a value is NaN)."""
        values = np.asarray(values, float)
        shown = np.isfinite(values)
        out = np.full(len(values), self.missing.colour if self.missing else colours.NO_SERVICE, dtype=object)
        if self.ramp:
            out[shown] = _interpolate(self.palette, (values[shown] - self.low) / ((self.high - self.low) or 1.0))
        elif len(self.upper):
            index = np.minimum(
                np.searchsorted(np.asarray(self.upper, float), values[shown], side="left"), len(self.palette) - 1
            )
            out[shown] = np.asarray(self.palette, dtype=object)[index]
        return out

    def __call__(self, value: float) -> str:
        """Return the colour of one value."""
        return str(self.colours_of(np.array([value]))[0])

    def legend_html(self, title: str) -> str:
        """Return the legend section of this measure under ``title``."""
        extra = [*self.extra, *([self.missing] if self.missing else [])]
        if self.ramp:
            return gradient_html(title, list(self.palette), self.low, self.high, extra)
        rows = [Swatch(label, colour) for colour, label in zip(self.palette, self.labels, strict=True)]
        return section_html(title, [*(reversed(rows) if self.best_first else rows), *extra])


def _interpolate(stops: tuple[str, ...], shares: np.ndarray) -> list[str]:
    """Return the colours at ``shares`` (0–1) along the ramp through ``stops`` (linear in sRGB), for whole arrays."""
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for c in stops], float)
    position = np.clip(np.asarray(shares, float), 0.0, 1.0) * (len(stops) - 1)
    first = np.minimum(position.astype(int), len(stops) - 2)
    weight = (position - first)[:, None]
    mixed = np.rint(rgb[first] + (rgb[first + 1] - rgb[first]) * weight).astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in mixed]


def measure_scale(
    measure: str,
    values: np.ndarray,
    lang: str,
    *,
    bands: tuple = (),
    tiers: tuple[float, ...] = (5.0, 10.0, 15.0),
    limit_min: float = 30.0,
    assessable: bool = True,
    category: str = "",
) -> MeasureScale:
    """Return the scale of a block measure, its classes named in ``lang``.

    Parameters
    ----------
    measure : str
        One of :data:`MEASURES`.
    values : numpy.ndarray
        Every block's value (NaN: none), for the priority's quintiles and the population's range.
    lang : str
        Language of the labels.
    bands : tuple
        The preset's score bands, best first (objects with ``minimum``, ``zh`` and ``en``).
    tiers : tuple of float
        The preset's living-circle tiers in minutes.
    limit_min : float
        The search limit: a time past it is not known ("no service within … minutes").
    assessable : bool
        False when the data do not map the category (its times mean nothing).
    category : str
        The category's label (for the time measure's "none" entry).
    """
    values = np.asarray(values, float)
    finite = values[np.isfinite(values)]
    minutes = lambda v: t("minutes_value", lang, value=f"{v:g}")  # noqa: E731
    if measure == "time":
        if not assessable:
            missing = Swatch(
                t("legend_not_assessable", lang, category=category), colours.NOT_ASSESSABLE, stroke="#888888"
            )
            return MeasureScale(measure, (), missing=missing)
        upper = (*(float(v) for v in colours.TIME_STEPS[:-1] if v < limit_min), float(limit_min))
        palette = colours.TIME_COLOURS[: len(upper) - 1] + colours.TIME_COLOURS[-1:]
        labels = tuple(
            t("legend_up_to", lang, value=minutes(high))
            if i == 0
            else t("legend_range", lang, low=f"{upper[i - 1]:g}", high=minutes(high))
            for i, high in enumerate(upper)
        )
        missing = Swatch(t("legend_no_service", lang, minutes=f"{limit_min:g}"), colours.NO_SERVICE)
        return MeasureScale(measure, palette, labels, upper, missing=missing)
    if measure == "tier":
        ordered = sorted({float(v) for v in tiers if v > 0})  # 5, 10, 15: classes from none up
        palette = (colours.TIER_NONE, *reversed(colours.tier_colours(len(ordered))))
        labels = (t("legend_tier_none", lang), *(t("legend_tier_met", lang, minutes=f"{v:g}") for v in ordered))
        return MeasureScale(measure, palette, labels, (0.0, *ordered), best_first=True)
    if measure == "score":
        lows = [float(b.minimum) for b in bands] or [90.0, 70.0, 50.0, 25.0, 0.0]
        names = [getattr(b, lang) for b in bands] or [f"≥ {v:g}" for v in lows]
        order = np.argsort(lows)  # classes from the worst band up
        lows, names = [lows[i] for i in order], [names[i] for i in order]
        palette = tuple(reversed(colours.score_colours(len(lows))))
        labels = tuple(t("legend_band", lang, band=name, low=f"{low:g}") for name, low in zip(names, lows, strict=True))
        # a score takes the highest band whose minimum it reaches
        upper = (*(float(np.nextafter(low, -np.inf)) for low in lows[1:]), np.inf)
        return MeasureScale(measure, palette, labels, upper, best_first=True)
    if measure == "priority":
        gap = finite[finite > 0]
        if not len(gap):
            return MeasureScale(measure, (colours.NO_GAP,), (t("legend_no_gap", lang),), (np.inf,))
        edges = np.unique(np.quantile(gap, np.linspace(0, 1, len(colours.PRIORITY_COLOURS) + 1)))
        if len(edges) < 2:  # every gap block has the same priority: one class
            edges = np.array([edges[0], edges[0]])
        count = len(edges) - 1
        palette = (colours.NO_GAP, *colours.PRIORITY_COLOURS[len(colours.PRIORITY_COLOURS) - count :])
        labels = (
            t("legend_no_gap", lang),
            *(
                t("legend_range", lang, low=tick_text(_round(edges[i])), high=tick_text(_round(edges[i + 1])))
                for i in range(count)
            ),
        )
        upper = (0.0, *(float(e) for e in edges[1:-1]), np.inf)
        return MeasureScale(measure, palette, labels, upper[: len(palette)])
    high = float(finite.max()) if len(finite) else 1.0
    return MeasureScale(measure, colours.POPULATION_COLOURS, ramp=True, low=0.0, high=max(high, 1.0))


def _round(value: float) -> float:
    """Round to two significant figures (legend edges of a priority: 54,529.6 → 55,000)."""
    if value == 0 or not np.isfinite(value):
        return float(value)
    digits = 1 - int(np.floor(np.log10(abs(value))))
    return float(round(value, digits))
