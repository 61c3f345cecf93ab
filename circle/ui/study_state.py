"""What the planner page holds about one study, kept per study (and per study version) in the session.

Everything a planner's work on a study leaves on the page — the chosen point
and block, the map's focus, the what-if's changes and result (closures
included), the suggested sites and the last error of each panel — lives in
one :class:`StudyState`. The session keeps one per study version, under the
study folder's path and the SHA-256 of its manifest, so a study rebuilt in
place starts afresh instead of showing figures computed on its old tables.

Choosing another study shows that study's own state (empty the first time):
nothing of the study left is drawn, listed or said. Choosing the first study
again **restores** its work as it was left (point, block, focus, what-if,
closures, suggestions) as long as it is the same version; two things are not
restored: the last error (it was about a moment, not work to come back to)
and what was drawn or selected in the widgets showing the study's data, such
as a shape drawn on the map but not yet closed, or the selected row of the
priority table (the map shows it afresh; the selected block and the map's
focus are restored). Those widgets are keyed by the study's
:attr:`StudyState.token`, so a shape drawn on one study's map never reaches
another's, and their values are dropped whenever the study changes.

Each session has its own states (``st.session_state``); nothing here is
shared between users.
"""

from __future__ import annotations

import hashlib
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from circle.study import MANIFEST
from circle.ui import state as key

#: at most this many study versions are kept per session (the least recently shown is dropped)
KEPT_STUDIES = 8


@dataclass
class StudyState:
    """The planner page's work on one study version, in one session.

    Attributes
    ----------
    study_id : str
        ``<absolute path>#<manifest SHA-256, 16 hex digits>`` (:func:`study_id`).
    point : tuple of float, optional
        ``(lat, lon)`` in WGS-84 of the last click or typed point.
    block : str, optional
        ``block_id`` of the chosen block (clicked, or selected in the priority table).
    focus : tuple of float, optional
        ``(west, south, east, north)`` the map pans to (the block chosen in the priority table,
        a suggested site).
    focus_pending : bool
        Whether the map has still to be brought to ``focus`` (and the page scrolled to it): set
        when a row or a site is chosen, taken by the map's next run, so a later change in the
        sidebar keeps the view the planner has moved to since.
    focus_moves : int
        How many times a place was brought into view (the map is told a new centre each time).
    picked_row : str, optional
        The ``block_id`` of the priority table's row last selected: a new selection moves the
        map, the same one kept across reruns does not.
    last_click : tuple of float, optional
        The map's last click already taken (as the map returned it), so it is taken once.
    changes : list of dict
        The what-if's changes (:class:`circle.study.scenarios.Change` as dicts), closures included.
    whatif : circle.tasks.whatif.WhatIf, optional
        The what-if as computed, which "save" writes as it is (it is not computed again);
        :attr:`scenario` is what the page shows of it.
    suggestions : list of dict, optional
        The suggested sites (rows of :func:`circle.analysis.assess.compute_suggestions`).
    preset : str, optional
        The preset the page last scored with: sites chosen under another are dropped
        (the what-if's result records its own preset and is scored again).
    errors : dict of str to str
        The last error of each panel (``"whatif"``, ``"suggest"``), shown until its next action.
    """

    study_id: str
    point: tuple[float, float] | None = None
    block: str | None = None
    focus: tuple[float, float, float, float] | None = None
    focus_pending: bool = False
    focus_moves: int = 0
    picked_row: str | None = None
    last_click: tuple[float, float] | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    whatif: Any = None
    suggestions: list[dict[str, Any]] | None = None
    errors: dict[str, str] = field(default_factory=dict)
    preset: str | None = None

    @property
    def token(self) -> str:
        """Return a short name of this study version for widget keys (12 hex digits)."""
        return hashlib.sha256(self.study_id.encode("utf-8")).hexdigest()[:12]

    @property
    def map_key(self) -> str:
        """Return the planner map's widget key for this study (where streamlit-folium keeps clicks and drawings)."""
        return self.widget_key(key.PLANNER_MAP)

    def widget_key(self, name: str) -> str:
        """Return the key of widget ``name`` when it shows this study's data (``<name>_<token>``)."""
        return f"{name}_{self.token}"

    def choose(self, point: tuple[float, float], block: str | None) -> None:
        """Take a chosen point and the block it lies in (the what-if's last error was about another point)."""
        self.point, self.block = point, block
        self.errors.pop("whatif", None)

    def bring_into_view(self, bounds: tuple[float, float, float, float], block: str | None = None) -> None:
        """Ask the map to show ``bounds`` (west, south, east, north) once, and outline ``block`` when given."""
        self.focus, self.focus_pending = tuple(float(v) for v in bounds), True
        self.focus_moves += 1
        if block is not None:
            self.block = block

    def take_focus(self) -> tuple[float, float, float, float] | None:
        """Return the focus the map must move to on this run (None when it has already moved there)."""
        if not self.focus_pending:
            return None
        self.focus_pending = False
        return self.focus

    @property
    def scenario(self) -> dict[str, Any] | None:
        """Return the what-if's result as the page shows it (None before one is computed).

        ``diff``, ``affected``, ``added``, ``preset`` and, with closures, ``closure``, ``closed_lines``,
        ``cut_off``: read off :attr:`whatif`, the one copy of the result.
        """
        if self.whatif is None:
            return None
        computed = self.whatif
        added = [c for c in self.changes if c["kind"] in {"add", "move"}]
        shown = {"diff": computed.diff, "affected": computed.affected, "added": added, "preset": computed.preset}
        if computed.closed is not None:
            shown |= {
                "closure": computed.diff["closure"],
                "closed_lines": computed.closed_lines,
                "cut_off": computed.cut_off_ids,
            }
        return shown

    def reset_scenario(self) -> None:
        """Drop the what-if: its changes, closures and result."""
        self.changes = []
        self.whatif = None
        self.errors.pop("whatif", None)


