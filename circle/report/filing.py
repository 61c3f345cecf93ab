"""What a bureau files a report under: the place, who issued and wrote it, its number, and where its data came from.

The filing details come from, in this order, what the caller gives
(``circle report --place/--issuer/--author/--number``, the app's report
page), the deployment's ``[report]`` settings (:class:`circle.deploy.config.ReportSettings`)
and, for the place alone, the data: the sub-districts (街道) or communities
(社区) the study's blocks lie in, or the place an extract circle ships is
known to cover. What none of these names stays a blank line on the cover, to
be filled in by hand: nothing is made up.

The data's date is said as honestly as it is known: the extract's own
timestamp, else what is documented of an extract circle ships, else the
file's modification date, said to be only that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from circle.deploy.config import load_deployment
from circle.errors import CircleError
from circle.i18n import t
from circle.words.places import has_admin_units

#: the extracts circle ships, by SHA-256: the place they cover and their documented date, per language
KNOWN_EXTRACTS = {
    "d0e83aab6f4587d259fa8515132499ded9c66b3482586adaf93a658ab954225a": {
        "place": {"zh": "成都市中心城区", "en": "Central Chengdu"},
        "date": {"zh": "2018年年中（据数据来源说明）", "en": "mid-2018 (as its provenance states)"},
    },
}
#: how many units a place names before it counts the rest
PLACE_UNITS_NAMED = 2
#: the units name the place only when they hold at least this share of the residents reported on
PLACE_UNITS_SHARE = 0.5
#: the imported inputs a study records, in the order the cover lists them, with the string naming each
IMPORT_KINDS = (
    ("facilities", "filing_src_facilities"),
    ("census_table", "filing_src_census_table"),
    ("census", "filing_src_census"),
    ("population_raster", "filing_src_raster"),
    ("population_total", "filing_src_total"),
    ("blocks", "filing_src_blocks"),
    ("area", "filing_src_area"),
    ("dem", "filing_src_dem"),
)


@dataclass(frozen=True)
class FilingDetails:
    """What the caller or the settings give: each empty string is "not given".

    Attributes
    ----------
    place : str
        The place the report is about (e.g. ``"武侯区玉林街道"``); else taken from the data.
    place_en : str
        The place in English reports (default: ``place``).
    issuer : str
        The issuing body (编制单位).
    author : str
        Who wrote the report (编制人).
    number : str
        The report number (报告编号); else ``number_prefix`` with the date and a short code.
    number_prefix : str
        The start of a made report number, e.g. ``"成规评"``.
    """

    place: str = ""
    place_en: str = ""
    issuer: str = ""
    author: str = ""
    number: str = ""
    number_prefix: str = ""

    def over(self, fallback: FilingDetails) -> FilingDetails:
        """Return these details with every one left empty taken from ``fallback``."""
        return FilingDetails(
            **{name: getattr(self, name).strip() or getattr(fallback, name).strip() for name in self.__dict__}
        )


@dataclass(frozen=True)
class DataSource:
    """One input of the study as the cover lists it: what it is and what is known of it (in one language)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Filing:
    """The cover's filing block in one language.

    Attributes
    ----------
    place : str
        The place named in the title ("" when neither given nor found in the data).
    place_from : str
        ``"given"``, ``"admin"`` (the blocks' 街道/社区), ``"extract"`` (an extract circle ships) or ``"none"``.
    issuer, author, number : str
        As given ("" for a line left to fill in); ``number`` may be made from the settings' prefix.
    date : datetime.date
        The report date.
    sources : list of DataSource
        The data the study was built from, with their dates.
    """

    place: str
    place_from: str
    issuer: str
    author: str
    number: str
    date: dt.date
    sources: list[DataSource] = field(default_factory=list)

    def title(self, lang: str) -> str:
        """Return the report's title: "<place>15分钟生活圈服务缺口报告", the bare title when no place is known."""
        if self.place:
            return t("filing_title_place", lang, place=self.place)
        return t("filing_title", lang)


def settings_details() -> FilingDetails:
    """Return the deployment's ``[report]`` settings as filing details (empty when there are none or they fail)."""
    try:
        settings = load_deployment().report
    except CircleError:  # a report does not stop on settings it does not need; the app and CLI say what is wrong
        return FilingDetails()
    return FilingDetails(
        place=settings.place,
        place_en=settings.place_en,
        issuer=settings.issuing_body,
        author=settings.author,
        number_prefix=settings.number_prefix,
    )


