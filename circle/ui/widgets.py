"""Widgets shared by pages: building a study from an upload or a server file, and localised choices."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import streamlit as st

from circle.deploy import audit, db
from circle.deploy.builds import BuildQueue, SessionScratch, sweep_scratch
from circle.deploy.config import REPOSITORY, Deployment
from circle.deploy.serve import UPLOAD_LIMIT_MB as SERVED_UPLOAD_MB
from circle.deploy.server_files import describe_folders, list_server_files, resolve_server_file
from circle.errors import CircleError
from circle.i18n import t
from circle.i18n.offset_words import offset_words
from circle.i18n.poi_words import platform_words, top_left_out
from circle.i18n.strings import STRINGS
from circle.standards import builtin_presets, load_preset, load_profile, profile_names
from circle.study.scenarios import check_name
from circle.tasks.build import AnalysisOptions, build, check_inputs
from circle.ui import state as key
from circle.ui.access import User
from circle.ui.builtin_words import file_box, hide_uploader_words, placeholder
from circle.ui.census_join import admin_offset_warning, census_table_lines
from circle.ui.paths import shown
from circle.ui.text import md

UPLOAD_LIMIT_MB = SERVED_UPLOAD_MB["full"]  # what the server lets a browser send in one file


def study_builder(lang: str, deployment: Deployment, user: User) -> str | None:
    """Build a study from a file in the server's data folders or an uploaded ``.osm.pbf``/``.osm`` file.

    The server's files are listed to pick from
    (:func:`~circle.deploy.server_files.list_server_files`: only inside the
    data folders, with size and date), the upload beside them; the standard
    and the walking profile are chosen by their names, each with a line
    saying what it means. Optional: the bureau's facility list (CSV/Excel in
    WGS-84, GCJ-02 or BD-09), census polygons or a census table by 社区/街道
    with the boundary file it is joined to (each polygon file in its
    declared system), a DEM, and whether gated compounds are left only
    through their gates; what the census table's join gave is shown after
    the build (:func:`census_table_notes`). Uploads are checked by their
    content and size and against the planner's quota, saved under fixed names
    in a folder of this session's scratch (removed when the build ends, and
    with the session), and never used as paths. The picked server file is
    resolved again when the build starts
    (:func:`~circle.deploy.server_files.resolve_server_file`).
    Builds wait their turn (:func:`build_study`); each is written to the audit log.

    Returns
    -------
    str or None
        The name of the study built (it is also made the chosen study, and
        what the build found is kept for the planner page: :func:`show_built_notes`),
        or None when nothing was built.
    """
    hide_uploader_words(lang)
    st.subheader(t("new_study_source", lang))
    files_column, upload_column = st.columns(2, gap="large")
    server_file = _server_file_choice(files_column, lang, deployment)
    upload = file_box(upload_column, t("upload_osm", lang), ["pbf", "osm"], UPLOAD_LIMIT_MB, "upload_osm", lang)
    server_path = server_file.name if server_file is not None else ""
    name = st.text_input(t("new_study_name", lang), value=t("new_study_default_name", lang), key="new_study_name")
    preset_column, profile_column = st.columns(2, gap="large")
    preset = _preset_choice(preset_column, lang)
    profile = _profile_choice(profile_column, lang)
    with st.expander(t("build_more", lang)):
        table = file_box(st, t("build_facilities", lang), ["csv", "xlsx"], TABLE_LIMIT_MB, "upload_facilities", lang)
        systems = {
            "auto": t("build_crs_auto", lang),
            "wgs84": "WGS-84 (GPS, OSM)",
            "gcj02": "GCJ-02（高德 AMap、腾讯）",
            "bd09": "BD-09（百度 Baidu）",
        }
        system = st.radio(
            t("build_facilities_crs", lang), list(systems), format_func=systems.get, horizontal=True, key="build_crs"
        )
        mode = st.radio(
            t("build_facilities_mode", lang),
            ["add", "replace"],
            format_func=lambda m: t(f"build_mode_{m}", lang),
            horizontal=True,
            key="build_mode",
        )
        polygons = ["geojson", "json", "gpkg"]
        census = file_box(st, t("build_census", lang), polygons, TABLE_LIMIT_MB, "upload_census", lang)
        census_system = layer_system_choice(lang, t("build_census_crs", lang), "build_census_crs")
        census_table = file_box(
            st, t("build_census_table", lang), ["csv", "xlsx"], TABLE_LIMIT_MB, "upload_census_table", lang
        )
        table_columns = st.text_input(t("build_census_table_columns", lang), key="build_census_table_columns")
        admin = file_box(st, t("build_admin", lang), polygons, TABLE_LIMIT_MB, "upload_admin", lang)
        admin_system = layer_system_choice(lang, t("build_admin_crs", lang), "build_admin_crs")
        admin_name = st.text_input(t("build_admin_name_column", lang), key="build_admin_name_column")
        dem = file_box(st, t("build_dem", lang), ["tif", "tiff"], UPLOAD_LIMIT_MB, "upload_dem", lang)
        ignore_gates = st.checkbox(t("build_ignore_gates", lang), key="build_ignore_gates")
    if not st.button(t("build", lang), key="build_study", type="primary"):
        return None
    building = [False]  # once the build starts, build_study records its outcome itself
    saved_as: dict[str, str] = {}  # a census table's and boundary file's fixed names → the planner's own
    try:
        check_name(name)
        if (deployment.studies / name).exists():  # a build never replaces a study from here
            raise CircleError(t("study_name_taken", lang, name=name))
        if upload is None and server_file is None:
            raise CircleError(t("source_missing", lang))
        if upload is not None and server_file is not None:
            raise CircleError(t("source_both", lang))
        check_census_sources(lang, census, census_table, admin)
        uploads = [f for f in (upload, table, census, census_table, admin, dem) if f is not None]
        uploaded = sum(int(f.size) for f in uploads)
        check_quota(lang, deployment, user, uploaded)
        with session_scratch().folder() as folder:
            if upload is not None:
                # the name is never used as a path: the file is stored under a fixed name
                source = _save_upload(upload, folder / "upload.osm.data", UPLOAD_LIMIT_MB, OSM_MAGIC, lang)
            else:  # listed a moment ago: checked again, as a link may have changed since
                source = resolve_server_file(str(server_file.path), deployment.data_folders)
            options = AnalysisOptions(
                source=source, out=deployment.studies / name, preset=preset, profile=profile, use_gates=not ignore_gates
            )
            if table is not None:
                is_excel = table.getvalue()[:4] == b"PK\x03\x04"
                target = folder / ("facilities.xlsx" if is_excel else "facilities.csv")
                options.facilities_file = _save_upload(table, target, TABLE_LIMIT_MB, None, lang)
                options.facilities_crs, options.facilities_mode = system, mode
            if census is not None:
                is_gpkg = census.getvalue()[:16].startswith(b"SQLite format 3")
                target = folder / ("census.gpkg" if is_gpkg else "census.geojson")
                options.census_file = _save_upload(census, target, TABLE_LIMIT_MB, None, lang)
                options.population_crs = census_system
            if census_table is not None:
                is_excel = census_table.getvalue()[:4] == b"PK\x03\x04"
                target = folder / ("census_table.xlsx" if is_excel else "census_table.csv")
                options.census_table = _save_upload(census_table, target, TABLE_LIMIT_MB, None, lang)
                saved_as[target.name] = census_table.name
                options.census_table_columns = table_columns.strip() or None
            if admin is not None:
                is_gpkg = admin.getvalue()[:16].startswith(b"SQLite format 3")
                target = folder / ("boundaries.gpkg" if is_gpkg else "boundaries.geojson")
                options.admin_file = _save_upload(admin, target, TABLE_LIMIT_MB, None, lang)
                saved_as[target.name] = admin.name
                options.admin_crs, options.admin_name_column = admin_system, admin_name.strip() or None
            if dem is not None:
                options.dem_file = _save_upload(dem, folder / "dem.tif", UPLOAD_LIMIT_MB, TIFF_MAGIC, lang)
            shown_source = upload.name if upload is not None else server_path
            building[0] = True
            result = build_study(lang, deployment, user, options, shown_source, uploaded)
        notes = [("success", t("built", lang, name=name))]
        for section in ("facilities", "area", "blocks", "census"):  # a file read in the wrong coordinate system
            layer_offset = (getattr(result.summary.imports, section) or {}).get("offset_check") or {}
            if layer_offset.get("suggested"):
                notes.append(("warning", offset_words(layer_offset, section, lang)))
        mapping = (result.summary.imports.facilities or {}).get("mapping")
        if mapping:
            notes.append(
                ("info", t("built_poi_mapping", lang, **poi_mapping_facts(result.summary.imports.facilities, lang)))
            )
        notes += census_table_notes(result.summary.imports.census_table, lang, census_table, admin)
        for kind, text in notes:
            getattr(st, kind)(text)
    except CircleError as exc:
        if not building[0]:
            _record_refusal(deployment, user, name, [upload, table, census, census_table, admin, dem], server_path, exc)
        message = shown(exc)  # server paths relative to the data folders
        for saved, own in saved_as.items():
            message = message.replace(saved, md(own))
        st.error(t("error", lang, message=message) + field_hint(exc, lang))
        return None
    # the new study is the chosen one wherever studies are chosen, and the planner page says what the build found
    st.session_state[key.STUDY] = name
    st.session_state[BUILT_NOTES] = [("success", t("build_opened", lang, name=name)), *notes[1:]]
    return name


BUILT_NOTES = "built_notes"  # what the last build found, shown once on the planner page: [(kind, text)]


def show_built_notes() -> None:
    """Show, once, what the study just built found (its name, files read in a wrong system, the census join)."""
    for kind, text in st.session_state.pop(BUILT_NOTES, None) or []:
        getattr(st, kind)(text)


def _server_file_choice(container, lang: str, deployment: Deployment):
    """Offer the OSM files of the data folders by name, size and date; return the chosen ServerFile, or None."""
    if not deployment.data_folders:
        container.caption(t("server_path_none", lang))
        return None
    folders = describe_folders(deployment.data_folders, REPOSITORY)
    files = {found.name: found for found in list_server_files(deployment.data_folders)}
    if not files:
        container.info(t("server_files_none", lang, folders=folders))
        return None

    def label(file_name: str) -> str:
        found = files[file_name]
        size, date = size_words(found.size_bytes), found.modified.strftime("%Y-%m-%d")
        return t("server_file_label", lang, name=file_name, size=size, date=date)

    chosen = container.selectbox(
        t("server_files", lang),
        list(files),
        index=None,
        format_func=label,
        key="server_osm_path",
        placeholder=t("server_files_pick", lang),
        help=t("server_files_help", lang, folders=folders),
    )
    return files.get(chosen)


def size_words(size_bytes: int) -> str:
    """Return a file's size as a planner reads it (MB as the upload limits count them: 1024 × 1024 bytes).

    Examples
    --------
    >>> size_words(2_500), size_words(13 * 1024 * 1024 + 1), size_words(0)
    ('2 KB', '13.0 MB', '0 KB')
    """
    if size_bytes < 1024 * 1024:
        return f"{round(size_bytes / 1024):,} KB"
    return f"{size_bytes / 1024 / 1024:,.1f} MB"


@functools.cache
def _preset_words() -> dict[str, dict[str, str]]:
    """Return the built-in presets' titles by language: {name: {"zh": …, "en": …}}."""
    return {name: {"zh": load_preset(name).title_zh, "en": load_preset(name).title_en} for name in builtin_presets()}


