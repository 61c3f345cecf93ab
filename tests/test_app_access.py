"""Who may open what, through streamlit.testing: visitors, signing in and out, expiry, scenario authors."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from circle.deploy.audit import read_log, verify_log
from circle.pipeline import AnalysisOptions, analyze
from circle.ui import state as key
from tests.deployment import ACCOUNTS, sign_in, use_deployment, write_deployment
from tests.osm_builder import small_town, to_lonlat

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PUBLIC_APP = str(ROOT / "public_app.py")
#: widget keys only the planner's pages draw
RESIDENT_TITLE = "我家附近步行15分钟能到什么"
PLANNER_KEYS = ("study_path", "upload_osm", "server_osm_path", "build_study", "whatif_add", "save_scenario")


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """Two studies of the small town: ``default`` (open to the public) and ``internal-draft``."""
    root = tmp_path_factory.mktemp("access")
    source = small_town(root / "town.osm")
    analyze(AnalysisOptions(source=source, out=root / "studies" / "default"))
    analyze(AnalysisOptions(source=source, out=root / "studies" / "internal-draft"))
    return root / "studies"


@pytest.fixture
def deployment(studies, tmp_path, monkeypatch):
    config = write_deployment(tmp_path / "deployment", studies, data_folders=(studies.parent,))
    use_deployment(monkeypatch, config)
    return config


def _keys(at) -> set[str]:
    """Every widget key the last run drew, in the main area and the sidebar."""
    found = set()
    for kind in ("selectbox", "text_input", "button", "file_uploader", "radio", "number_input", "checkbox"):
        for widget in at.get(kind):
            if getattr(widget, "key", None):
                found.add(widget.key)
    return found


def _on(at, url_path: str) -> bool:
    """Whether the last run showed the page at ``url_path`` (AppTest keeps it by its hash, the default's too)."""
    from streamlit.util import calc_hash

    return at._finished_page_script_hash == calc_hash(url_path)


def _open(at, url_path: str):
    """Open the page at ``url_path`` as a typed address would (AppTest's switch_page takes files only)."""
    from streamlit.util import calc_hash

    at._page_hash = calc_hash(url_path)
    at.run()
    at._page_hash = ""
    return at


def _sign_in_with(at, name: str, password: str):
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password)
    at.get("form_submit_button")[0].click()  # the form's only button
    return at.run()


def test_a_visitor_sees_the_resident_page_of_public_studies_only(deployment):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert _on(at, "resident") and at.title[0].value == RESIDENT_TITLE
    assert not _keys(at) & set(PLANNER_KEYS)
    assert at.selectbox(key="resident_study").options == ["default"]  # not internal-draft
    assert key.USER not in at.session_state


@pytest.mark.parametrize("address", ["planner", "report", "account"])
def test_a_visitor_asking_for_a_planner_address_gets_the_sign_in_page(deployment, address):
    at = AppTest.from_file(APP, default_timeout=60).run()
    _open(at, address)
    assert not at.exception
    assert _on(at, "signin")
    assert not _keys(at) & set(PLANNER_KEYS)
    assert {"signin_name", "signin_password"} <= _keys(at)


def test_wrong_passwords_are_refused_alike_after_the_delay(studies, tmp_path, monkeypatch):
    config = write_deployment(tmp_path / "deployment", studies, signin_delay_s=0.6)
    use_deployment(monkeypatch, config)
    answers = []
    for name, password in (("wang", "not-the-password"), ("nobody", "not-the-password"), ("wang", "")):
        at = AppTest.from_file(APP, default_timeout=60).run()
        _open(at, "signin")
        started = time.perf_counter()
        _sign_in_with(at, name, password)
        waited = time.perf_counter() - started
        assert not at.exception and key.USER not in at.session_state
        assert waited >= 0.6, waited
        answers.append([e.value for e in at.error])
        assert "not-the-password" not in json.dumps([m.value for m in at.markdown])
    assert answers[0] == answers[1] == answers[2] and len(answers[0]) == 1  # nothing tells which names exist
    log = (studies / ".audit.jsonl").read_text(encoding="utf-8")
    assert "not-the-password" not in log and "nobody" not in log  # neither passwords nor typed names
    assert [e["action"] for e in read_log(studies)][-3:] == ["sign_in_refused"] * 3


def test_a_name_tried_again_too_soon_is_refused_unchecked_and_logged_by_keyed_hash(deployment, studies, monkeypatch):
    from circle.deploy.db import database_for
    from circle.deploy.throttle import RULES, Rule, name_digest

    monkeypatch.setitem(RULES, "pair", Rule(-5, 900.0))  # 64 s after the first refusal, so the test is quick
    answers = []
    for password in ("not-the-password", ACCOUNTS["li"][0]):
        at = AppTest.from_file(APP, default_timeout=60).run()
        _open(at, "signin")
        _sign_in_with(at, "li", password)
        assert not at.exception and key.USER not in at.session_state  # even the right password waits its turn
        answers.append(([e.value for e in at.error], [w.value for w in at.warning]))
    assert answers[0][0] == answers[1][0] and not answers[0][1]
    assert any("6" in w for w in answers[1][1])  # try again in 6x s
    refused = [e for e in read_log(studies) if e["action"] == "sign_in_refused"][-2:]
    digest = name_digest(database_for(studies), "li")
    assert [(e["user"], e["name_hmac"], e["address"], e["checked"]) for e in refused] == [
        ("?", digest, "unknown", True),
        ("?", digest, "unknown", False),
    ]
    assert ACCOUNTS["li"][0] not in (studies / ".audit.jsonl").read_text(encoding="utf-8")