def study_id(path: Path) -> str:
    """Return the id of the study version at ``path``: its absolute path and its manifest's SHA-256.

    A study rebuilt in place gets a new manifest (every table's checksum is in
    it), so a new id; one that cannot be read gets ``#unreadable``.
    """
    folder = Path(path).resolve()
    try:
        digest = hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()[:16]
    except OSError:
        digest = "unreadable"
    return f"{folder}#{digest}"


def study_state(path: Path, session: MutableMapping[str, Any] | None = None) -> StudyState:
    """Return this session's state of the study at ``path``, switching to it when another study was shown.

    Parameters
    ----------
    path : pathlib.Path
        The study folder the page shows.
    session : mutable mapping, optional
        Where the states are kept; ``st.session_state`` by default.

    Returns
    -------
    StudyState
        The study's state: the one left when it was last shown (same version),
        else a new, empty one. On a switch its errors, the typed coordinates
        (:data:`circle.ui.state.STUDY_INPUTS`) and the values of the widgets
        keyed per study (:data:`circle.ui.state.STUDY_WIDGETS`: the maps'
        clicks and drawings, the selected row) are dropped; older
        versions of the same folder are forgotten, and of other studies the
        :data:`KEPT_STUDIES` most recently shown are kept.
    """
    if session is None:
        session = st.session_state
    wanted = study_id(path)
    states: dict[str, StudyState] = session.setdefault(key.STUDY_STATES, {})
    state = states.pop(wanted, None) or StudyState(wanted)
    if session.get(key.ACTIVE_STUDY) != wanted:
        state.errors.clear()
        for name in [*key.STUDY_INPUTS, *_study_widgets(session)]:  # the typed place, drawings, the selected row
            session.pop(name, None)
        session[key.ACTIVE_STUDY] = wanted
    folder = wanted.rpartition("#")[0]
    for stale in [k for k in states if k.rpartition("#")[0] == folder]:
        del states[stale]
    states[wanted] = state  # the most recently shown last
    while len(states) > KEPT_STUDIES:
        del states[next(iter(states))]
    return state


def _study_widgets(session: MutableMapping[str, Any]) -> list[str]:
    """Return the session keys of widgets keyed per study (``<name>_<token>``)."""
    prefixes = tuple(f"{name}_" for name in key.STUDY_WIDGETS)
    return [k for k in list(session) if isinstance(k, str) and k.startswith(prefixes)]
