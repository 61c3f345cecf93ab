"""Typesetting the posters: Chinese and Latin text wrapped to a width, sizes fitted, text and the QR code drawn."""

from __future__ import annotations

import re

import segno
from reportlab.pdfbase.pdfmetrics import stringWidth


def draw_qr(canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw ``data`` as a QR code (error level M or better, never a Micro QR) of vector squares.

    The square ``size`` points wide at ``(x, y)`` includes the four-module
    quiet zone, painted white.
    """
    code = segno.make(data, error="m", micro=False)
    rows = [list(row) for row in code.matrix_iter(border=4)]
    module = size / len(rows)
    canvas.saveState()
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for r, row in enumerate(rows):
        top = y + size - r * module
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            # a hair taller than a module, so rows overlap and no light seams show between them
            path.rect(x + start * module, top - module * 1.04, (c - start) * module, module * 1.04)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


# --------------------------------------------------------------------------------------------- text


_CJK = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")
_NO_LINE_START = set("，。、；：！？）》」』】,.;:!?)%*")


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` points: between Chinese characters or at spaces.

    A closing mark never starts a line; a word wider than the line is cut.
    """
    lines: list[str] = []
    current = ""
    tokens = _TOKENS.findall(text or "")
    k = 0
    while k < len(tokens):
        token = tokens[k]
        if stringWidth(token.rstrip(), font, size) > width and len(token.strip()) > 1:
            tokens[k : k + 1] = list(token)  # a word wider than the line: cut it anywhere
            continue
        trial = current + token
        if not current.strip() or stringWidth(trial.rstrip(), font, size) <= width or token[0] in _NO_LINE_START:
            current = trial if current.strip() else token.lstrip()
        else:
            lines.append(current.rstrip())
            current = token.lstrip()
        k += 1
    if current.strip():
        lines.append(current.rstrip())
    return lines


def fit_size(text: str, font: str, width: float, largest: float, smallest: float) -> float:
    size = largest
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 2
    return size


def draw_text(canvas, x: float, y: float, text: str, font: str, size: float, colour, bold: bool = False) -> None:
    """Draw one line; ``bold`` thickens the single-weight font by stroking its outline too."""
    text_object = canvas.beginText(x, y)
    text_object.setFont(font, size)
    text_object.setFillColorRGB(*colour)
    if bold:
        canvas.saveState()
        canvas.setStrokeColorRGB(*colour)
        canvas.setLineWidth(size * 0.03)
        text_object.setTextRenderMode(2)
    text_object.textLine(text)
    canvas.drawText(text_object)
    if bold:
        canvas.restoreState()


def draw_centred(canvas, cx: float, y: float, text: str, font: str, size: float, colour) -> None:
    draw_text(canvas, cx - stringWidth(text, font, size) / 2.0, y, text, font, size, colour)
