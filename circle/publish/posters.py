"""Notice-board posters of a published resident site (``circle publish --posters``).

One A4 portrait PDF per community (社区), holding one page per named compound
in it; a named compound in no community gets a PDF of its own (one page per
block of that name); an unnamed block gets no poster. Each page says, Chinese
first and English smaller beneath: the compound's name, its score in words
and as a number, the five nearest services with minutes at the typical pace
and at an older person's, the categories the map data does not hold, a small
map, a QR code to the compound's page on the site, the data's date and
source and the publishing date.

Everything is read back from the site's own data files (``data/site.json``,
``data/blocks/*.json``, ``data/streets/0/*.json``, see :mod:`circle.publish`),
so a poster says exactly what the compound's page says.
"""

from __future__ import annotations

import json
import math
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from circle.errors import CircleError
from circle.publish._poster_map import AREA_FILL, DOT, OUTLINE, draw_map, number_dot
from circle.publish._poster_type import draw_centred, draw_qr, draw_text, fit_size, wrap
from circle.report.fonts import INSTALL_HINT, find_font, register

NEAREST = 5
PAGE_W, PAGE_H = 595.2756, 841.8898  # A4 portrait in points
MARGIN = 34.0
INK = (0.08, 0.08, 0.1)
SOFT = (0.32, 0.32, 0.36)
ACCENT = (0.06, 0.33, 0.55)
_RISKY = re.compile(r"[^\w\u3400-\u9fff\uf900-\ufaff·-]+")

PHRASES = {
    "score_title": {"zh": "步行15分钟生活圈得分", "en": "15-minute neighbourhood score"},
    "score_out_of": {"zh": "满分100分", "en": "out of 100"},
    # the median of the blocks the site holds (a study's area), not of a whole city
    "median": {"zh": "本站居住区中位数 {median} 分", "en": "median of this site's blocks {median}"},
    "nearest_title": {"zh": "离家最近的{count}处服务", "en": "The {count} nearest services"},
    "nearest_title_none": {"zh": "离家最近的服务", "en": "The nearest services"},
    "walk": {
        "zh": "步行约{minutes}，老年人约{older} · {metres}米",
        "en": "{minutes} on foot, {older} at an older person's pace, {metres} m",
    },
    "walk_no_older": {"zh": "步行约{minutes} · {metres}米", "en": "{minutes} on foot, {metres} m"},
    "minutes": {"zh": "{n}分钟", "en": "{n} min"},
    "under_minute": {"zh": "不到1分钟", "en": "under 1 min"},
    "unnamed_facility": {"zh": "（地图上未标名称）", "en": "(no name on the map)"},
    "no_services": {
        "zh": "步行可到的范围内，地图上没有收录的服务",
        "en": "No service on the map within walking reach",
    },
    "unreached": {
        "zh": "步行可到的范围内，地图上没有：{categories}",
        "en": "Not on the map within walking reach: {categories}",
    },
    "partly_held": {
        "zh": "* 地图上这类设施收录不全，也许还有更近的",
        "en": "* the map misses some of these, so there may be a closer one",
    },
    "not_held": {
        "zh": "地图数据里没有收录：{categories}。这不代表附近没有。",
        "en": "The map data does not hold: {categories}. That does not mean there is none near you.",
    },
    "scan": {"zh": "扫码查看本小区详情", "en": "Scan for this compound's page"},
    "key_area": {"zh": "步行{minutes}分钟可到的范围", "en": "reached in a {minutes}-minute walk"},
    "key_block": {"zh": "本小区", "en": "this compound"},
    "key_dots": {"zh": "上面列出的服务", "en": "the services listed"},
    "community": {"zh": "{community}", "en": "{community}"},
    "data_date": {"zh": "数据日期：{date}", "en": "Data as of {date}"},
    "date_unknown": {"zh": "日期不详", "en": "date unknown"},
    "source": {"zh": "来源：{source}", "en": "Source: {source}, {attribution}"},
    "published": {"zh": "发布日期：{date}", "en": "Published {date}"},
}