def test_a_planner_signs_in_reaches_the_page_asked_for_and_signs_out(deployment, studies):
    at = AppTest.from_file(APP, default_timeout=120).run()
    _open(at, "report")  # asked for the report before signing in
    _sign_in_with(at, "wang", ACCOUNTS["wang"][0])
    assert not at.exception
    assert at.session_state[key.USER]["name"] == "wang"
    assert _on(at, "report") and at.title[0].value == "报告"
    _open(at, "planner")
    assert "study_path" in _keys(at)
    _open(at, "account")
    at.button(key="signout").click().run()
    assert not at.exception
    assert key.USER not in at.session_state and not _on(at, "planner")
    _open(at, "planner")
    assert _on(at, "signin")
    actions = [e["action"] for e in read_log(studies)]
    assert actions[-2:] == ["sign_in", "sign_out"]
    verify_log(studies)


def test_a_sign_in_ends_after_its_hours_or_when_idle_or_when_the_account_goes(deployment, studies):
    from circle.deploy.accounts import add_account, remove_account
    from circle.deploy.db import database_for
    from circle.ui.access import session_record

    accounts = database_for(studies)
    hours_ago = time.time() - 9 * 3600
    for record in (
        session_record("wang", "planner", since=hours_ago),
        {**session_record("wang", "planner"), "seen": time.time() - 2 * 3600},
    ):
        at = AppTest.from_file(APP, default_timeout=60)
        at.session_state[key.USER] = record
        _open(at, "planner")
        assert key.USER not in at.session_state and _on(at, "signin")
        assert any("过期" in i.value or "expired" in i.value for i in at.info)
    at = sign_in(AppTest.from_file(APP, default_timeout=60), "li")
    at.run()
    assert "study_path" in _keys(at)
    remove_account(accounts, "li")
    try:
        at.run()
        assert key.USER not in at.session_state and "study_path" not in _keys(at)
    finally:
        add_account(accounts, "li", *ACCOUNTS["li"])


def test_the_public_app_serves_the_resident_page_even_to_a_signed_in_record(deployment):
    at = sign_in(AppTest.from_file(PUBLIC_APP, default_timeout=60), "zhao")
    at.run()
    assert not at.exception
    assert at.title[0].value == RESIDENT_TITLE
    assert not _keys(at) & set(PLANNER_KEYS)
    assert at.selectbox(key="resident_study").options == ["default"]
    assert sorted(p["url_pathname"] for p in at._registered_pages.values()) == ["", "resident"]  # home and resident
    assert _on(at, "resident")
    for address in ("planner", "signin", "report", "account"):  # no such pages: the resident page again
        _open(at, address)
        assert _on(at, "resident") and not _keys(at) & set(PLANNER_KEYS), address