@functools.cache
def _profile_words() -> dict[str, dict[str, str]]:
    """Return the walking profiles' labels by language: {name: {"zh": …, "en": …}}."""
    return {name: {"zh": load_profile(name).label_zh, "en": load_profile(name).label_en} for name in profile_names()}


def preset_title(name: str, lang: str) -> str:
    """Return a built-in preset's title in ``lang`` (a preset of the planner's own, by its name)."""
    return _preset_words().get(name, {}).get(lang, name)


def _described(lang: str, kind: str, name: str) -> str:
    """Return the one line saying what a preset or profile means, or nothing for one without it."""
    return t(f"{kind}_desc_{name}", lang) if f"{kind}_desc_{name}" in STRINGS else ""


def _preset_choice(container, lang: str) -> str:
    """Offer the built-in standards by title, each with what it means; return the preset's name."""
    words = _preset_words()
    names = sorted(words, key=lambda n: n != "gb50180_2018")  # the national standard first
    captions = [_described(lang, "preset", n) for n in names]
    return choice(
        container,
        "radio",
        t("build_preset", lang),
        names,
        "build_preset",
        lang,
        lambda n: words[n][lang],
        captions=captions,
    )


def _profile_choice(container, lang: str) -> str:
    """Offer the walking profiles by label, each with what it changes; return the profile's name."""
    words = _profile_words()
    names = list(words)
    captions = [_described(lang, "profile", n) for n in names]
    return choice(
        container,
        "radio",
        t("profile", lang),
        names,
        "build_profile",
        lang,
        lambda n: words[n][lang],
        captions=captions,
    )


