"""The planner page's work is kept per study: nothing of one study shows under another (issue 27, part 5).

Two small studies: ``default`` (the small town, compound 西园小区) and
``north`` (the grid town, compound 东苑, moved 0.05° north so the town's
points lie outside it). Choosing a study shows only its own point, what-if,
closures, suggestions and errors; choosing the first again restores its work
(the same study version) but not its last error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from circle.pipeline import AnalysisOptions, analyze
from circle.ui import state as key
from circle.ui.study_state import KEPT_STUDIES, StudyState, study_id, study_state
from tests.deployment import sign_in, use_deployment, write_deployment
from tests.osm_builder import small_town, to_lonlat
from tests.test_closures import grid_town

APP = str(Path(__file__).resolve().parents[1] / "app.py")
NORTH_SHIFT = 0.05  # degrees of latitude the grid town is moved north (about 5.5 km)


def moved_north(path: Path, degrees: float = NORTH_SHIFT) -> Path:
    """Move every node of an OSM XML file ``degrees`` north (the file is rewritten in place)."""
    text = path.read_text(encoding="utf-8")
    path.write_text(
        re.sub(r'lat="([-0-9.]+)"', lambda m: f'lat="{float(m.group(1)) + degrees:.8f}"', text), encoding="utf-8"
    )
    return path


def two_towns(root: Path) -> Path:
    """Build ``root/studies/default`` (the small town) and ``root/studies/north`` (the grid town, moved north)."""
    studies = root / "studies"
    analyze(AnalysisOptions(source=small_town(root / "town.osm"), out=studies / "default"))
    analyze(AnalysisOptions(source=moved_north(grid_town(root / "grid.osm")), out=studies / "north"))
    return studies


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    return two_towns(tmp_path_factory.mktemp("two-towns"))


@pytest.fixture
def app(studies, tmp_path, monkeypatch):
    use_deployment(monkeypatch, write_deployment(tmp_path / "deployment", studies))
    at = sign_in(AppTest.from_file(APP, default_timeout=120))
    at.run()
    assert not at.exception, at.exception
    return at


def _work(at) -> StudyState:
    return at.session_state[key.STUDY_STATES][at.session_state[key.ACTIVE_STUDY]]


def _explore(at, lat: float, lon: float) -> None:
    at.number_input(key=key.LAT_INPUT).set_value(lat).run()
    at.number_input(key=key.LON_INPUT).set_value(lon).run()
    at.button(key="explore_point").click().run()
    assert not at.exception, at.exception


def _shown(at) -> str:
    """Everything the page says in text: markdown, messages, metrics' labels."""
    parts = [e.value for kind in ("markdown", "success", "warning", "error", "info", "caption") for e in at.get(kind)]
    return "\n".join(str(p) for p in parts)


def test_a_what_if_stays_with_its_study_and_comes_back_with_it(app, studies):
    lon, lat = to_lonlat(200, 60)  # inside 西园小区
    _explore(app, lat, lon)
    app.selectbox(key="whatif_category__zh").set_value("kindergarten").run()
    app.button(key="whatif_add").click().run()
    app.selectbox(key="suggest_category__zh").set_value("kindergarten").run()
    app.button(key="suggest_go").click().run()
    # a step that fails (a facility 11 km away) keeps the scenario as it was and says why
    _explore(app, lat + 0.1, lon)
    app.button(key="whatif_add").click().run()
    assert not app.exception, app.exception
    town = _work(app)
    assert len(town.changes) == 1 and town.scenario is not None and town.suggestions
    assert any("300 m" in e.value for e in app.error)
    # no kindergarten is mapped, so none is scored: the added one's children aged 3–6 (14 of the compound's
    # 400 residents) are told beside the score, which it leaves as it was
    shown = _shown(app)
    told = "幼儿园：数据中一处也没有录入，不计入得分；新增设施使 14 名3–6岁幼儿在标准步行范围内可到达一处该类设施"
    assert told in shown, shown
    assert "计分类别中无人新增或失去覆盖" in shown and "新增覆盖 14 人" not in shown and "第1处" in shown

    app.sidebar.selectbox(key=key.STUDY).set_value("north").run()
    assert not app.exception, app.exception
    shown = _shown(app)
    for trace in ("新增设施使", "计分类别", "第1处", "西园小区", "300 m", "outside", f"{lat + 0.1:.4f}"):
        assert trace not in shown, trace
    assert not app.error
    north = _work(app)
    assert north is not town and north.study_id == study_id(studies / "north")
    assert (north.point, north.block, north.scenario, north.suggestions, north.changes) == (None, None, None, None, [])
    # the typed coordinates are the new study's centre, not the old study's point
    assert app.number_input(key=key.LAT_INPUT).value == pytest.approx(30.66 + NORTH_SHIFT, abs=0.01)
    assert north.map_key != town.map_key  # clicks and drawings are kept apart

    app.sidebar.selectbox(key=key.STUDY).set_value("default").run()
    assert not app.exception, app.exception
    assert _work(app) is town  # restored: the same study version's work, as it was left
    assert len(town.changes) == 1 and town.suggestions
    shown = _shown(app)
    assert "新增设施使 14 名3–6岁幼儿在标准步行范围内可到达一处该类设施" in shown and "第1处" in shown
    assert not app.error and "whatif" not in town.errors  # the last error is not restored


def _folder(root: Path, name: str, manifest: str = "{}") -> Path:
    folder = root / name
    folder.mkdir(exist_ok=True)
    (folder / "manifest.json").write_text(manifest, encoding="utf-8")
    return folder


def test_a_rebuilt_study_starts_afresh(tmp_path):
    session: dict = {}
    folder = _folder(tmp_path, "chengdu", '{"files": {"blocks.parquet": {"sha256": "a"}}}')
    first = study_state(folder, session)
    first.choose((30.66, 104.06), "w1")
    assert study_state(folder, session) is first  # the same version: the same state
    _folder(tmp_path, "chengdu", '{"files": {"blocks.parquet": {"sha256": "b"}}}')  # rebuilt in place
    rebuilt = study_state(folder, session)
    assert rebuilt is not first and rebuilt.point is None
    assert list(session[key.STUDY_STATES]) == [rebuilt.study_id]  # the old version's work is dropped


def test_a_switch_drops_errors_and_typed_coordinates_and_keeps_the_latest_studies(tmp_path):
    session: dict = {}
    first = study_state(_folder(tmp_path, "s0"), session)
    first.errors["whatif"] = "the point is off the network"
    session[key.LAT_INPUT], session[key.LON_INPUT] = 30.66, 104.06
    assert study_state(_folder(tmp_path, "s0"), session).errors  # no switch: nothing is dropped
    study_state(_folder(tmp_path, "s1"), session)
    assert key.LAT_INPUT not in session and key.LON_INPUT not in session
    assert study_state(_folder(tmp_path, "s0"), session) is first and not first.errors
    for number in range(1, KEPT_STUDIES + 1):
        study_state(_folder(tmp_path, f"s{number}"), session)
    kept = session[key.STUDY_STATES]
    assert len(kept) == KEPT_STUDIES and first.study_id not in kept  # the least recently shown went first