def write_posters(site_dir: Path, url: str | None) -> list[Path]:
    """Write the notice-board posters of the published site in ``site_dir`` into ``site_dir/posters``.

    Parameters
    ----------
    site_dir : pathlib.Path
        A published site (its ``data/`` folder written).
    url : str or None
        The site's public address; each QR code leads to ``url + "?b=" + id``.

    Returns
    -------
    list of pathlib.Path
        The PDF files written, sorted (none when no block has a name).

    Raises
    ------
    CircleError
        When ``url`` is missing, the folder is not a published site, or no Chinese font is installed.
    """
    if not url or not str(url).strip():
        raise CircleError(
            "posters need the site's public address: each poster's QR code leads to its compound's page there."
        )
    site_dir = Path(site_dir)
    data = site_dir / "data"
    site_path = data / "site.json"
    if not site_path.is_file():
        raise CircleError(
            f"{site_dir} holds no data/site.json: posters are drawn from a published site, publish it first."
        )
    site = json.loads(site_path.read_text(encoding="utf-8"))
    blocks = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((data / "blocks").glob("*.json"))]
    files = poster_files(blocks)
    if not files:
        return []
    font = find_font()
    if not font.has_cjk:
        raise CircleError(f"the posters are in Chinese first and no Chinese font is installed. {INSTALL_HINT}")
    font_name = register(font)
    out = site_dir / "posters"
    out.mkdir(exist_ok=True)
    written = []
    for stem, pages in files.items():
        target = out / f"{stem}.pdf"
        partial = out / f".{stem}.pdf.partial"
        _write_pdf(partial, pages, site, str(url).strip(), data / "streets" / "0", font_name)
        os.replace(partial, target)
        written.append(target)
    for stale in set(out.glob("*.pdf")) - set(written):
        stale.unlink()
    return sorted(written)


def poster_files(blocks: Sequence[dict]) -> dict[str, list[dict]]:
    """Return the posters to write: file stem → the blocks that get a page in it, in page order.

    A community's file holds its named blocks; a named block in no community
    shares a file with the blocks of the same name in none; unnamed blocks get
    none.

    Examples
    --------
    >>> rows = [{"id": "a", "name": "西园", "community": "和平社区", "place": {}},
    ...         {"id": "b", "name": "东苑", "community": "和平社区", "place": {}},
    ...         {"id": "c", "name": "北里", "community": None, "place": {}},
    ...         {"id": "d", "name": None, "community": "和平社区", "place": {}}]
    >>> {stem: [b["id"] for b in pages] for stem, pages in poster_files(rows).items()}
    {'北里': ['c'], '和平社区': ['b', 'a']}
    """
    groups: dict[tuple[str, str], list[dict]] = {}
    for block in blocks:
        name = _clean(block.get("name"))
        if not name:
            continue
        community = _clean(block.get("community"))
        key = ("community", community) if community else ("compound", name)
        groups.setdefault(key, []).append(block)
    files: dict[str, list[dict]] = {}
    used: set[str] = set()
    for (_kind, title), pages in sorted(groups.items(), key=lambda item: item[0][1]):
        stem = safe_file_name(title)
        base, n = stem, 2
        while stem.casefold() in used:
            stem, n = f"{base}-{n}", n + 1
        used.add(stem.casefold())
        files[stem] = sorted(
            pages, key=lambda b: (_clean(b.get("name")), (b.get("place") or {}).get("zh") or "", b["id"])
        )
    return files


def _page_order(block: dict) -> tuple[str, str, str]:
    return _clean(block.get("name")), _clean((block.get("place") or {}).get("zh")), str(block.get("id"))


def safe_file_name(text: str, fallback: str = "poster") -> str:
    """Return a file name made of ``text``: letters, digits and Chinese kept, anything risky made ``_``.

    Examples
    --------
    >>> safe_file_name("和平社区"), safe_file_name("../a/b c:d"), safe_file_name("..."), safe_file_name("CON")
    ('和平社区', 'a_b_c_d', 'poster', 'CON_')
    """
    text = unicodedata.normalize("NFKC", str(text))
    stem = _RISKY.sub("_", text).strip("_.-")[:80].rstrip("_.-")
    if not stem:
        return fallback
    if stem.upper() in {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}:
        stem += "_"
    return stem


def page_url(url: str, block_id: str) -> str:
    """Return the address of a block's page on the site.

    Examples
    --------
    >>> page_url("https://circle.example.gov.cn/default/", "w1"), page_url("https://x.cn/s?lang=zh", "w1")
    ('https://circle.example.gov.cn/default/?b=w1', 'https://x.cn/s?lang=zh&b=w1')
    """
    url = url.strip()
    return f"{url}{'&' if '?' in url else '?'}b={block_id}"