#: the builder's hint for each input a library error may be about (:attr:`circle.errors.CircleError.about`)
FIELD_HINTS = {"census_table_columns": "hint_census_table_columns", "admin_name_column": "hint_admin_name_column"}


def field_hint(error: CircleError, lang: str) -> str:
    """Return where in the builder to fix what ``error`` is about (as the CLI names its flags), or nothing."""
    hints = [FIELD_HINTS[field] for field in error.about if field in FIELD_HINTS]
    return " " + t(hints[0], lang) if hints else ""


def check_census_sources(lang: str, census, census_table, admin) -> None:
    """Refuse census polygons given with a census table, and a boundary file without one, before anything is saved."""
    if census is not None and census_table is not None:
        raise CircleError(t("build_census_both", lang))
    if admin is not None and census_table is None:
        raise CircleError(t("build_admin_without_table", lang))


def census_table_notes(report: dict | None, lang: str, table=None, boundaries=None) -> list[tuple[str, str]]:
    """Return what a census table's join gave, and a warning when its boundary file's system seems wrong.

    ``table`` and ``boundaries`` are the uploads (when uploaded): the files
    are named as the planner named them. Each note is ``(kind, text)``, kind
    being the Streamlit call that shows it (``info``, ``warning``).
    """
    if not report:
        return []
    notes = []
    warning = admin_offset_warning(report, lang)
    if warning:
        notes.append(("warning", warning))
    names = {"table_name": getattr(table, "name", None), "boundary_name": getattr(boundaries, "name", None)}
    notes.append(("info", "  \n".join(census_table_lines(report, lang, **names))))
    return notes


