"""A deployment's settings: what is served, to whom, from which folders.

The settings are read from a TOML file named by ``CIRCLE_CONFIG`` (else
``circle.toml`` at the repository's root, when there is one); without a file
every setting has the safe default below. Relative paths are taken from the
file's folder (the repository's root when there is no file)::

    mode = "full"                      # "public": the resident page only, for the open internet
    studies = "data/studies"           # CIRCLE_STUDIES, when set, wins
    sites = "data/sites"               # published resident sites (``circle serve --public``); default STUDIES/../sites
    public_studies = ["default"]       # studies a visitor may open; ["*"] for all (when set, the only sites served)
    data_folders = ["data/osm"]        # the only places planners may name server files in
    accounts = "data/accounts.json"    # an old accounts file, imported into the database once
    session_hours = 8                  # a sign-in lasts this long at most
    idle_minutes = 60                  # and ends after this long without a click
    signin_delay_s = 1.0               # every refused sign-in waits this long
    upload_quota_mb = 2000             # what one planner may upload in 24 hours
    concurrent_builds = 1              # study builds at once; more wait in a queue
    database = "postgresql+psycopg://circle@db.internal/circle"  # default: SQLite STUDIES/.circle.db
    trusted_proxies = ["127.0.0.1"]    # peers whose X-Forwarded-For names the visitor's address
    online_basemaps = false            # true: the planner's map also offers online tiles (OSM, AMap, a custom
                                       # server); by default its base is the study's own streets, water and
                                       # green, drawn offline (an intranet reaches no tile server)

    [oidc]                             # who, signed in through st.login, is a planner
    planners = ["*@bureau.example.cn"]
    admins = ["chief@bureau.example.cn"]

    [report]                           # what the PDF report's cover files it under (each may be left out)
    issuing_body = "成都市规划设计研究院"  # 编制单位
    author = "张三"                    # 编制人
    place = "锦江区"                   # the place in the title (default: the data's 街道/社区)
    place_en = "Jinjiang District"     # the place in English reports (default: place)
    number_prefix = "成规评"           # report numbers made as PREFIX-YYYYMMDD-CODE (else a line to fill in)
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from circle.errors import InputDataError

REPOSITORY = Path(__file__).resolve().parents[2]
MODES = ("full", "public")
ROLES = ("planner", "admin")  # a signed-in user's roles; a visitor has none


@dataclass(frozen=True)
class ReportSettings:
    """The ``[report]`` table: what a PDF report's cover says by default (each "" when not set)."""

    issuing_body: str = ""
    author: str = ""
    place: str = ""
    place_en: str = ""
    number_prefix: str = ""


@dataclass(frozen=True)
class Deployment:
    """The settings of one deployment (see the module's docstring for each)."""

    mode: str = "full"
    studies: Path = REPOSITORY / "data" / "studies"
    sites: Path | None = None  # None: the folder ``sites`` next to the studies folder
    public_studies: tuple[str, ...] = ("default",)
    public_studies_set: bool = False  # whether the settings name the public studies (else the default above)
    data_folders: tuple[Path, ...] = (REPOSITORY / "data" / "osm",)
    accounts: Path = REPOSITORY / "data" / "accounts.json"
    session_hours: float = 8.0
    idle_minutes: float = 60.0
    signin_delay_s: float = 1.0
    upload_quota_mb: float = 2000.0
    concurrent_builds: int = 1
    database: str | None = None  # a SQLAlchemy URL; None: SQLite ``STUDIES/.circle.db``
    trusted_proxies: tuple[str, ...] = field(default_factory=tuple)
    oidc_planners: tuple[str, ...] = field(default_factory=tuple)
    oidc_admins: tuple[str, ...] = field(default_factory=tuple)
    report: ReportSettings = field(default_factory=ReportSettings)
    online_basemaps: bool = False  # whether the planner's map offers online tiles besides the study's own base
    source: Path | None = None  # the file these settings came from

    @property
    def public_only(self) -> bool:
        """Whether this deployment serves the resident page alone."""
        return self.mode == "public"

    @property
    def sites_folder(self) -> Path:
        """Return the folder of the published resident sites: the ``sites`` setting, else ``STUDIES/../sites``."""
        if self.sites is not None:
            return Path(self.sites)
        return Path(self.studies).expanduser().absolute().parent / "sites"

    def is_public_study(self, name: str) -> bool:
        """Whether a visitor may open the study called ``name``."""
        return "*" in self.public_studies or name in self.public_studies

    def oidc_role(self, email: str | None) -> str | None:
        """Return ``"admin"``, ``"planner"`` or None for an identity provider's e-mail address."""
        if not email:
            return None
        address = email.strip().lower()
        if any(fnmatch.fnmatchcase(address, pattern.lower()) for pattern in self.oidc_admins):
            return "admin"
        if any(fnmatch.fnmatchcase(address, pattern.lower()) for pattern in self.oidc_planners):
            return "planner"
        return None