def nearest_services(block: dict, count: int = NEAREST) -> list[dict]:
    """Return the block's nearest services by walking time, one per facility (a park counted once).

    Examples
    --------
    >>> park = {"name": "人民公园", "x": 1, "y": 2}
    >>> rows = [{"category": "park", "facility": park, "minutes": 9.0},
    ...         {"category": "park_1ha", "facility": park, "minutes": 9.0},
    ...         {"category": "clinic", "facility": {"name": "诊所", "x": 5, "y": 5}, "minutes": 3.0},
    ...         {"category": "elderly_care", "facility": None, "minutes": None}]
    >>> [s["category"] for s in nearest_services({"services": rows})]
    ['clinic', 'park']
    """
    reached = [s for s in block.get("services") or [] if s.get("facility") and _finite(s.get("minutes"))]
    order = {s["category"]: k for k, s in enumerate(block.get("services") or [])}
    reached.sort(key=lambda s: (s["minutes"], order[s["category"]]))
    chosen, seen = [], set()
    for service in reached:
        facility = service["facility"]
        key = (facility.get("name"), facility.get("x"), facility.get("y"))
        if key in seen:
            continue
        seen.add(key)
        chosen.append(service)
        if len(chosen) == count:
            break
    return chosen


def older_minutes(service: dict, profiles: dict) -> float | None:
    """Return the minutes of a service's walk at an older person's pace (the site's ``elderly`` profile).

    The standard minutes are scaled by how much longer the same metres (flat
    and on steps) take at the slower pace.

    Examples
    --------
    >>> profiles = {"standard": {"speed": 1.1, "steps_speed": 0.55}, "elderly": {"speed": 0.8, "steps_speed": 0.28}}
    >>> round(older_minutes({"minutes": 11.0, "metres": 726, "steps_metres": 0}, profiles), 2)
    15.12
    """
    standard, elderly = profiles.get("standard"), profiles.get("elderly")
    minutes = service.get("minutes")
    if not standard or not elderly or not _finite(minutes):
        return None
    metres = float(service.get("metres") or 0.0)
    steps = min(float(service.get("steps_metres") or 0.0), metres)
    flat = metres - steps
    slow = flat / elderly["speed"] + steps / elderly["steps_speed"]
    fast = flat / standard["speed"] + steps / standard["steps_speed"]
    ratio = slow / fast if fast > 0 else standard["speed"] / elderly["speed"]
    return float(minutes) * ratio


def minutes_words(minutes: float, lang: str) -> str:
    """Return walking minutes in words, rounded to whole minutes (half up).

    Examples
    --------
    >>> minutes_words(12.5, "zh"), minutes_words(0.4, "en"), minutes_words(1.49, "en")
    ('13分钟', 'under 1 min', '1 min')
    """
    if minutes < 0.5:
        return PHRASES["under_minute"][lang]
    return PHRASES["minutes"][lang].format(n=math.floor(minutes + 0.5))


def service_lines(service: dict, labels: dict, profiles: dict, partly_held: bool) -> dict[str, list[str]]:
    """Return a listed service in words: ``{"zh": [what, how far], "en": [both]}``.

    Examples
    --------
    >>> labels = {"clinic": {"zh": "诊所", "en": "Clinic"}}
    >>> s = {"category": "clinic", "facility": {"name": "华安诊所", "x": 0, "y": 0}, "minutes": 9.7, "metres": 640}
    >>> service_lines(s, labels, {}, False)
    {'zh': ['诊所：华安诊所', '步行约10分钟 · 640米'], 'en': ['Clinic: 华安诊所 — 10 min on foot, 640 m']}
    """
    label = labels.get(service["category"], {"zh": service["category"], "en": service["category"]})
    name = (service.get("facility") or {}).get("name")
    older = older_minutes(service, profiles)
    mark = " *" if partly_held else ""
    out = {}
    for lang in ("zh", "en"):
        what = f"{label[lang]}{'：' if lang == 'zh' else ': '}{name or PHRASES['unnamed_facility'][lang]}{mark}"
        metres = f"{service.get('metres'):,}" if isinstance(service.get("metres"), int) else "?"
        key = "walk" if older is not None else "walk_no_older"
        how = PHRASES[key][lang].format(
            minutes=minutes_words(service["minutes"], lang),
            older=minutes_words(older, lang) if older is not None else "",
            metres=metres,
        )
        out[lang] = [what, how] if lang == "zh" else [f"{what} — {how}"]
    return out


# --------------------------------------------------------------------------------------------- drawing