def layer_system_choice(lang: str, label: str, widget_key: str) -> str:
    """Offer the coordinate systems of an uploaded polygon file; return ``wgs84``, ``gcj02``, ``bd09`` or ``EPSG:CODE``.

    高德 (AMap) and 腾讯 (Tencent) exports are GCJ-02, 百度 (Baidu) BD-09,
    although the files say EPSG:4326: the choice overrides the label. WGS-84
    is the default (a labelled projected file is taken back to degrees first).
    """
    choices = ["wgs84", "gcj02", "bd09", "epsg"]
    chosen = st.radio(
        label,
        choices,
        format_func=lambda c: t(f"layer_crs_{c}", lang),
        horizontal=True,
        key=widget_key,
        help=t("layer_crs_help", lang),
    )
    if chosen != "epsg":
        return chosen
    code = st.text_input(t("layer_crs_code", lang), value="EPSG:4547", key=f"{widget_key}_code").strip()
    return code if code.upper().startswith("EPSG:") else f"EPSG:{code}"


def poi_mapping_facts(facilities: dict, lang: str) -> dict:
    """Return what the app says of an imported list (a web map's export or not): its kind, system, rows, left-outs."""
    layout, mapping = facilities["layout"], facilities["mapping"]
    return {
        "platform": platform_words(layout["platform"], lang),
        "system": layout["system_name"],
        "rows": mapping["rows"],
        "mapped": mapping["mapped_rows"],
        "left": mapping["excluded_rows"] + mapping["unmapped_rows"],
        "top": "; ".join(f"{name} ({rows})" for name, rows in top_left_out(mapping)) or "—",
    }


def _record_refusal(deployment: Deployment, user: User, name: str, files: list, server_path: str, error) -> None:
    """Record in the audit log an upload or server file refused before its build (size, type, quota, path)."""
    uploads = [f for f in files if f is not None]
    audit.record(
        deployment.studies,
        user.name,
        user.role,
        "upload_refused",
        name,
        database=db.database_of(deployment),
        files=[str(f.name)[:200] for f in uploads],
        uploaded_bytes=sum(int(f.size) for f in uploads),
        server_path=server_path[:300] or None,
        outcome="refused",
        error=type(error).__name__,
    )


def build_study(lang: str, deployment: Deployment, user: User, options, shown_source: str, uploaded: int = 0):
    """Run one study build in its turn, with a progress bar, and record it in the audit log.

    ``shown_source`` is how the source is named in the log (an upload's own
    name, or the server path as typed); its SHA-256 is taken from the file.
    A facility list past the import limits is refused before the build waits
    for its turn (:func:`~circle.sources.tables.check_table`), so it never holds a slot.
    """
    progress = st.progress(0.0, text=t("building", lang))
    steps = [0]
    total = len(BUILD_STAGES) - (0 if options.dem_file else 1)  # the flat-ground comparison runs with a DEM only

    def on_stage(message: str) -> None:
        steps[0] += 1
        stage = stage_words(message, lang)
        words = t("build_progress", lang, step=min(steps[0], total), steps=total, stage=stage)
        progress.progress(min((steps[0] - 1) / total, 1.0), text=words)

    def on_wait(position: int) -> None:
        progress.progress(0.0, text=t("build_queued", lang, position=position, slots=deployment.concurrent_builds))

    source = Path(options.source) if options.source is not None else None

    def log(outcome: str, source_sha256: str | None = None, **facts) -> None:
        facts.update(uploaded_bytes=uploaded, profile=options.profile, outcome=outcome)
        target = Path(options.out).name
        where = (deployment.studies, user.name, user.role, "build_study", target)
        audit.record(*where, source, shown_source, source_sha256, database=db.database_of(deployment), **facts)

    try:
        check_inputs(options)  # sizes, zip bombs and declared rows are checked in a moment, before a slot is taken
        with build_queue(deployment).turn(on_wait=on_wait):
            progress.progress(0.0, text=t("building", lang))
            result = build(options, on_stage=on_stage)
    except CircleError as error:
        log("refused", error=type(error).__name__)
        raise
    progress.progress(1.0)
    log("done", result.summary.source.sha256)  # the build read and hashed the source already
    return result