def test_the_public_app_never_imports_the_planner_code(deployment):
    # run the public page in a fresh interpreter and list what it imported
    script = f"""
import sys
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({PUBLIC_APP!r}, default_timeout=60).run()
assert not at.exception, at.exception
loaded = sorted(m for m in sys.modules if m.startswith("circle."))
print("\\n".join(loaded))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    assert "circle.ui.resident" in loaded
    for planner_module in (
        "circle.ui.planner",
        "circle.ui.planner_map",
        "circle.ui.planner_gaps",
        "circle.ui.widgets",
        "circle.ui.whatif",
        "circle.ui.report",
        "circle.ui.access",
        "circle.pipeline",
        "circle.deploy.server_files",
    ):
        assert planner_module not in loaded, planner_module


def test_a_planner_of_the_identity_provider_signs_in_by_e_mail(studies, tmp_path, monkeypatch):
    config = write_deployment(tmp_path / "deployment", studies)
    with config.open("a", encoding="utf-8") as handle:
        handle.write('[oidc]\nplanners = ["*@bureau.example.cn"]\nadmins = ["chief@bureau.example.cn"]\n')
    use_deployment(monkeypatch, config)
    auth = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32}}
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets, at.user = auth, {"is_logged_in": True, "email": "Chief@bureau.example.cn"}
    at.run()
    assert not at.exception
    assert at.session_state[key.USER]["role"] == "admin" and "study_path" in _keys(at)
    stranger = AppTest.from_file(APP, default_timeout=60)
    stranger.secrets, stranger.user = auth, {"is_logged_in": True, "email": "someone@gmail.com"}
    stranger.run()
    _open(stranger, "planner")
    assert _on(stranger, "signin") and key.USER not in stranger.session_state
    assert any("someone@gmail.com" in w.value for w in stranger.warning)


def _with_scenario(at):
    """Explore a point of the town and add a kindergarten there (the what-if panel's first step)."""
    lon, lat = to_lonlat(200, 60)
    at.number_input(key="lat_input").set_value(lat).run()
    at.number_input(key="lon_input").set_value(lon).run()
    at.button(key="explore_point").click().run()
    at.selectbox(key="whatif_category__zh").set_value("kindergarten").run()
    at.button(key="whatif_add").click().run()
    return at


def test_scenarios_carry_their_author_and_only_the_author_or_an_admin_changes_them(deployment, studies):
    scenarios = studies / "default" / "scenarios"
    wang = _with_scenario(sign_in(AppTest.from_file(APP, default_timeout=120), "wang").run())
    wang.text_input(key="scenario_name").input("wang-kindergarten")
    wang.button(key="save_scenario").click().run()
    assert not wang.exception and not wang.error, [e.value for e in wang.error]
    saved = json.loads((scenarios / "wang-kindergarten" / "scenario.json").read_text(encoding="utf-8"))
    assert saved["author"] == "wang"
    # another planner sees it with its author, cannot delete it nor save over it
    li = _with_scenario(sign_in(AppTest.from_file(APP, default_timeout=120), "li").run())
    assert any("wang-kindergarten · wang" in m.value for m in li.markdown)
    assert "scenario_delete_0" not in _keys(li)
    li.text_input(key="scenario_name").input("wang-kindergarten")
    li.button(key="save_scenario").click().run()
    assert any("wang" in e.value for e in li.error)
    assert json.loads((scenarios / "wang-kindergarten" / "scenario.json").read_text())["author"] == "wang"
    # the author may delete it; so may an admin (here: a second scenario of wang's)
    wang.text_input(key="scenario_name").input("wang-second")
    wang.button(key="save_scenario").click().run()
    zhao = sign_in(AppTest.from_file(APP, default_timeout=120), "zhao").run()
    assert {"scenario_delete_0", "scenario_delete_1"} <= _keys(_with_scenario(zhao))
    zhao.button(key="scenario_delete_1").click().run()  # sorted by name: wang-second
    assert not zhao.exception and not (scenarios / "wang-second").exists()
    wang.run()
    wang.button(key="scenario_delete_0").click().run()
    assert not (scenarios / "wang-kindergarten").exists()
    events = [(e["user"], e["action"], e["target"]) for e in read_log(studies) if "scenario" in e["action"]]
    assert events[-4:] == [
        ("wang", "save_scenario", "default/wang-kindergarten"),
        ("wang", "save_scenario", "default/wang-second"),
        ("zhao", "delete_scenario", "default/wang-second"),
        ("wang", "delete_scenario", "default/wang-kindergarten"),
    ]


def test_a_new_scenario_name_another_planner_is_saving_is_refused_before_any_work(deployment, studies):
    from circle.deploy.db import database_for
    from circle.deploy.owners import claim_scenario, release_claim

    database = database_for(studies)
    claim_scenario(database, "default", "race", "wang")  # wang's save of a new "race" is under way
    try:
        li = _with_scenario(sign_in(AppTest.from_file(APP, default_timeout=120), "li").run())
        li.text_input(key="scenario_name").input("race")
        li.button(key="save_scenario").click().run()
        assert not li.exception and any("wang" in e.value and "race" in e.value for e in li.error)
        assert not any("race" in i.value for i in li.info)  # not told "saved"
        assert not (studies / "default" / "scenarios" / "race").exists()
        assert not [e for e in read_log(studies) if e["target"] == "default/race"]
    finally:
        release_claim(database, "default", "race", "wang")


def test_the_etc_passwd_case_is_not_offered_and_a_non_osm_file_is_named_without_its_content(
    deployment, studies, tmp_path
):
    # the server's files are picked from a list of the data folder's OSM files: nothing outside can be named
    passwd = tmp_path / "passwd"
    passwd.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    link_out = studies.parent / "passwd.osm"
    link_out.symlink_to(passwd)  # a link in the data folder that leads out of it
    not_osm = studies.parent / "notes.osm"  # inside the data folder, named .osm, but not OSM
    not_osm.write_text("secret notes of the bureau", encoding="utf-8")
    try:
        at = _open(sign_in(AppTest.from_file(APP, default_timeout=120), "wang").run(), "new-study")
        offered = at.selectbox(key="server_osm_path").options
        assert "passwd.osm" not in " ".join(offered) and "etc" not in " ".join(offered)
        assert any(o.startswith("notes.osm") for o in offered) and any(o.startswith("town.osm") for o in offered)
        at.selectbox(key="server_osm_path").select_index(offered.index(next(o for o in offered if "notes" in o)))
        at.text_input(key="new_study_name").input("attack")
        at.button(key="build_study").click().run()
        shown = " ".join(e.value for e in at.error)
        assert "notes.osm" in shown and "secret" not in shown
        (event,) = [e for e in read_log(studies) if e["target"] == "attack"]
        assert (event["user"], event["action"], event["outcome"]) == ("wang", "build_study", "refused")
        assert "secret notes" not in json.dumps(event)
        verify_log(studies)
    finally:
        link_out.unlink()
        not_osm.unlink()