def _write_pdf(path: Path, pages: list[dict], site: dict, url: str, streets_dir: Path, font: str) -> None:
    canvas = Canvas(str(path), pagesize=A4, pageCompression=1)
    first = pages[0]
    canvas.setTitle(_clean(first.get("community")) or _clean(first.get("name")) or "poster")
    canvas.setSubject(_title(site, "zh"))
    canvas.setCreator("circle publish --posters")
    for block in pages:
        _draw_page(canvas, block, site, page_url(url, block["id"]), streets_dir, font)
        canvas.showPage()
    canvas.save()


def _draw_page(canvas, block: dict, site: dict, link: str, streets_dir: Path, font: str) -> None:
    labels = {c["key"]: c["label"] for c in site.get("categories") or []}
    partly = {c["key"] for c in site.get("categories") or [] if c.get("verdict") == "likely_incomplete"}
    absent = [c["key"] for c in site.get("categories") or [] if c.get("verdict") == "absent"]
    left, right = MARGIN, PAGE_W - MARGIN
    width = right - left

    # the site's title on a band across the top
    band_h = 30.0
    canvas.setFillColorRGB(*ACCENT)
    canvas.rect(0, PAGE_H - band_h - 8, PAGE_W, band_h + 8, stroke=0, fill=1)
    canvas.setFillColorRGB(1, 1, 1)
    canvas.setFont(font, 14)
    canvas.drawString(left, PAGE_H - band_h + 2, _title(site, "zh"))
    canvas.setFont(font, 9)
    canvas.drawRightString(right, PAGE_H - band_h + 3, _title(site, "en"))

    # the compound's name, where it is, its community
    y = PAGE_H - band_h - 8 - 46
    name = _clean(block.get("name")) or ""
    size = fit_size(name, font, width, 44, 28)
    lines = wrap(name, font, size, width)[:2]
    for line in lines:
        draw_text(canvas, left, y, line, font, size, INK, bold=True)
        y -= size * 1.1
    place = block.get("place") or {}
    where_zh = "　".join(
        v for v in (_clean(block.get("community")), _clean(block.get("subdistrict")), place.get("zh")) if v
    )
    y += size * 1.1 - size * 0.2
    y -= 20
    for line in wrap(where_zh, font, 15, width)[:2]:
        draw_text(canvas, left, y, line, font, 15, SOFT)
        y -= 17
    if place.get("en"):
        for line in wrap(place["en"], font, 10, width)[:1]:
            draw_text(canvas, left, y + 2, line, font, 10, SOFT)
            y -= 13

    # the score (left) and the QR code (right)
    qr_size = 148.0
    row_top = y - 6
    row_h = 182.0
    score_w = width - qr_size - 28
    _score_panel(canvas, block, site, (left, row_top - row_h + 14, score_w, row_h - 14), font)
    qr_x = right - qr_size
    qr_y = row_top - qr_size
    draw_qr(canvas, link, qr_x, qr_y, qr_size)
    draw_centred(canvas, qr_x + qr_size / 2, qr_y - 13, PHRASES["scan"]["zh"], font, 12.5, INK)
    draw_centred(canvas, qr_x + qr_size / 2, qr_y - 24, PHRASES["scan"]["en"], font, 8.5, SOFT)
    y = row_top - row_h - 14

    # the footer first: what is above it must end above it
    floor = _footer(canvas, site, link, font) + 12
    not_held = _not_held_lines(absent, labels, font, width)
    floor += sum(step for _line, _size, _colour, step in not_held) + (8 if not_held else 0)

    # the nearest services (left column) beside the map (right column), smaller where a long list needs it
    services = nearest_services(block)
    map_w = 222.0
    list_w = width - map_w - 16
    title = "nearest_title" if services else "nearest_title_none"
    draw_text(canvas, left, y, PHRASES[title]["zh"].format(count=len(services)), font, 18, INK, bold=True)
    draw_text(canvas, left, y - 14, PHRASES[title]["en"].format(count=len(services)), font, 10, SOFT)
    list_top = y - 34
    words = [service_lines(s, labels, site.get("profiles") or {}, s["category"] in partly) for s in services]
    unreached = [
        s["category"]
        for s in block.get("services") or []
        if not s.get("facility") and s.get("verdict") != "absent" and s["category"] in labels
    ]
    notes: list[tuple[str, float, tuple, float, float]] = []  # text, size, colour, step, gap above
    if unreached:
        for lang, size, colour, step, joiner in (("zh", 12.5, INK, 15.0, "、"), ("en", 8.5, SOFT, 10.5, ", ")):
            categories = joiner.join(labels[k][lang] for k in unreached)
            notes.append((PHRASES["unreached"][lang].format(categories=categories), size, colour, step, 0.0))
    elif not services:
        notes += [
            (PHRASES["no_services"]["zh"], 14.0, INK, 17.0, 0.0),
            (PHRASES["no_services"]["en"], 9.0, SOFT, 11.0, 0.0),
        ]
    if any(s["category"] in partly for s in services):
        notes += [
            (PHRASES["partly_held"]["zh"], 10.0, SOFT, 12.0, 5.0 if notes else 0.0),
            (PHRASES["partly_held"]["en"], 8.0, SOFT, 10.0, 0.0),
        ]
    for scale in (1.0, 0.93, 0.86, 0.8, 0.74):
        if _services(None, words, notes, left, list_top, list_w, font, scale) >= floor:
            break
    list_bottom = _services(canvas, words, notes, left, list_top, list_w, font, scale)

    map_x = right - map_w
    map_top = list_top + 14
    map_h = min(max(map_top - list_bottom - 44, 200.0), map_top - floor - 44)
    map_y = map_top - map_h
    draw_map(canvas, (map_x, map_y, map_w, map_h), block, services, streets_dir, font)
    _map_key(canvas, map_x, map_y - 12, map_w, site, font)

    # what the map data does not hold, said as such
    y = min(list_bottom, map_y - 44) - 10
    for line, size, colour, step in not_held:
        draw_text(canvas, left, y, line, font, size, colour)
        y -= step


