"""Age groups as census tables name them (``0-14岁``, ``60岁及以上``, ``age_0_14``), as bands of years.

A band is ``[lo, hi)`` in years, ``hi`` None for no upper bound. Census
tables write closed ranges (``0-14岁`` is 0 to 14 years old, so
``[0, 15)``) while planning tables write half-open ones (``0-3岁``,
``3-6岁`` for 托育 and 幼儿园); :func:`read_bands` decides per table, by the
bands beside it (see :func:`resolve_ends`). :func:`partition` turns one
row's bands and its total into bands that cover every age once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

_DASH = r"\s*(?:-|~|～|〜|—|–|―|‐|‑|−|﹣|至|到|_)\s*"
_YEARS = r"\s*(?:周岁|岁)?"
_RANGE = re.compile(rf"^(?:age)?_?(\d{{1,3}}){_YEARS}{_DASH}(\d{{1,3}}){_YEARS}(?:人口|人数|人)?$")
_OPEN = re.compile(
    rf"^(?:age)?_?(\d{{1,3}}){_YEARS}\s*(?:及以上|以上|及其以上|或以上|\+|_?plus|_?and_?over|_?over)(?:人口|人数|人)?$"
)
_BELOW = re.compile(rf"^(?:age)?_?(\d{{1,3}}){_YEARS}\s*(及以下|以下|_?under|_?below)(?:人口|人数|人)?$")
#: words before a band that say it lies inside another (其中：65岁及以上 under 60岁及以上)
_WITHIN = re.compile(r"^(?:其中|内|含|包括)[:：]?")
#: a header with one of these looks like an age group even when it is not read as one
_AGE_HINTS = re.compile(r"岁|年龄|周岁|老年|儿童|少儿|青少年|\bage", re.I)
#: a header with one of these holds a share, not a count of people
SHARE_WORDS = ("%", "占比", "比重", "比例", "percent", "share", "ratio")


@dataclass(frozen=True)
class Band:
    """An age band ``[lo, hi)`` in years (``hi`` None: no upper bound)."""

    lo: int
    hi: int | None

    @property
    def column(self) -> str:
        """The block column of this band's residents, ``age_band_{lo}_{hi}`` (``inf`` for no upper bound).

        Examples
        --------
        >>> Band(60, None).column, Band(0, 15).column
        ('age_band_60_inf', 'age_band_0_15')
        """
        return f"age_band_{self.lo}_{'inf' if self.hi is None else self.hi}"

    def label(self) -> str:
        """Return the band as ``[60, ∞)``."""
        return f"[{self.lo}, {'∞' if self.hi is None else self.hi})"

    def words(self) -> str:
        """Return the band as a census table names it, in whole years.

        Examples
        --------
        >>> Band(0, 15).words(), Band(60, None).words(), Band(3, 4).words()
        ('0–14岁', '60岁及以上', '3岁')
        """
        if self.hi is None:
            return f"{self.lo}岁及以上"
        if self.hi - 1 == self.lo:
            return f"{self.lo}岁"
        return f"{self.lo}–{self.hi - 1}岁"

    @property
    def end(self) -> float:
        """The first age past the band (infinity for no upper bound)."""
        return math.inf if self.hi is None else float(self.hi)


def _header(text: str) -> str:
    folded = unicodedata.normalize("NFKC", str(text)).strip().lower()
    folded = re.sub(r"\((?:人|人数|万人)?\)$", "", folded)  # a unit after the range
    folded = _WITHIN.sub("", re.sub(r"\s+", "", folded))  # 其中：65岁及以上 is the band 65岁及以上
    return folded.replace("age_", "age")


def parse_header(text: str) -> tuple[int, int | None, str] | None:
    """Read a column header as ``(first, last, form)`` with ``form`` ``range``, ``open`` or ``below``; None if no band.

    Examples
    --------
    >>> parse_header("0-14岁"), parse_header("０～１４岁"), parse_header("age_0_14")
    ((0, 14, 'range'), (0, 14, 'range'), (0, 14, 'range'))
    >>> parse_header("60岁及以上"), parse_header("65周岁以上人口"), parse_header("age_60_plus")
    ((60, None, 'open'), (65, None, 'open'), (60, None, 'open'))
    >>> parse_header("14岁及以下"), parse_header("其中：65岁及以上"), parse_header("0—14岁")
    ((0, 14, 'below'), (65, None, 'open'), (0, 14, 'range'))
    >>> parse_header("60岁及以上占比") is None, parse_header("常住人口") is None
    (True, True)
    """
    raw = str(text).lower()
    if any(word in raw for word in SHARE_WORDS):
        return None
    header = _header(text)
    if match := _RANGE.match(header):
        return int(match.group(1)), int(match.group(2)), "range"
    if match := _OPEN.match(header):
        return int(match.group(1)), None, "open"
    if match := _BELOW.match(header):
        last = int(match.group(1))
        return 0, (last if match.group(2).startswith("及") else last - 1), "below"
    return None


def looks_like_age(text: str) -> bool:
    """Whether a header names an age group (岁, 年龄, age …), read or not, and is not a share.

    Examples
    --------
    >>> [looks_like_age(h) for h in ("年龄构成", "老年人口", "常住人口", "60岁以上占比")]
    [True, True, False, False]
    """
    raw = str(text).lower()
    return not any(word in raw for word in SHARE_WORDS) and bool(_AGE_HINTS.search(unicodedata.normalize("NFKC", raw)))


def resolve_ends(parsed: dict[str, tuple[int, int | None, str]]) -> dict[str, Band]:
    """Turn the headers of one table into bands, deciding whether ``a-b岁`` ends at ``b`` or ``b + 1``.

    A range ``a-b`` is closed (``[a, b+1)``, as census tables mean ``0-14岁``)
    unless another band of the table starts at ``b`` (``0-3岁`` beside
    ``3-6岁``: ``[0, 3)``); when no band starts at ``b`` or ``b + 1`` it is
    closed if ``b + 1`` is a multiple of five (census bands end at 4 or 9:
    ``0-14``, ``15-59``, ``60-64``) and half-open otherwise (``6-12岁``).

    Examples
    --------
    >>> bands = resolve_ends({"0-14岁": (0, 14, "range"), "15-59岁": (15, 59, "range"), "60+": (60, None, "open")})
    >>> [b.label() for b in bands.values()]
    ['[0, 15)', '[15, 60)', '[60, ∞)']
    >>> [b.label() for b in resolve_ends({"0-3岁": (0, 3, "range"), "3-6岁": (3, 6, "range")}).values()]
    ['[0, 3)', '[3, 6)']
    >>> [b.label() for b in resolve_ends({"0-0岁": (0, 0, "range"), "1-14岁": (1, 14, "range")}).values()]
    ['[0, 1)', '[1, 15)']
    """
    starts = {lo for lo, _, _ in parsed.values()}
    bands = {}
    for header, (lo, last, form) in parsed.items():
        if form != "open" and last is not None and (last < lo or last < 0):
            # 60-14岁 runs backwards; 0岁以下 holds no one: the residents under it would be lost unsaid
            raise BandError(f"the age column {header!r} holds no age (it runs backwards or below 0)", of_headers=True)
        if form == "open":
            bands[header] = Band(lo, None)
        elif form == "below":
            bands[header] = Band(0, last + 1)
        elif last == lo:  # 0-0岁: the one year (infants under one)
            bands[header] = Band(lo, lo + 1)
        elif last in starts and last != lo:
            bands[header] = Band(lo, last)
        elif last + 1 in starts or (last + 1) % 5 == 0:
            bands[header] = Band(lo, last + 1)
        else:
            bands[header] = Band(lo, last)
    return bands


class BandError(ValueError):
    """Bands that do not make one partition of ages (the message says why).

    ``of_headers`` is True when the headers themselves cannot make one (bands that
    overlap, ages left over in two places): every row of the table fails alike.
    """

    def __init__(self, message: str, of_headers: bool = False):
        super().__init__(message)
        self.of_headers = of_headers


def partition(values: dict[Band, float], total: float) -> dict[Band, float]:
    """Return residents per band of a partition of ``[0, ∞)`` made from a row's bands and its total.

    The bands must nest or be apart (``60岁及以上`` holds ``65岁及以上``); each
    band's residents less those of the bands inside it go to the ages it alone
    covers, and the total less the outermost bands to the ages none covers.
    Those ages must form one interval, so that the result is a partition.

    Raises
    ------
    BandError
        When two bands overlap without nesting, bands hold more residents
        than the band (or total) around them, or the ages left over are not
        one interval.

    Examples
    --------
    >>> out = partition({Band(60, None): 300.0}, 1000.0)
    >>> {b.label(): v for b, v in out.items()}
    {'[0, 60)': 700.0, '[60, ∞)': 300.0}
    >>> out = partition({Band(60, None): 300.0, Band(65, None): 200.0, Band(0, 15): 100.0}, 1000.0)
    >>> {b.label(): v for b, v in out.items()}
    {'[0, 15)': 100.0, '[15, 60)': 600.0, '[60, 65)': 100.0, '[65, ∞)': 200.0}
    """
    bands = sorted(values, key=lambda b: (b.lo, -b.end))
    for i, first in enumerate(bands):
        for second in bands[i + 1 :]:
            nested = first.lo <= second.lo and second.end <= first.end
            apart = second.lo >= first.end
            if not (nested or apart):
                raise BandError(
                    f"the age groups {first.words()} and {second.words()} overlap without one holding the other",
                    of_headers=True,
                )
    root = Band(0, None)
    nodes = [root, *(b for b in bands if b != root)]
    given = {**values, root: total}

    def parent(band: Band) -> Band:
        holders = [o for o in nodes if o != band and o.lo <= band.lo and band.end <= o.end]
        return max(holders, key=lambda o: (o.lo, -o.end))

    children: dict[Band, list[Band]] = {node: [] for node in nodes}
    for band in nodes[1:]:
        children[parent(band)].append(band)
    out: dict[Band, float] = {}
    for node in nodes:
        inner = children[node]
        left = given[node] - sum(given[c] for c in inner)
        if left < -1e-6 * max(1.0, given[node]):
            within = " + ".join(c.words() for c in inner)
            raise BandError(
                f"{within} = {sum(given[c] for c in inner):,.0f}, more than the "
                + (f"row's {given[node]:,.0f} residents" if node == root else f"{given[node]:,.0f} of {node.words()}")
            )
        gaps = _gaps(node, inner)
        if not gaps:
            continue
        if len(gaps) > 1:
            shown = " and ".join(g.words() for g in gaps)
            raise BandError(
                f"the ages {shown} are left over as one count that cannot be split; "
                "give the age groups between them too, or leave the columns out",
                of_headers=True,
            )
        out[gaps[0]] = max(left, 0.0)
    return dict(sorted(out.items(), key=lambda item: item[0].lo))


def _gaps(node: Band, inner: list[Band]) -> list[Band]:
    """Return the intervals of ``node`` that none of ``inner`` (disjoint, sorted) covers."""
    gaps, at = [], node.lo
    for band in sorted(inner, key=lambda b: b.lo):
        if band.lo > at:
            gaps.append(Band(int(at), band.lo))
        at = max(at, band.end)
    if at < node.end:
        gaps.append(Band(int(at), node.hi))
    return gaps
