"""The load harness itself: a small bounded run on loopback holds every session and reports numbers."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_load_harness_holds_concurrent_resident_sessions(tmp_path):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium (scripts/system_packages.sh --tests installs it)")
    from benchmarks.load import run
    from circle.pipeline import AnalysisOptions, analyze
    from tests.osm_builder import small_town

    analyze(AnalysisOptions(source=small_town(tmp_path / "town.osm"), out=tmp_path / "studies" / "default"))
    report = run(sessions=3, waves=2, studies=tmp_path / "studies", time_limit_s=300, planners=2)
    assert report["failures"] == []
    assert report["sessions_held"] == 3 and report["reruns"] == 3
    # sign-in is on: two planners sign in through the form while the residents' pages open
    assert report["planners_held"] == 2 and report["signin_s"]["p50"] > 0
    assert report["first_load_s"]["p50"] > 0 and report["server_rss_mb"]["peak"] >= report["server_rss_mb"]["idle"]
