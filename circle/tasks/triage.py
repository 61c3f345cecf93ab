"""Residents' reports decided: accepted into a scenario (computed and saved with the report's number), or rejected.

A report (:mod:`circle.deploy.reports`) asks for a change
(:func:`circle.analysis.resident_reports.proposed_change`); accepting it makes
that change in a new or saved scenario, computes the scenario
(:func:`circle.tasks.whatif.what_if`), saves it with the report's number in it
and records the decision in the deployment's database. Every decision, and
every scenario saved by one, goes to the audit log. The planner's triage page
(:mod:`circle.ui.triage`) presents these.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Protocol

from circle.analysis.resident_reports import (
    BY_COMMUNITY,
    CLOSURE_RADIUS_M,
    NEAR_M,
    Proposal,
    proposed_change,
    report_places,
)
from circle.deploy import audit
from circle.deploy.reports import ResidentReport, decide_report, list_reports, plain_text
from circle.errors import CircleError
from circle.study import Study
from circle.study.scenarios import (
    Change,
    check_name,
    load_scenario,
    scenario_author,
    scenario_exists,
    scenario_reports,
)
from circle.tasks.whatif import what_if

__all__ = [
    "ACCEPTED",
    "BY_COMMUNITY",
    "CLOSURE_RADIUS_M",
    "NEAR_M",
    "REJECTED",
    "Proposal",
    "accept",
    "proposed_change",
    "reject",
    "report_places",
    "take_into_scenario",
]

#: the audit log's actions of a decision on a report
ACCEPTED, REJECTED = "accept_report", "reject_report"


class Decider(Protocol):
    """Who decides: a planner's name and role, and whether they may change what an author saved."""

    name: str
    role: str | None

    def may_change(self, author: str | None) -> bool:
        """Whether this planner may replace or delete what ``author`` saved."""


def accept(
    database,
    study: Study,
    report_id: int,
    user: Decider,
    change: Change | None,
    scenario: str | None = None,
) -> ResidentReport:
    """Accept a report: make ``change`` in scenario ``scenario`` (computed and saved), then record the decision.

    Parameters
    ----------
    database : Database
        The deployment's database (the reports, the scenario names claimed, the audit log).
    study : Study
        The study the report is about (its folder's name is the report's site).
    report_id : int
        The report.
    user : Decider
        The planner deciding.
    change : Change or None
        The change the report makes (see :func:`circle.analysis.resident_reports.proposed_change`);
        None accepts it without changing anything.
    scenario : str, optional
        The scenario to make the change in (a saved one of ``user``'s, any for an admin, or a new name);
        needed with a change.

    Raises
    ------
    CircleError
        When the report is not the study's, the scenario name is missing or
        another planner's, or computing the scenario fails; nothing is decided then.
    """
    report = _report_of(database, study, report_id)
    name = None
    if change is not None:
        if not scenario or not scenario.strip():
            raise CircleError(f"name the scenario report {report.report_id} is taken into.", about=("scenario",))
        name = check_name(scenario.strip())
        if scenario_exists(study, name) and not user.may_change(scenario_author(study, name)):
            author = scenario_author(study, name) or "another planner"
            raise CircleError(f"scenario {name!r} is {author}'s; take the report into one of yours or a new one.")
    _audit_takes_decisions()
    if name is not None:
        take_into_scenario(
            study, report.report_id, change, name, user.name, user.role, user.may_change, database=database
        )
    decided = decide_report(database, report.report_id, accepted=True, by=user.name, scenario=name)
    audit.record(
        study.path.parent,
        user.name,
        user.role,
        ACCEPTED,
        f"{study.path.name}/report-{report.report_id}",
        database=database,
        report=report.report_id,
        kind=report.kind,
        change=None if change is None else change.kind,
        scenario=name,
    )
    return decided


def take_into_scenario(
    study: Study,
    report_id: int,
    change: Change,
    name: str,
    author: str | None = None,
    role: str | None = None,
    may_replace=None,
    preset: str | None = None,
    database=None,
) -> dict[str, Any]:
    """Make ``change`` (from report ``report_id``) in scenario ``name``, compute it, save it with the report's number.

    A scenario that exists keeps its changes and reports and takes this one
    after them; a new one starts with it. The scenario is computed and saved
    as the what-if page and ``circle whatif`` save one
    (:meth:`circle.tasks.whatif.WhatIf.save`). A report the scenario already
    acts on changes nothing.

    Returns
    -------
    dict
        ``name``, ``diff`` (the comparison with the baseline), ``changes`` (all
        the scenario's changes, as dicts), ``reports`` (every report it acts
        on) and ``saved`` (False when the scenario already acted on the report).
    """
    check_name(name)
    changes: list[Change] = []
    reports: list[int] = []
    if scenario_exists(study, name):
        description, _ = load_scenario(study, name)
        changes = [Change(**c) for c in description.get("changes", [])]
        reports = scenario_reports(description)
        if int(report_id) in reports:
            kept = description.get("changes", [])
            return {
                "name": name,
                "diff": description.get("diff", {}),
                "changes": kept,
                "reports": reports,
                "saved": False,
            }
    changes.append(change)
    computed = what_if(study, changes, preset)
    linked = sorted({*reports, int(report_id)})
    computed.save(name, author, role=role, may_replace=may_replace, reports=linked, database=database)
    return {
        "name": name,
        "diff": computed.diff,
        "changes": [asdict(c) for c in changes],
        "reports": linked,
        "saved": True,
    }


def reject(database, study: Study, report_id: int, user: Decider, reason: str) -> ResidentReport:
    """Reject a report with ``reason`` (required) and record the decision.

    Raises
    ------
    CircleError
        When the report is not the study's or no reason is given; nothing is decided then.
    """
    report = _report_of(database, study, report_id)
    if not plain_text(reason or ""):  # markup alone is no reason: it is dropped when the reason is kept
        raise CircleError(
            f"rejecting report {report.report_id} needs a reason the resident's words can be checked by.",
            about=("reason",),
        )
    _audit_takes_decisions()
    decided = decide_report(database, report.report_id, accepted=False, by=user.name, reason=reason)
    audit.record(
        study.path.parent,
        user.name,
        user.role,
        REJECTED,
        f"{study.path.name}/report-{report.report_id}",
        database=database,
        report=report.report_id,
        kind=report.kind,
        reason=decided.reason,
    )
    return decided


def _audit_takes_decisions() -> None:
    """Refuse a decision the audit log cannot record, before anything is changed."""
    missing = [action for action in (ACCEPTED, REJECTED) if action not in audit.ACTIONS]
    if missing:
        raise CircleError(
            f"the audit log does not know the action(s) {', '.join(missing)} yet, so no decision on a report can "
            "be recorded; nothing was decided (the deployment needs circle/deploy/audit.py to list them)."
        )


def _report_of(database, study: Study, report_id: int) -> ResidentReport:
    for report in list_reports(database, site=study.path.name):
        if report.report_id == int(report_id):
            return report
    raise CircleError(f"study {study.path.name} has no resident's report number {report_id}.")