def make_filing(study, blocks: pd.DataFrame, details: FilingDetails, lang: str, when: dt.datetime) -> Filing:
    """Return the filing block of a report on ``blocks`` of ``study`` in ``lang``.

    Parameters
    ----------
    study : circle.study.Study
        The study reported on (its summary names the sources).
    blocks : pandas.DataFrame
        The blocks reported on, with their ``subdistrict``/``community`` columns where the data has them.
    details : FilingDetails
        What the caller and the settings give.
    lang : str
        ``"zh"`` or ``"en"``.
    when : datetime.datetime
        The report date.
    """
    place, place_from = resolve_place(study, blocks, details, lang)
    number = details.number.strip()
    if not number and details.number_prefix.strip():
        number = made_number(details.number_prefix.strip(), study.path.name, when.date())
    return Filing(
        place=place,
        place_from=place_from,
        issuer=details.issuer.strip(),
        author=details.author.strip(),
        number=number,
        date=when.date(),
        sources=data_sources(study.summary, lang),
    )


def made_number(prefix: str, study_name: str, day: dt.date) -> str:
    """Return a report number made from a prefix: the prefix, the date and four characters of the study's name.

    The same study on the same day gets the same number in either language.

    Examples
    --------
    >>> made_number("成规评", "default", dt.date(2026, 12, 4))
    '成规评-20261204-37A8'
    """
    code = hashlib.sha256(study_name.encode("utf-8")).hexdigest()[:4].upper()
    return f"{prefix}-{day:%Y%m%d}-{code}"


def resolve_place(study, blocks: pd.DataFrame, details: FilingDetails, lang: str) -> tuple[str, str]:
    """Return the place the report is about and where it came from (see :attr:`Filing.place_from`)."""
    given = (details.place_en.strip() or details.place.strip()) if lang == "en" else details.place.strip()
    if given:
        return given, "given"
    from_units = place_of_units(blocks, lang)
    if from_units:
        return from_units, "admin"
    known = KNOWN_EXTRACTS.get(study.summary.source.sha256)
    if known is not None:
        return known["place"][lang], "extract"
    return "", "none"


def place_of_units(blocks: pd.DataFrame, lang: str) -> str:
    """Return the sub-districts (else communities) the blocks lie in, those with most residents first.

    One unit is named as it is ("玉林街道"); more are named up to :data:`PLACE_UNITS_NAMED`
    and counted ("玉林街道、芳草街道等3个街道"). "" when the data names no unit, or when the
    units hold less than :data:`PLACE_UNITS_SHARE` of the residents (a census of a few communities
    in a larger study does not name the study).

    Examples
    --------
    >>> frame = pd.DataFrame({"subdistrict": ["玉林街道", "芳草街道", "玉林街道"], "population": [10, 30, 40]})
    >>> place_of_units(frame, "zh")
    '玉林街道、芳草街道'
    """
    if not has_admin_units(blocks):
        return ""
    for column, unit in (("subdistrict", "subdistricts"), ("community", "communities")):
        if column not in blocks:
            continue
        names = blocks[column].astype("string").str.strip()
        weights = blocks["population"] if "population" in blocks else pd.Series(1.0, index=blocks.index)
        known = names.fillna("").ne("")
        totals = weights[known].groupby(names[known]).sum()
        if totals.empty or totals.sum() < PLACE_UNITS_SHARE * max(float(weights.sum()), 1e-9):
            continue
        ranked = totals.sort_values(ascending=False, kind="stable").index.tolist()
        named = t("list_sep", lang).join(ranked[:PLACE_UNITS_NAMED])
        if len(ranked) <= PLACE_UNITS_NAMED:
            return named
        return t(f"filing_place_{unit}", lang, names=named, count=len(ranked), more=len(ranked) - PLACE_UNITS_NAMED)
    return ""


def data_date_text(source, lang: str) -> str:
    """Return what is known of the OSM extract's date: its timestamp, its documented date, else its file's date."""
    if source.data_timestamp:
        return t("filing_date_recorded", lang, date=source.data_timestamp.replace("T", " ").rstrip("Z"))
    known = KNOWN_EXTRACTS.get(source.sha256)
    if known is not None:
        return t("filing_date_documented", lang, date=known["date"][lang])
    path = Path(source.path) if source.path else None
    if path is not None and path.is_file():
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date().isoformat()
        return t("filing_date_file", lang, date=modified)
    return t("filing_date_unknown", lang)


def data_sources(summary, lang: str) -> list[DataSource]:
    """Return the study's inputs as the cover lists them: the OSM extract first, then every imported file."""
    source = summary.source
    extract = t(
        "filing_src_osm_value", lang, file=source.file, sha=source.sha256[:12], date=data_date_text(source, lang)
    )
    sources = [DataSource(t("filing_src_osm", lang), extract)]
    imports = summary.imports
    for section, kind in IMPORT_KINDS:
        report = getattr(imports, section, None) if imports is not None else None
        if not isinstance(report, dict):
            continue
        files = [str(report[key]) for key in ("file", "boundary_file") if report.get(key)]
        if not files:
            continue
        sources.append(DataSource(t(kind, lang), t("list_sep", lang).join(files)))
    return sources
