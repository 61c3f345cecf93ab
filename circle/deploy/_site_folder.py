"""The published sites under one folder: held in memory, reloaded in the background when a folder is replaced.

``circle publish`` writes a new site folder and renames it in place;
:class:`SiteFolder` notices (a few ``stat`` calls every :data:`CHECK_SECONDS`)
and reloads that site while the old files are still served.
:func:`find_sites` says which folders would be served, reading only their
``data/site.json``.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from circle.deploy._site_files import SITE_FILE, SITE_NAME, Site, load_site, site_stamp

log = logging.getLogger("circle.public")

#: seconds between looks at whether a site folder was replaced
CHECK_SECONDS = 2.0


class SiteFolder:
    """The published sites under one folder, held in memory and reloaded when a site folder is replaced.

    Parameters
    ----------
    root : pathlib.Path
        The folder whose subfolders ``NAME/`` holding ``data/site.json`` are served at ``/NAME/``.
    allowed : callable, optional
        ``allowed(folder_name, study_name)``: whether a site may be served (default: all).
    check_seconds : float
        How often a request looks for replaced sites.
    """

    def __init__(
        self,
        root: Path,
        allowed: Callable[[str, str], bool] | None = None,
        check_seconds: float = CHECK_SECONDS,
    ) -> None:
        self.root = Path(root)
        self.allowed = allowed or (lambda _folder, _study: True)
        self.check_seconds = check_seconds
        self.sites: dict[str, Site] = {}
        self.left_out: dict[str, str] = {}  # folder name -> why it is not served
        self._checked = 0.0
        self._root_stamp: tuple | None = None
        self._missing: set[str] = set()  # served sites not found at the last look (kept for one more)
        self._loading = threading.Lock()
        self.refresh()

    def refresh(self) -> bool:
        """Look at the folder now and load every site that is new or replaced; return whether anything changed."""
        with self._loading:
            self._checked = time.monotonic()
            self._root_stamp = self._stat_root()
            sites: dict[str, Site] = {}
            left_out: dict[str, str] = {}
            try:
                entries = sorted(os.scandir(self.root), key=lambda e: e.name)
            except OSError:
                entries = []
            for entry in entries:
                if entry.name.startswith(".") or entry.is_symlink() or not entry.is_dir():
                    continue  # a symbolic link could lead anywhere on the server
                folder = Path(entry.path)
                stamp = site_stamp(folder)
                if stamp is None:
                    continue
                if not SITE_NAME.match(entry.name):
                    left_out[entry.name] = "its name is not usable in an address"
                    continue
                known = self.sites.get(entry.name)
                if known is not None and known.stamp == stamp:
                    sites[entry.name] = known
                    continue
                try:
                    site = load_site(folder)
                except Exception as error:  # one broken site must not stop the others
                    left_out[entry.name] = str(error)
                    if known is not None:
                        sites[entry.name] = known  # keep what was served until a readable one replaces it
                    continue
                if not self.allowed(entry.name, site.study):
                    left_out[entry.name] = f"the study {site.study!r} is not among the deployment's public studies"
                    continue
                sites[entry.name] = site
                log.info("serving %s at /%s/ (%d files)", folder, entry.name, len(site.files))
            gone = set(self.sites) - set(sites) - set(left_out)
            for name in gone - self._missing:  # between publish's two renames: keep it until a second look
                sites[name] = self.sites[name]
            self._missing = gone - self._missing
            changed = sites.keys() != self.sites.keys() or any(sites[k] is not self.sites[k] for k in sites)
            self.sites = sites  # one assignment: a request sees the old set or the new one
            self.left_out = left_out
            return changed

    def find(self, name: object) -> Site | None:
        """Return the served site whose folder or study is called ``name`` (a report names either), or None."""
        if not isinstance(name, str):
            return None
        found = self.sites.get(name)
        if found is None:
            found = next((site for site in self.sites.values() if site.study == name), None)
        return found

    def maybe_refresh(self) -> None:
        """Look for replaced sites when :attr:`check_seconds` have passed, reloading in a background thread."""
        now = time.monotonic()
        if now - self._checked < self.check_seconds or self._loading.locked():
            return
        self._checked = now
        if not self._changed_on_disk():
            return
        threading.Thread(target=self.refresh, name="circle-sites-reload", daemon=True).start()

    def _stat_root(self) -> tuple | None:
        try:
            own = os.stat(self.root)
        except OSError:
            return None
        return (own.st_ino, own.st_mtime_ns)

    def _changed_on_disk(self) -> bool:
        """Whether the root or any served site's stamp differs from what is held (a few ``stat`` calls)."""
        root_stamp = self._stat_root()
        if root_stamp != self._root_stamp:
            self._root_stamp = root_stamp
            return True
        return bool(self._missing) or any(site_stamp(site.folder) != site.stamp for site in self.sites.values())


def find_sites(root: Path, allowed: Callable[[str, str], bool]) -> list[tuple[str, str, str | None]]:
    """Return the site folders under ``root`` as (folder name, study name, why it is not served or None).

    Only each ``data/site.json`` is read (for the command line to say what it will serve).
    """
    found = []
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except OSError:
        return []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir() or site_stamp(Path(entry.path)) is None:
            continue
        try:
            described = json.loads((Path(entry.path) / SITE_FILE).read_bytes())
            study = str(described.get("name") or entry.name)
        except (OSError, ValueError, AttributeError):
            found.append((entry.name, entry.name, f"its {SITE_FILE} is not readable"))
            continue
        if not SITE_NAME.match(entry.name):
            found.append((entry.name, study, "its name is not usable in an address"))
        elif not allowed(entry.name, study):
            found.append((entry.name, study, f"the study {study!r} is not among the deployment's public studies"))
        else:
            found.append((entry.name, study, None))
    return found
