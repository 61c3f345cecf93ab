"""PDF gap reports: what ``circle report`` and the app's Report page make.

:func:`build_report` gathers a study's figures (:mod:`circle.report.content`),
draws its maps offline (:mod:`circle.report.maps`) and typesets them
(:mod:`circle.report.pdf`), writing the file atomically.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from circle.errors import CircleError
from circle.i18n import t
from circle.report.filing import FilingDetails, resolve_place, settings_details
from circle.report.fonts import INSTALL_HINT, find_font
from circle.study import Study

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class ReportResult:
    """A written report: where, how many pages and bytes, how long it took, and with which font.

    ``hints`` are what a command line can do next, as (string key, values) pairs: the report tells its
    readers in words, the terminal names the commands (:mod:`circle.cli.report` prints them).
    """

    path: Path
    pages: int
    size_bytes: int
    seconds: float
    font: str
    hints: tuple[tuple[str, dict], ...] = ()


def report_date(environ: dict[str, str] | None = None) -> dt.datetime:
    """Return the report date: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else now (UTC)."""
    environ = os.environ if environ is None else environ
    epoch = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except ValueError as error:
            raise CircleError(f"SOURCE_DATE_EPOCH={epoch!r} must be whole seconds since 1970.") from error
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def build_report(
    study: Study | str | Path,
    out: str | Path,
    lang: str = "zh",
    area_file: str | Path | None = None,
    scenario: str | None = None,
    compare: str | Path | None = None,
    when: dt.datetime | None = None,
    progress: Callable[[float, str], None] | None = None,
    include_flagged: bool = False,
    filing: FilingDetails | None = None,
) -> ReportResult:
    """Write a PDF gap report of a study.

    Parameters
    ----------
    study : Study or path
        The study folder (scored or not: scores are computed as ``circle score`` does).
    out : str or pathlib.Path
        The PDF to write; its folder is created. An existing file is replaced
        only once the new one is complete.
    lang : str
        ``"zh"`` or ``"en"``.
    area_file : path, optional
        A polygon file: report on the blocks inside it.
    scenario : str, optional
        A saved scenario to compare with the baseline.
    compare : str or pathlib.Path, optional
        A comparison folder (``circle compare``) whose changes get a section with maps.
    when : datetime.datetime, optional
        The report date (default: :func:`report_date`).
    progress : callable, optional
        Called with (fraction done, message in ``lang``).
    include_flagged : bool, default False
        Rank blocks whose population is flagged implausible among the priorities
        (by default they are listed first, to be checked, and left out).
    filing : FilingDetails, optional
        The place, issuing body, author and number for the cover; what it leaves
        empty is taken from the deployment's ``[report]`` settings, the place
        then from the data (:mod:`circle.report.filing`).

    Raises
    ------
    CircleError
        For an unknown language, an output that is not a ``.pdf``, a Chinese
        report without a CJK font, and the errors of the study, area or scenario.
    """
    # loaded only to write a report: the measures, reportlab and matplotlib (0.4 s) that the app's report form,
    # the indicators and the posters, which import this package, never need
    from circle.report.content import gather
    from circle.report.pdf import write_pdf

    started = time.perf_counter()
    if lang not in LANGUAGES:
        raise CircleError(f"a report is written in {' or '.join(LANGUAGES)}, not {lang!r}.", about=("lang",))
    destination = Path(out)
    if destination.suffix.lower() != ".pdf":
        raise CircleError(f"a report is written to a .pdf file, not {destination}.", about=("out",))
    if destination.is_dir():
        raise CircleError(f"{destination} is a folder; name the PDF file to write.", about=("out",))
    font = find_font()
    if lang == "zh" and not font.has_cjk:
        raise CircleError(f"a Chinese report cannot be printed without a Chinese font. {INSTALL_HINT}")
    study = study if isinstance(study, Study) else Study.open(study)
    content = gather(study, area_file, scenario, progress, lang, compare, include_flagged)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(f".{destination.name}.{uuid.uuid4().hex[:8]}.part")
    details = (filing or FilingDetails()).over(settings_details())
    try:
        pages = write_pdf(content, lang, font, partial, when or report_date(), progress, details)
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
    if progress is not None:
        progress(1.0, t("rpt_progress_done", lang))
    return ReportResult(
        path=destination,
        pages=pages,
        size_bytes=destination.stat().st_size,
        seconds=round(time.perf_counter() - started, 2),
        font=font.path.name,
        hints=terminal_hints(content, details),
    )


def terminal_hints(content, details: FilingDetails) -> tuple[tuple[str, dict], ...]:
    """Return what the command line can do to complete the report, as (string key, values) pairs."""
    hints: list[tuple[str, dict]] = []
    if resolve_place(content.study, content.blocks, details, "zh")[1] == "none":
        hints.append(("cli_report_hint_place", {}))
    missing = [name for name in ("issuer", "author", "number") if not getattr(details, name)]
    if details.number_prefix and "number" in missing:
        missing.remove("number")
    if missing:
        hints.append(("cli_report_hint_filing", {"missing": missing}))
    if content.suggestions and not content.suggestions_saved:
        hints.append(("cli_report_hint_sites", {}))
    imports = content.study.summary.imports
    counted = any(getattr(imports, s, None) for s in ("census", "census_table", "population_raster"))
    if not counted:
        hints.append(("cli_report_hint_population", {}))
    flagged = content.summary.flagged_blocks or []
    if flagged and not content.summary.flagged_in_priorities:
        hints.append(("cli_report_hint_flagged", {"count": len(flagged)}))
    if content.indicators is not None and len(content.indicators):
        hints.append(("cli_report_hint_indicators", {}))
    return tuple(hints)