def _services(canvas, words: list[dict], notes: list, x: float, top: float, width: float, font: str, scale: float):
    """Draw the listed services and the notes under them from ``top`` down; return the bottom.

    With ``canvas`` None nothing is drawn: the height is measured.
    """
    y = top
    text_x, text_w = x + 27, width - 27
    lines: list[tuple[float, float, str, float, tuple]] = []  # x, y, text, size, colour
    for number, service in enumerate(words, start=1):
        if canvas is not None:
            number_dot(canvas, x + 10, y + 5 * scale, number, font, radius=10 * scale)
        what, how = service["zh"]
        for text, size, colour, step, most in (
            (what, 14.5, INK, 17.5, 2),
            (how, 12.5, INK, 15.0, 2),
            (service["en"][0], 8.5, SOFT, 10.5, 3),
        ):
            for line in wrap(text, font, size * scale, text_w)[:most]:
                lines.append((text_x, y, line, size * scale, colour))
                y -= step * scale
        y -= 9 * scale
    for text, size, colour, step, gap in notes:
        y -= gap * scale
        for line in wrap(text, font, size * scale, width):
            lines.append((x, y, line, size * scale, colour))
            y -= step * scale
    if canvas is not None:
        for line_x, line_y, text, size, colour in lines:
            draw_text(canvas, line_x, line_y, text, font, size, colour)
    return y


def _not_held_lines(absent: list[str], labels: dict, font: str, width: float) -> list[tuple[str, float, tuple, float]]:
    """Return the lines saying which categories the map data does not hold: (text, size, colour, step)."""
    if not absent:
        return []
    zh = "、".join(labels.get(k, {}).get("zh", k) for k in absent)
    en = ", ".join(labels.get(k, {}).get("en", k) for k in absent)
    lines = [
        (line, 12.5, INK, 15.0) for line in wrap(PHRASES["not_held"]["zh"].format(categories=zh), font, 12.5, width)
    ]
    lines += [
        (line, 8.5, SOFT, 10.5) for line in wrap(PHRASES["not_held"]["en"].format(categories=en), font, 8.5, width)
    ]
    return lines


