"""The planner's triage of residents' reports: accept into a scenario, reject with a reason, all in the audit log.

The decisions are driven through :func:`circle.tasks.triage.accept` and
:func:`circle.tasks.triage.reject` and through the page itself (streamlit.testing),
on the two-community town of ``tests/test_resident_reports_analysis.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from circle.deploy import audit
from circle.deploy.reports import list_reports, submit_report
from circle.errors import CircleError
from circle.pipeline import AnalysisOptions, analyze
from circle.study import Study
from circle.study.scenarios import Change, load_scenario, scenario_exists
from circle.tasks.triage import ACCEPTED, REJECTED, accept, reject
from circle.ui.access import User
from tests.deployment import sign_in, use_deployment, write_deployment
from tests.osm_builder import to_lonlat
from tests.test_resident_reports_analysis import two_community_town

APP = str(Path(__file__).resolve().parents[1] / "app.py")
WANG = User("wang", "planner", "local")
LI = User("li", "planner", "local")
#: text a stranger could send: markup is stripped when the report is stored, markdown must show as text
HOSTILE = "诊所关门了 ![x](http://example.invalid/x.png) **大字** <img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    root = tmp_path_factory.mktemp("triage")
    analyze(AnalysisOptions(source=two_community_town(root / "town.osm"), out=root / "studies" / "town"))
    return root / "studies"


@pytest.fixture(scope="module")
def config(studies, tmp_path_factory):
    return write_deployment(tmp_path_factory.mktemp("deployment"), studies)


@pytest.fixture
def deployment(config, monkeypatch, studies):
    from circle.deploy.db import database_for

    use_deployment(monkeypatch, config)
    return database_for(studies)


@pytest.fixture
def town(studies):
    return Study.open(studies / "town")


_ADDRESS = iter(range(1, 250))


def send(database, kind, category, east, north, text="诊所已经关门了", contact=None, site="town"):
    lon, lat = to_lonlat(east, north)
    return submit_report(
        database,
        site=site,
        block_id=None,
        kind=kind,
        category=category,
        lon=lon,
        lat=lat,
        text=text,
        contact=contact,
        address=f"10.1.{next(_ADDRESS)}.1",  # one address each: the per-address limits never interfere
    )


def status_of(database, number):
    (found,) = [r for r in list_reports(database) if r.report_id == number]
    return found


def events_about(studies, number):
    return [e for e in audit.read_log(studies) if e.get("report") == number]


# the decisions ---------------------------------------------------------------------------------------------------


def test_accepting_a_closed_clinic_report_saves_a_scenario_that_links_back(deployment, town, studies):
    from circle.analysis.resident_reports import proposed_change

    number = send(deployment, "closed", "clinic", 300, 5)
    change = proposed_change(town, status_of(deployment, number)).change
    decided = accept(deployment, town, number, WANG, change, "clinic-closed")
    assert (decided.status, decided.scenario, decided.decided_by) == ("accepted", "clinic-closed", "wang")
    description, _ = load_scenario(town, "clinic-closed")
    assert description["reports"] == [number] and description["author"] == "wang"
    assert [Change(**c) for c in description["changes"]] == [change]
    actions = [(e["action"], e["target"]) for e in audit.read_log(studies)][-2:]
    assert actions == [("save_scenario", "town/clinic-closed"), (ACCEPTED, f"town/report-{number}")]
    assert events_about(studies, number)[-1]["scenario"] == "clinic-closed"
    audit.verify_log(studies)


def test_accepting_without_a_change_only_marks_it(deployment, town, studies):
    number = send(deployment, "closed", "clinic", 610, 290)  # no clinic within 150 m: nothing to remove
    decided = accept(deployment, town, number, WANG, None)
    assert decided.status == "accepted" and decided.scenario is None
    assert events_about(studies, number)[-1]["change"] is None


def test_rejecting_without_a_reason_is_refused_and_nothing_changes(deployment, town, studies):
    number = send(deployment, "wrong", "clinic", 800, 5)
    for reason in ("", "   ", "<b></b>"):
        with pytest.raises(CircleError, match="reason"):
            reject(deployment, town, number, WANG, reason)
        assert status_of(deployment, number).status == "new"
    assert events_about(studies, number) == []


def test_rejecting_with_a_reason_keeps_it_and_logs_it(deployment, town, studies):
    number = send(deployment, "wrong", "clinic", 800, 5)
    decided = reject(deployment, town, number, LI, "现场核实：诊所仍在营业")
    assert (decided.status, decided.reason, decided.decided_by) == ("rejected", "现场核实：诊所仍在营业", "li")
    (event,) = events_about(studies, number)
    assert (event["action"], event["user"], event["reason"]) == (REJECTED, "li", "现场核实：诊所仍在营业")


def test_another_planners_scenario_and_another_studys_report_are_refused(deployment, town, studies):
    from circle.tasks.whatif import what_if

    lon, lat = to_lonlat(100, 150)
    what_if(town, [Change("add", category="kindergarten", lat=lat, lon=lon)]).save("wang-only", "wang")
    number = send(deployment, "missing", "kindergarten", 120, 160)
    lon, lat = to_lonlat(120, 160)
    change = Change("add", category="kindergarten", lat=lat, lon=lon)
    with pytest.raises(CircleError, match="wang's"):
        accept(deployment, town, number, LI, change, "wang-only")
    with pytest.raises(CircleError, match="name the scenario"):
        accept(deployment, town, number, LI, change, " ")
    assert status_of(deployment, number).status == "new"
    assert "reports" not in load_scenario(town, "wang-only")[0]
    elsewhere = send(deployment, "missing", "kindergarten", 120, 160, site="another-study")
    with pytest.raises(CircleError, match="no resident's report"):
        reject(deployment, town, elsewhere, WANG, "not here")


# the page ----------------------------------------------------------------------------------------------------------


def _open(at, url_path: str):
    """Open the page at ``url_path`` as a typed address would (AppTest's switch_page takes files only)."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    at.run()
    at._page_hash = ""
    return at


def _page(name="wang"):
    at = sign_in(AppTest.from_file(APP, default_timeout=180), name)
    at.run()
    return _open(at, "triage")


def _texts(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_the_page_shows_the_reports_and_refuses_a_rejection_without_reason(deployment, studies):
    number = send(deployment, "closed", "clinic", 330, 10, text=HOSTILE, contact="wechat: li-resident")
    at = _page()
    assert not at.exception, at.exception
    assert at.title[0].value == "居民反映处理"
    at.selectbox(key="triage_report__zh").set_value(number).run()
    assert not at.exception, at.exception
    shown = _texts(at)
    # the stranger's words are plain text, never markdown (no link or image of theirs drawn); markup was never kept
    words = [e.value for e in at.text]
    assert "诊所关门了 ![x](http://example.invalid/x.png) **大字**" in words
    assert "example.invalid" not in shown and "大字" not in shown
    assert not any("<img" in w or "onerror" in w for w in words)
    assert "wechat: li-resident" in words  # the contact, for planners
    assert "中卫生站" in shown  # what accepting would remove: the clinic nearest the pin
    # the table lists it; filters narrow it
    assert number in at.dataframe[0].value.iloc[:, 0].tolist()
    at.multiselect(key="triage_kind__zh").set_value(["blocked_path"]).run()
    assert not at.exception and (not at.dataframe or number not in at.dataframe[0].value.iloc[:, 0].tolist())
    at.multiselect(key="triage_kind__zh").set_value([]).run()
    # a click on a pin chooses its report in the next run (the selector is drawn before the map)
    other = send(deployment, "missing", "kindergarten", 120, 160)
    at.run()
    at.session_state["triage_clicked_report"] = number
    at.run()
    assert at.selectbox(key="triage_report__zh").value == number != other
    at.button(key="triage_reject").click().run()
    assert any("理由" in e.value for e in at.error)
    assert status_of(deployment, number).status == "new"


def test_the_page_accepts_into_a_new_scenario_and_rejects_with_a_reason(deployment, town, studies):
    taken = send(deployment, "closed", "clinic", 330, 10)
    refused = send(deployment, "missing", "kindergarten", 700, 150)
    at = _page()
    at.selectbox(key="triage_report__zh").set_value(taken).run()
    assert at.radio(key=f"triage_change_{taken}__zh").value == "proposed"
    at.text_input(key="triage_new_name").input("来自居民")
    at.button(key="triage_accept").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"第 {taken} 号" in s.value for s in at.success)
    assert scenario_exists(town, "来自居民")
    description = json.loads((town.path / "scenarios" / "来自居民" / "scenario.json").read_text(encoding="utf-8"))
    assert description["reports"] == [taken] and description["changes"][0]["kind"] == "remove"
    assert status_of(deployment, taken).scenario == "来自居民"
    assert any("来自居民反映第" in m.value and str(taken) in m.value for m in at.markdown)
    at.selectbox(key="triage_report__zh").set_value(refused).run()
    at.text_area(key=f"triage_reason_{refused}").input("规划中已有幼儿园")
    at.button(key="triage_reject").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert status_of(deployment, refused).reason == "规划中已有幼儿园"
    assert [e["action"] for e in events_about(studies, refused)] == [REJECTED]


def test_a_signed_out_visitor_asking_for_the_triage_page_is_sent_to_sign_in(deployment):
    from streamlit.util import calc_hash

    at = AppTest.from_file(APP, default_timeout=60).run()
    _open(at, "triage")
    assert at._finished_page_script_hash == calc_hash("signin")
    assert not any("triage" in str(getattr(w, "key", "")) for w in at.get("button"))