_KEYS = {
    "mode",
    "studies",
    "sites",
    "public_studies",
    "data_folders",
    "accounts",
    "session_hours",
    "idle_minutes",
    "signin_delay_s",
    "upload_quota_mb",
    "concurrent_builds",
    "database",
    "trusted_proxies",
    "oidc",
    "report",
    "online_basemaps",
}


def config_path() -> Path | None:
    """Return the settings file in use: ``CIRCLE_CONFIG``, else ``circle.toml`` at the root, else None."""
    named = os.environ.get("CIRCLE_CONFIG")
    if named:
        return Path(named).expanduser()
    default = REPOSITORY / "circle.toml"
    return default if default.is_file() else None


def load_deployment(path: Path | None = None) -> Deployment:
    """Read a deployment's settings (``path``, else :func:`config_path`), checking every value.

    Raises
    ------
    InputDataError
        When the file cannot be read or a setting is unknown or unusable; the
        message names the file and the setting.
    """
    path = path if path is not None else config_path()
    values: dict = {}
    base = REPOSITORY
    if path is not None:
        try:
            values = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputDataError(
                f"the settings file {path} does not exist; create it or unset CIRCLE_CONFIG."
            ) from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise InputDataError(f"the settings file {path} is not readable TOML ({type(error).__name__}).") from None
        base = Path(path).resolve().parent
    deployment = _from_values(values, base, path)
    studies = os.environ.get("CIRCLE_STUDIES")
    if studies:
        deployment = replace(deployment, studies=Path(studies))
    return deployment


def _from_values(values: dict, base: Path, path: Path | None) -> Deployment:
    where = str(path) if path is not None else "the default settings"
    problems = [f"unknown setting {key!r}" for key in values if key not in _KEYS]
    defaults = Deployment()
    mode = values.get("mode", defaults.mode)
    if mode not in MODES:
        problems.append(f"mode must be one of {', '.join(MODES)}")
    numbers = {}
    for key in ("session_hours", "idle_minutes", "signin_delay_s", "upload_quota_mb"):
        value = values.get(key, getattr(defaults, key))
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"{key} must be a number of 0 or more")
            value = getattr(defaults, key)
        numbers[key] = float(value)
    builds = values.get("concurrent_builds", defaults.concurrent_builds)
    if isinstance(builds, bool) or not isinstance(builds, int) or builds < 1:
        problems.append("concurrent_builds must be a whole number of 1 or more")
        builds = 1
    lists = {}
    for key in ("public_studies", "data_folders", "trusted_proxies"):
        value = values.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            problems.append(f"{key} must be a list of strings")
            value = None
        lists[key] = value
    oidc = values.get("oidc", {})
    if not isinstance(oidc, dict) or any(
        not isinstance(oidc.get(k, []), list) or not all(isinstance(v, str) for v in oidc.get(k, []))
        for k in ("planners", "admins")
    ):
        problems.append("[oidc] planners and admins must be lists of e-mail addresses or patterns")
        oidc = {}
    for key in ("studies", "sites", "accounts"):
        if key in values and not isinstance(values[key], str):
            problems.append(f"{key} must be a path")
    report = values.get("report", {})
    report_keys = set(ReportSettings.__dataclass_fields__)
    if not isinstance(report, dict) or any(k not in report_keys or not isinstance(v, str) for k, v in report.items()):
        problems.append(f"[report] takes only texts for {', '.join(sorted(report_keys))}")
        report = {}
    database = values.get("database")
    if database is not None and not (
        isinstance(database, str) and database.split(":", 1)[0].split("+", 1)[0] in ("sqlite", "postgresql")
    ):
        problems.append("database must be a URL starting sqlite:/// or postgresql+psycopg://")
    online = values.get("online_basemaps", defaults.online_basemaps)
    if not isinstance(online, bool):
        problems.append("online_basemaps must be true or false")
    if problems:
        raise InputDataError(f"{where}: " + "; ".join(problems) + ".")

    def folder(text: str) -> Path:
        return (base / Path(text).expanduser()).absolute()

    return Deployment(
        mode=mode,
        studies=folder(values["studies"]) if "studies" in values else defaults.studies,
        sites=folder(values["sites"]) if "sites" in values else None,
        public_studies=tuple(lists["public_studies"]) if lists["public_studies"] is not None else ("default",),
        public_studies_set=lists["public_studies"] is not None,
        data_folders=tuple(folder(v) for v in lists["data_folders"])
        if lists["data_folders"] is not None
        else defaults.data_folders,
        accounts=folder(values["accounts"]) if "accounts" in values else defaults.accounts,
        concurrent_builds=builds,
        database=database,
        trusted_proxies=tuple(lists["trusted_proxies"] or ()),
        oidc_planners=tuple(oidc.get("planners", [])),
        oidc_admins=tuple(oidc.get("admins", [])),
        report=ReportSettings(**{k: v.strip() for k, v in report.items()}),
        online_basemaps=online,
        source=path,
        **numbers,
    )