def _score_panel(canvas, block: dict, site: dict, frame, font: str) -> None:
    x, y, w, h = frame
    canvas.saveState()
    canvas.setFillColorRGB(0.94, 0.96, 0.98)
    canvas.setStrokeColorRGB(*ACCENT)
    canvas.setLineWidth(1.5)
    canvas.roundRect(x, y, w, h, 10, stroke=1, fill=1)
    canvas.restoreState()
    band = block.get("band") or {}
    score = block.get("score")
    top = y + h - 26
    draw_text(canvas, x + 16, top, PHRASES["score_title"]["zh"], font, 17, INK, bold=True)
    draw_text(canvas, x + 16, top - 14, PHRASES["score_title"]["en"], font, 9.5, SOFT)
    number = "—" if score is None else str(score)
    big = 64.0
    base = top - 14 - 72
    draw_text(canvas, x + 16, base, number, font, big, ACCENT, bold=True)
    after = x + 16 + stringWidth(number, font, big) + 10
    draw_text(canvas, after, base + 30, "分", font, 18, INK)
    draw_text(canvas, after, base + 12, PHRASES["score_out_of"]["zh"], font, 10, SOFT)
    draw_text(canvas, after, base + 1, PHRASES["score_out_of"]["en"], font, 8, SOFT)
    band_x = after + 78
    if band.get("zh"):
        draw_text(canvas, band_x, base + 20, band["zh"], font, 34, ACCENT, bold=True)
    if band.get("en"):
        draw_text(canvas, band_x, base + 1, band["en"], font, 11, SOFT)
    median = site.get("median_score")
    if _finite(median):
        shown = f"{median:.0f}"
        draw_text(canvas, x + 16, y + 24, PHRASES["median"]["zh"].format(median=shown), font, 12, SOFT)
        draw_text(canvas, x + 16, y + 11, PHRASES["median"]["en"].format(median=shown), font, 8.5, SOFT)


def _map_key(canvas, x: float, y: float, width: float, site: dict, font: str) -> None:
    """Draw the map's key under it: the shaded area, the compound, the numbered dots."""
    minutes = f"{float(site.get('isochrone_minutes') or 15):.0f}"
    rows = [
        ("area", PHRASES["key_area"]["zh"].format(minutes=minutes), PHRASES["key_area"]["en"].format(minutes=minutes)),
        ("block", PHRASES["key_block"]["zh"], PHRASES["key_block"]["en"]),
        ("dot", PHRASES["key_dots"]["zh"], PHRASES["key_dots"]["en"]),
    ]
    for kind, zh, en in rows:
        canvas.saveState()
        if kind == "area":
            canvas.setFillColorRGB(*AREA_FILL)
            canvas.rect(x, y - 1, 14, 10, stroke=0, fill=1)
        elif kind == "block":
            canvas.setFillColorRGB(*OUTLINE, alpha=0.25)
            canvas.setStrokeColorRGB(*OUTLINE)
            canvas.setLineWidth(1.6)
            canvas.rect(x, y - 1, 14, 10, stroke=1, fill=1)
        else:
            canvas.setFillColorRGB(*DOT)
            canvas.circle(x + 7, y + 4, 5, stroke=0, fill=1)
        canvas.restoreState()
        draw_text(canvas, x + 20, y, zh, font, 10, INK)
        draw_text(canvas, x + 24 + stringWidth(zh, font, 10), y, en, font, 7.5, SOFT)
        y -= 14


def _footer(canvas, site: dict, link: str, font: str) -> float:
    """Draw the data's date and source, the publishing date and the page's address at the foot; return its top."""
    left, right = MARGIN, PAGE_W - MARGIN
    width = right - left
    date = site.get("data_date")
    source = site.get("source") or {}
    attribution = site.get("attribution") or "© OpenStreetMap contributors"
    published = site.get("published") or ""
    zh = [
        PHRASES["data_date"]["zh"].format(date=date or PHRASES["date_unknown"]["zh"])
        + "　"
        + PHRASES["published"]["zh"].format(date=published)
        + "　"
        + attribution,
        PHRASES["source"]["zh"].format(source=source.get("zh") or "OpenStreetMap"),
    ]
    en = [
        PHRASES["data_date"]["en"].format(date=date or PHRASES["date_unknown"]["en"])
        + ". "
        + PHRASES["published"]["en"].format(date=published)
        + ". "
        + PHRASES["source"]["en"].format(source=source.get("en") or "OpenStreetMap", attribution=attribution)
        + ".",
        link,
    ]
    lines = [(line, 10.5, INK) for text in zh for line in wrap(text, font, 10.5, width)]
    lines += [(line, 7.5, SOFT) for text in en for line in wrap(text, font, 7.5, width)]
    y = MARGIN - 6 + sum(size * 1.3 for _line, size, _colour in lines)
    canvas.saveState()
    canvas.setStrokeColorRGB(0.7, 0.7, 0.72)
    canvas.setLineWidth(0.6)
    canvas.line(left, y + 6, right, y + 6)
    canvas.restoreState()
    top = y + 6
    for line, size, colour in lines:
        y -= size * 1.3
        draw_text(canvas, left, y, line, font, size, colour)
    return top


def _title(site: dict, lang: str) -> str:
    return ((site.get("title") or {}).get(lang)) or ""


def _clean(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
