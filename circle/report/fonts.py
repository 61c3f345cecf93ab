"""Fonts for the PDF report: a CJK TrueType font when one is installed, else DejaVu Sans.

reportlab embeds (subsets) TrueType outlines only, so OpenType/CFF fonts such
as Noto Sans CJK cannot be used; WenQuanYi Micro Hei (Debian
``fonts-wqy-microhei``, installed by ``scripts/system_packages.sh``) can. The
same file is given to matplotlib so the maps and charts match the text.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from circle.errors import CircleError

CJK_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
)
LATIN_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
INSTALL_HINT = (
    "Chinese text needs a CJK TrueType font: run `bash scripts/system_packages.sh` as root "
    "(it installs Debian's fonts-wqy-microhei), or `apt-get install fonts-wqy-microhei`, "
    "or point CIRCLE_CJK_FONT at a .ttf/.ttc file."
)
REGULAR = "CircleText"


@dataclass(frozen=True)
class ReportFont:
    """The font the report is set in.

    Attributes
    ----------
    path : pathlib.Path
        The TrueType file.
    subfont : int
        The face inside a ``.ttc`` collection.
    has_cjk : bool
        Whether the font has Chinese glyphs.
    """

    path: Path
    subfont: int
    has_cjk: bool

    @property
    def name(self) -> str:
        """The name the font is registered under with reportlab."""
        return f"{REGULAR}-{'cjk' if self.has_cjk else 'latin'}"


def find_font(environ: dict[str, str] | None = None) -> ReportFont:
    """Return the CJK font if one is installed, else a Latin one.

    ``CIRCLE_CJK_FONT`` names a font file to use first; ``CIRCLE_CJK_FONT=none``
    pretends no CJK font is installed (to test the fallback).

    Raises
    ------
    CircleError
        When ``CIRCLE_CJK_FONT`` names a missing file, or no usable font is found at all.
    """
    environ = os.environ if environ is None else environ
    chosen = environ.get("CIRCLE_CJK_FONT", "").strip()
    if chosen and chosen.lower() != "none":
        path = Path(chosen)
        if not path.is_file():
            raise CircleError(f"CIRCLE_CJK_FONT={chosen} is not a file. {INSTALL_HINT}")
        return ReportFont(path, 0, True)
    if chosen.lower() != "none":
        for candidate in CJK_CANDIDATES:
            if Path(candidate).is_file():
                return ReportFont(Path(candidate), 0, True)
    for candidate in LATIN_CANDIDATES:
        if Path(candidate).is_file():
            return ReportFont(Path(candidate), 0, False)
    raise CircleError(f"no TrueType font found for the report. {INSTALL_HINT}")


def register(font: ReportFont) -> str:
    """Register the font with reportlab (once per process) and return its name."""
    # loaded only to typeset a PDF: the app's report form and the indicators load this module without it (17 ms)
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    if font.name not in pdfmetrics.getRegisteredFontNames():
        try:
            pdfmetrics.registerFont(TTFont(font.name, str(font.path), subfontIndex=font.subfont))
        except TTFError as error:
            raise CircleError(
                f"{font.path} cannot be embedded ({error}); it must be a TrueType font. {INSTALL_HINT}"
            ) from error
    return font.name


def matplotlib_font(font: ReportFont):
    """Return matplotlib ``FontProperties`` for the font (the file is added to the font manager once)."""
    from matplotlib import font_manager  # loaded only to draw the report's maps: the posters skip matplotlib (75 ms)

    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    if str(font.path) not in known:
        font_manager.fontManager.addfont(str(font.path))
    return font_manager.FontProperties(fname=str(font.path))


def has_cjk(text: str) -> bool:
    """Return whether ``text`` holds a CJK character (which a Latin font would print as boxes)."""
    return any("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\uff00" <= ch <= "\uffef" for ch in text)