#: the pipeline's stages in the order they run (:class:`circle.pipeline.stages.Stopwatch`); each has ``stage_<name>``
BUILD_STAGES = ("read", "blocks", "facilities", "network", "engine", "flat", "write")


def stage_words(message: str, lang: str) -> str:
    """Return a build stage in ``lang``: by its name when the pipeline gives it, else its message as is."""
    stage = getattr(message, "stage", None)
    return t(f"stage_{stage}", lang) if stage in BUILD_STAGES else str(message)


def build_queue(deployment: Deployment) -> BuildQueue:
    """Return the deployment's build queue (its tickets are in the database, shared by every process)."""
    return BuildQueue(db.database_of(deployment), deployment.concurrent_builds)


@st.cache_resource(show_spinner=False)
def _swept_scratch() -> int:
    """Remove the scratch folders of server processes that died (once per process)."""
    return len(sweep_scratch())


def session_scratch() -> SessionScratch:
    """Return this session's scratch folder, made at first use; it is removed with the session."""
    _swept_scratch()
    scratch = st.session_state.get(key.SCRATCH)
    if scratch is None:
        scratch = st.session_state[key.SCRATCH] = SessionScratch()
    return scratch


def check_quota(lang: str, deployment: Deployment, user: User, uploading: int) -> None:
    """Refuse an upload that would take the planner past the deployment's quota for 24 hours."""
    if not uploading:
        return
    since = dt.datetime.now(dt.UTC) - dt.timedelta(hours=24)
    used = audit.uploaded_bytes(deployment.studies, user.name, since, db.database_of(deployment))
    if used + uploading > deployment.upload_quota_mb * 1e6:
        raise CircleError(
            t("quota_exceeded", lang, used=f"{used / 1e6:,.0f}", quota=f"{deployment.upload_quota_mb:,.0f}")
        )


OSM_MAGIC = (b"<?xml", b"<osm", b"\x00\x00")  # XML, or a PBF's 4-byte big-endian header length
TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
TABLE_LIMIT_MB = 50


def _save_upload(upload, target: Path, limit_mb: int, magic: tuple[bytes, ...] | None, lang: str) -> Path:
    """Write an upload to ``target`` after checking its size and (when given) the bytes it starts with."""
    if upload.size > limit_mb * 1024 * 1024:
        raise CircleError(t("too_large", lang, limit=limit_mb))
    head = upload.getvalue()[:16].lstrip(b"\xef\xbb\xbf \t\r\n")
    if magic is not None and not head.startswith(magic):
        raise CircleError(t("wrong_type", lang, name=upload.name))
    target.write_bytes(upload.getbuffer())
    return target


def choice(
    container, kind: str, label: str, options: list, state_key: str, lang: str, format_func, default=None, **kwargs
):
    """Show a selectbox, radio or multiselect whose option labels follow the language.

    Streamlit keeps a keyed widget's option labels when only the labels
    change; keying the widget by language renews them, and the chosen value
    is carried across languages in ``st.session_state[state_key]``.
    """
    current = st.session_state.get(state_key, default)
    widget_key = f"{state_key}__{lang}"
    if kind in ("selectbox", "multiselect"):  # Streamlit's own "Choose an option" / "No options to select"
        kwargs.setdefault("placeholder", placeholder(lang, options, many=kind == "multiselect"))
    if kind == "multiselect":
        chosen = [c for c in (current if current is not None else options) if c in options]
        value = container.multiselect(label, options, default=chosen, key=widget_key, format_func=format_func, **kwargs)
    else:
        index = options.index(current) if current in options else 0
        value = getattr(container, kind)(label, options, index=index, key=widget_key, format_func=format_func, **kwargs)
    st.session_state[state_key] = value
    return value
