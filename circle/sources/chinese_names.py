"""Names of Chinese administrative units, folded so that the ways one unit is written compare equal.

A census table, a boundary file and OpenStreetMap name one 社区 as 玉林社区,
玉林社区居委会 or 玉林社区居民委员会; a 街道 as 玉林街道 or 玉林街道办事处;
a 镇 that was a 乡 keeps its stem. Digits and brackets come full-width or
half-width, with spaces, and OSM adds an English name in brackets
(``金牛区 (Jinniu)``). :func:`fold` removes what does not tell units apart
and :func:`unit_key` splits a folded name into its stem and the kind of unit
its suffix names. Nothing here guesses: names that fold alike are the same
name, and deciding between two such units is the caller's task.

Statistical codes (统计用区划代码: 6-digit county, 3-digit 乡镇/街道,
3-digit 村/居委会) compare as digits: :func:`statistical_code`.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

#: kinds of unit, by the suffix that names them; longest suffixes first (one is removed, once)
UNIT_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("社区居民委员会", "community"),
    ("社区居委会", "community"),
    ("居民委员会", "community"),
    ("社区居委", "community"),
    ("居委会", "community"),
    ("社区", "community"),
    ("村民委员会", "village"),
    ("村委会", "village"),
    ("村", "village"),
    ("街道办事处", "subdistrict"),
    ("街道办", "subdistrict"),
    ("办事处", "subdistrict"),
    ("街道", "subdistrict"),
    ("镇人民政府", "town"),
    ("乡人民政府", "town"),
    ("镇", "town"),
    ("乡", "town"),
)

#: kinds of the 街道/乡镇 level (OSM ``admin_level=8``); the others are of the 社区/村 level
UPPER_KINDS = frozenset({"subdistrict", "town"})

_BRACKETED = re.compile(r"\(([^()]*)\)")
_CJK = re.compile(r"[\u3400-\u9fff]")
_DROPPED = re.compile(r"[\s·•・\-_—–,，、.。'\"“”‘’]")
_BRACKETS = re.compile(r"[()\[\]【】〔〕{}<>《》]")


class UnitKey(NamedTuple):
    """A folded name split into its stem and the kind its suffix names (``""`` when it names none)."""

    stem: str
    kind: str


def fold(text: object) -> str:
    """Return ``text`` without the differences that do not tell units apart.

    Full-width letters, digits and brackets become half-width (NFKC), 〇
    becomes 零, spaces and separators go, a bracketed part without Chinese
    characters (an English or pinyin name) goes, and the brackets of one
    with them go but the words stay.

    Examples
    --------
    >>> fold("玉林 社区（居委会）")
    '玉林社区居委会'
    >>> fold("金牛区 (Jinniu)")
    '金牛区'
    >>> fold("第１２社区")
    '第12社区'
    >>> fold("二〇八厂社区")
    '二零八厂社区'
    >>> fold(None)
    ''
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    folded = unicodedata.normalize("NFKC", str(text)).replace("〇", "零")
    folded = _BRACKETED.sub(lambda m: m.group(1) if _CJK.search(m.group(1)) else "", folded)
    folded = _BRACKETS.sub("", folded)
    return _DROPPED.sub("", folded).lower()


def clean(value: object) -> str | None:
    """Return a name as text, or None for a missing one (None, NaN, blank).

    Examples
    --------
    >>> clean(" 玉林社区 "), clean(float("nan")), clean("  ")
    ('玉林社区', None, None)
    """
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def unit_key(text: object) -> UnitKey:
    """Return the folded name's stem and the kind of unit its suffix names.

    Examples
    --------
    >>> unit_key("玉林社区居民委员会")
    UnitKey(stem='玉林', kind='community')
    >>> unit_key("玉林居委会") == unit_key("玉林 社区")
    True
    >>> unit_key("石羊村民委员会") == unit_key("石羊村")
    True
    >>> unit_key("玉林街道办事处") == unit_key("玉林街道")
    True
    >>> unit_key("大场镇") == unit_key("大场乡")
    True
    >>> unit_key("玉林")
    UnitKey(stem='玉林', kind='')
    >>> unit_key("社区")  # a suffix alone is a name, not a kind
    UnitKey(stem='社区', kind='')
    """
    folded = fold(text)
    for suffix, kind in UNIT_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            return UnitKey(folded[: -len(suffix)], kind)
    return UnitKey(folded, "")


def statistical_code(text: object) -> str | None:
    """Return a 12-digit statistical code (统计用区划代码), or None when ``text`` is not one.

    A 9-digit 乡镇/街道 code gets its three zeros; full-width digits, spaces and
    a trailing ``.0`` (a code that passed through a spreadsheet's numbers) are
    allowed.

    Examples
    --------
    >>> statistical_code("510104020003")
    '510104020003'
    >>> statistical_code("５１０１０４０２０")
    '510104020000'
    >>> statistical_code(510104020003.0)
    '510104020003'
    >>> statistical_code("5101") is None
    True
    """
    if text is None or (isinstance(text, float) and text != text):
        return None
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    digits = re.sub(r"\s", "", unicodedata.normalize("NFKC", str(text)))
    digits = re.sub(r"\.0+$", "", digits)
    if not digits.isdigit():
        return None
    if len(digits) == 9:
        return digits + "000"
    return digits if len(digits) == 12 else None


def is_upper_code(code: str) -> bool:
    """Whether a 12-digit code is that of a 乡镇/街道 (its last three digits are zeros).

    Examples
    --------
    >>> is_upper_code("510104020000"), is_upper_code("510104020003")
    (True, False)
    """
    return code.endswith("000")
