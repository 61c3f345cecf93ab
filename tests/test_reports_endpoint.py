"""Residents' reports: their storage (SQLite and PostgreSQL) and the one endpoint they come in by.

Storage tests run on ``STUDIES/.circle.db`` and on a fresh database of a
throw-away PostgreSQL server (skipped with the reason where it cannot
start), like ``test_deploy_db.py``. The endpoint is attacked in process and
over real uvicorn: hostile bodies, floods from one address, cross-site
posts, missing, forged and expired tokens; every refusal leaves the table as
it was (rows counted), and a good report is kept as plain text.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import threading
import time
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from circle.deploy import db, reports
from circle.deploy.public_site import BODY_LIMIT, PublicSite, SiteFolder
from circle.deploy.reports import (
    KINDS,
    ReportRefused,
    decide_report,
    issue_token,
    link_scenario,
    list_reports,
    plain_text,
    submit_report,
    token_valid,
)
from circle.errors import InputDataError
from tests.test_public_site import RealServer, make_site

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

GOOD = {
    "site": "town",
    "block_id": "b1",
    "kind": "closed",
    "category": "clinic",
    "lon": 104.001,
    "lat": 30.601,
    "text": "这家诊所已经关门了",
    "contact": None,
}


@pytest.fixture(scope="session")
def postgres():
    from tests import postgres_server

    try:
        server = postgres_server.start()
    except postgres_server.UnavailableError as reason:
        pytest.skip(str(reason))
        return
    yield server
    db.close_all()
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    studies = tmp_path / "studies"
    studies.mkdir()
    url = db.sqlite_url(studies) if request.param == "sqlite" else request.getfixturevalue("postgres").new_database()
    return db.open_database(url)


def rows(database) -> list[dict]:
    with database.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.select(db.resident_reports))]


def send(database, address: str = "198.51.100.7", **changes) -> int:
    fields = {k: v for k, v in GOOD.items() if k != "contact"} | {"contact": None} | changes
    return submit_report(database, address=address, **fields)


# storage -------------------------------------------------------------------------------------------------


def test_the_migration_upgrades_a_0001_database_and_keeps_its_state(database):
    from circle.deploy.accounts import add_account, list_accounts

    db.downgrade(database, "0001")
    assert "resident_reports" not in sa.inspect(database.engine).get_table_names()
    add_account(database, "wang", "a-long-enough-secret")
    assert db.upgrade(database) == db.SCHEMA_REVISION == "0002"
    assert "resident_reports" in sa.inspect(database.engine).get_table_names()
    assert [a.name for a in list_accounts(database)] == ["wang"]
    send(database)
    assert len(rows(database)) == 1
    db.downgrade(database, "0001")  # and back: the table goes, the accounts stay
    assert "resident_reports" not in sa.inspect(database.engine).get_table_names()
    assert [a.name for a in list_accounts(database)] == ["wang"]
    db.upgrade(database)


def test_a_good_report_is_kept_as_plain_text_without_the_senders_address(database):
    number = send(
        database,
        text='  <b>诊所</b>关门了<script>alert("x")</script>\n\n\n\n<img src=x onerror=alert(1)>'
        " &lt;i&gt;真的&lt;/i&gt;\u202e ",
        contact="<a href='http://evil.example'>王</a> 138",
        category=None,
    )
    (kept,) = list_reports(database)
    assert kept.report_id == number and kept.status == "new" and kept.site == "town" and kept.kind == "closed"
    assert kept.text == "诊所关门了\n\n真的" and kept.contact == "王 138" and kept.category is None
    assert kept.created_at.tzinfo is not None and abs(kept.created_at - dt.datetime.now(dt.UTC)).total_seconds() < 60
    (row,) = rows(database)
    assert "198.51.100.7" not in json.dumps(row, default=str) and len(row["address_digest"]) == 32
    assert not hasattr(kept, "address_digest")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"kind": "fire"}, "kind"),
        ({"kind": None}, "kind"),
        ({"category": "<script>"}, "category"),
        ({"category": "x" * 41}, "category"),
        ({"category": 5}, "category"),
        ({"lon": float("nan")}, "place"),
        ({"lat": float("inf")}, "place"),
        ({"lon": True}, "place"),
        ({"lon": "104.0"}, "place"),
        ({"lon": None}, "place"),
        ({"lon": 181.0}, "place"),
        ({"lat": -91.0}, "place"),
        ({"text": ""}, "text"),
        ({"text": "   \n\t "}, "text"),
        ({"text": "<script>alert(1)</script>"}, "text"),  # nothing left once the markup goes
        ({"text": "字" * 501}, "text"),
        ({"text": ["a"]}, "text"),
        ({"text": None}, "text"),
        ({"contact": "x" * 101}, "contact"),
        ({"contact": {"phone": 1}}, "contact"),
        ({"site": "../town"}, "site"),
        ({"site": ""}, "site"),
        ({"block_id": "b1\u0000"}, "block"),
        ({"block_id": "x" * 121}, "block"),
    ],
)
def test_hostile_fields_are_refused_and_nothing_is_stored(database, changes, code):
    with pytest.raises(ReportRefused) as refused:
        send(database, **changes)
    assert refused.value.code == code and str(refused.value)
    assert rows(database) == []


def test_a_pin_outside_the_sites_extent_or_an_unknown_category_is_refused(database):
    bounds = (103.98, 30.59, 104.02, 30.61)
    with pytest.raises(ReportRefused, match="outside the area"):
        send(database, lon=104.5, bounds=bounds)
    with pytest.raises(ReportRefused, match="no category 'school'"):
        send(database, category="school", categories={"clinic"})
    assert rows(database) == []
    send(database, bounds=bounds, categories={"clinic"})
    assert len(rows(database)) == 1


def test_the_sixth_report_from_one_address_in_ten_minutes_is_refused(database):
    start = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
    for minute in range(5):
        send(database, now=start + dt.timedelta(minutes=minute))
    with pytest.raises(ReportRefused, match="5 reports in 10 minutes") as refused:
        send(database, now=start + dt.timedelta(minutes=6))
    assert refused.value.code == "too_many" and len(rows(database)) == 5
    send(database, address="203.0.113.9", now=start + dt.timedelta(minutes=6))  # another address is not held up
    send(database, now=start + dt.timedelta(minutes=11))  # the window moved on
    assert len(rows(database)) == 7


def test_twenty_reports_a_day_from_one_address_and_a_ceiling_for_everyone(database, monkeypatch):
    start = dt.datetime(2026, 12, 4, 0, 0, tzinfo=dt.UTC)
    for number in range(20):
        send(database, now=start + dt.timedelta(minutes=11 * number))
    with pytest.raises(ReportRefused, match="20 reports in a day"):
        send(database, now=start + dt.timedelta(hours=5))
    assert len(rows(database)) == 20
    monkeypatch.setattr(reports, "GLOBAL_LIMIT", (3, 60.0))
    later = start + dt.timedelta(days=2)
    for number in range(3):
        send(database, address=f"192.0.2.{number}", now=later)
    with pytest.raises(ReportRefused, match="many reports are arriving"):
        send(database, address="192.0.2.99", now=later)
    assert len(rows(database)) == 23


def test_a_flood_from_one_address_at_once_keeps_the_limit(database):
    """Ten threads (as ten server workers would) send at once: the count and the insert are one step."""
    outcomes = []

    def one() -> None:
        try:
            send(database, address="198.51.100.50")
            outcomes.append("ok")
        except ReportRefused:
            outcomes.append("refused")

    threads = [threading.Thread(target=one) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * 5 and len(rows(database)) == 5


def test_planners_list_accept_reject_and_link_reports(database):
    first = send(database, kind="missing", category=None, now=dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC))
    second = send(database, site="village", kind="blocked_path", now=dt.datetime(2026, 12, 4, 9, 5, tzinfo=dt.UTC))
    assert [r.report_id for r in list_reports(database)] == [second, first]  # newest first
    assert [r.report_id for r in list_reports(database, site="village")] == [second]
    with pytest.raises(InputDataError, match="needs a reason"):
        decide_report(database, first, accepted=False, by="wang")
    rejected = decide_report(database, first, accepted=False, by="wang", reason="<b>已核实</b>：仍在营业")
    assert rejected.status == "rejected" and rejected.reason == "已核实：仍在营业" and rejected.decided_by == "wang"
    assert rejected.decided_at is not None and rejected.decided_at.tzinfo is not None
    accepted = decide_report(database, second, accepted=True, by="li", scenario="道路封闭")
    assert accepted.status == "accepted" and accepted.scenario == "道路封闭" and accepted.reason is None
    link_scenario(database, first, "再核实")
    assert [r.scenario for r in list_reports(database, status="rejected")] == ["再核实"]
    assert [r.report_id for r in list_reports(database, status="new")] == []
    with pytest.raises(InputDataError, match="no resident's report number 999"):
        decide_report(database, 999, accepted=True, by="wang")
    with pytest.raises(InputDataError, match="no resident's report number 999"):
        link_scenario(database, 999, "x")
    with pytest.raises(InputDataError, match="status is one of"):
        list_reports(database, status="open")
    assert set(KINDS) == {"missing", "closed", "wrong", "blocked_path"}


def test_tokens_are_signed_and_expire(database):
    token = issue_token(database)
    assert token_valid(database, token)
    issued, nonce, signature = token.split(".")
    assert not token_valid(database, f"{issued}.{nonce}.{'0' * len(signature)}")  # forged
    assert not token_valid(database, f"{int(issued) + 100}.{nonce}.{signature}")  # time changed
    assert not token_valid(database, issue_token(database, now=time.time() - 2 * 3600))  # expired
    for junk in (None, "", "a.b", "x" * 500, "1.2.3", 5):
        assert not token_valid(database, junk)


def test_plain_text_removes_markup_that_entities_hide():
    assert plain_text("&amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;ok") == "ok"
    assert plain_text("a < b and c > d") == "a b and c d"  # no tag, but no bracket kept either
    assert plain_text("x<y 1公里<2") == "xy 1公里2"
    assert plain_text("<scr<script>ipt>alert(1)</script>") == "scr"  # the script element goes whole
    assert plain_text("a<br>b<p>c</p>") == "a\nb\nc"
    assert plain_text("line\r\nnext\x00\x07") == "line\nnext"


# the endpoint in process ------------------------------------------------------------------------------------


@pytest.fixture
def site_app(tmp_path):
    from starlette.testclient import TestClient

    root = tmp_path / "sites"
    make_site(root, "town")
    make_site(root, "quiet", reports=False)
    (tmp_path / "studies").mkdir()
    database = db.open_database(db.sqlite_url(tmp_path / "studies"))
    app = PublicSite(SiteFolder(root), database)
    client = TestClient(app, base_url="http://circle.test", client=("198.51.100.20", 40000))
    return client, database


def post(client, body, token: str | None = "fresh", origin: str | None = "http://circle.test", **headers):
    if token == "fresh":
        token = client.get("/api/reports/token").json()["token"]
    sent = {"Content-Type": "application/json", **headers}
    if token is not None:
        sent["X-Circle-Token"] = token
    if origin is not None:
        sent["Origin"] = origin
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return client.post("/api/reports", content=data, headers=sent)


def test_a_good_report_is_taken_and_stored_as_plain_text(site_app):
    client, database = site_app
    token = client.get("/api/reports/token")
    assert token.status_code == 200 and token.headers["cache-control"] == "no-store"
    assert token.headers["content-security-policy"].startswith("default-src 'self'")
    answer = post(client, GOOD | {"text": "<b>诊所</b>关门了<script>x()</script>"})
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    (kept,) = list_reports(database)
    assert kept.text == "诊所关门了" and kept.block_id == "way/101" and kept.site == "town"  # the study's block id
    sent_from_same_site = post(client, GOOD, origin=None, **{"Sec-Fetch-Site": "same-origin"})
    assert sent_from_same_site.status_code == 200 and len(rows(database)) == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "invalid"),
        (b'{"site": "town", "lon": NaN}', 400, "invalid"),
        (b'{"site": "town", "lon": Infinity}', 400, "invalid"),
        (b"[1, 2]", 400, "invalid"),
        (b"\xff\xfe{}", 400, "invalid"),
        (b"[" * 100000, 413, "too_large"),
        (b"[" * 4000, 400, "invalid"),  # deep nesting within the size: refused, not a crash
        (json.dumps(GOOD | {"text": "字" * 2000}).encode(), 413, "too_large"),
        (GOOD | {"site": "elsewhere"}, 400, "site"),
        (GOOD | {"site": ["town"]}, 400, "site"),
        (GOOD | {"site": "quiet"}, 403, "off"),
        (GOOD | {"block_id": "../../etc/passwd"}, 400, "block"),
        (GOOD | {"block_id": "b2"}, 400, "block"),
        (GOOD | {"lon": 104.5}, 400, "place"),  # outside the site's extent
        (GOOD | {"lat": 1e308}, 400, "place"),
        (GOOD | {"lon": "104"}, 400, "place"),
        (GOOD | {"kind": 5}, 400, "kind"),
        (GOOD | {"category": "school"}, 400, "category"),
        (GOOD | {"text": {"html": "<b>"}}, 400, "text"),
        (GOOD | {"text": "<script>alert(1)</script>"}, 400, "text"),
        (GOOD | {"file": "x"}, 400, "invalid"),
        ({k: v for k, v in GOOD.items() if k != "site"}, 400, "site"),
    ],
)
def test_hostile_bodies_are_refused_and_nothing_is_stored(site_app, body, status, code):
    client, database = site_app
    answer = post(client, body)
    assert answer.status_code == status and answer.json()["code"] == code and answer.json()["error"]
    assert rows(database) == []


def test_a_body_sent_without_a_length_is_cut_off_at_the_limit(site_app):
    client, database = site_app
    token = client.get("/api/reports/token").json()["token"]

    def chunks():
        for _ in range(100):
            yield b" " * 1024

    answer = client.post(
        "/api/reports",
        content=chunks(),
        headers={"Content-Type": "application/json", "X-Circle-Token": token, "Origin": "http://circle.test"},
    )
    assert answer.status_code == 413 and rows(database) == []
    assert BODY_LIMIT == 4096


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "https://circle.test.evil.example"},
        {"Origin": "null"},
        {"Origin": None},  # neither Origin nor Sec-Fetch-Site: not a page of this site
        {"Origin": None, "Sec-Fetch-Site": "cross-site"},
        {"Origin": None, "Sec-Fetch-Site": "same-site"},
    ],
)
def test_cross_site_posts_are_refused(site_app, headers):
    client, database = site_app
    origin = headers.pop("Origin")
    answer = post(client, GOOD, origin=origin, **headers)
    assert answer.status_code == 403 and answer.json()["code"] == "origin" and rows(database) == []


def test_missing_forged_and_expired_tokens_are_refused(site_app):
    client, database = site_app
    issued, nonce, signature = client.get("/api/reports/token").json()["token"].split(".")
    for token in (
        None,
        "",
        "not-a-token",
        f"{issued}.{nonce}.{'f' * len(signature)}",
        issue_token(database, now=time.time() - 3 * 3600),
        issue_token(db.open_database(db.sqlite_url(client.app.sites.root.parent / "other")), now=time.time()),
    ):
        answer = post(client, GOOD, token=token)
        assert answer.status_code == 403 and answer.json()["code"] == "token", token
    assert rows(database) == []


def test_only_json_is_taken(site_app):
    client, database = site_app
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        assert post(client, GOOD, **{"Content-Type": kind}).status_code == 415
    assert rows(database) == []
    assert post(client, GOOD, **{"Content-Type": "application/json; charset=utf-8"}).status_code == 200


def test_a_flood_from_one_address_gets_429_from_the_sixth_report(site_app):
    client, database = site_app
    answers = [post(client, GOOD | {"text": f"第{n}次"}).status_code for n in range(7)]
    assert answers == [200] * 5 + [429, 429] and len(rows(database)) == 5
    message = post(client, GOOD).json()
    assert message["code"] == "too_many" and "try again later" in message["error"]
    assert "198.51.100.20" not in json.dumps(message)


def test_a_report_is_kept_under_the_sites_study_named_by_folder_or_study(tmp_path):
    from starlette.testclient import TestClient

    make_site(tmp_path / "sites", "xinjin", study="新津-2026")
    database = db.open_database(db.sqlite_url(tmp_path))
    client = TestClient(PublicSite(SiteFolder(tmp_path / "sites"), database), base_url="http://circle.test")
    assert post(client, GOOD | {"site": "xinjin"}).status_code == 200
    assert post(client, GOOD | {"site": "新津-2026"}).status_code == 200
    assert [r.site for r in list_reports(database)] == ["新津-2026", "新津-2026"]  # what the triage page lists


def test_behind_a_trusted_proxy_the_forwarded_address_is_counted(tmp_path):
    from starlette.testclient import TestClient

    make_site(tmp_path / "sites")
    database = db.open_database(db.sqlite_url(tmp_path))
    app = PublicSite(SiteFolder(tmp_path / "sites"), database, trusted_proxies=["127.0.0.1"])
    client = TestClient(app, base_url="http://circle.test", client=("127.0.0.1", 5000))
    for number in range(6):  # six residents behind one proxy: six addresses, none held up
        forwarded = {"X-Forwarded-For": f"1.1.1.1, 198.51.100.{number}"}
        assert post(client, GOOD, **forwarded).status_code == 200
    assert len({r["address_digest"] for r in rows(database)}) == 6
    stranger = TestClient(PublicSite(SiteFolder(tmp_path / "sites"), database), client=("203.0.113.1", 1))
    assert stranger.app.client_address(
        {"client": ("203.0.113.1", 1), "headers": [(b"x-forwarded-for", b"9.9.9.9")]}
    ) == ("203.0.113.1")  # an untrusted peer cannot name another address


# the endpoint over real uvicorn ---------------------------------------------------------------------------


def test_reports_over_the_real_server(tmp_path):
    make_site(tmp_path / "sites")
    server = RealServer(tmp_path)
    try:
        with urllib.request.urlopen(f"{server.url}/api/reports/token") as answer:
            token = json.load(answer)["token"]

        def post_real(body: bytes, **headers) -> tuple[int, dict]:
            sent = {"Content-Type": "application/json", "X-Circle-Token": token, "Origin": server.url} | headers
            request = urllib.request.Request(f"{server.url}/api/reports", data=body, headers=sent, method="POST")
            try:
                with urllib.request.urlopen(request) as answer:
                    return answer.status, json.load(answer)
            except urllib.error.HTTPError as error:
                return error.code, json.load(error)

        assert post_real(json.dumps(GOOD).encode()) == (200, {"ok": True})
        assert post_real(json.dumps(GOOD).encode(), Origin="http://evil.example")[0] == 403
        assert post_real(b"{" * (BODY_LIMIT + 1))[0] == 413
        host = f"127.0.0.1:{server.port}".encode()
        big = server.raw(
            b"POST /api/reports HTTP/1.1\r\nHost: " + host + b"\r\nOrigin: http://" + host + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100000000\r\n\r\n{"
        )  # announced 100 MB, sent 1 byte: refused at once, nothing waited for
        assert big.startswith(b"HTTP/1.1 413")
        database = db.open_database(db.sqlite_url(tmp_path / "studies"))
        (kept,) = list_reports(database)
        assert kept.text == GOOD["text"] and kept.block_id == "way/101"
        assert os.stat(tmp_path / "studies" / db.DATABASE_FILE).st_mode & 0o077 == 0
    finally:
        server.stop()


# in Chromium --------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_a_page_of_the_site_can_report_and_a_page_of_another_site_cannot(tmp_path):
    """In Debian's Chromium: the site's own page sends a report; a page on another origin tries three ways and fails."""
    import http.server
    from pathlib import Path

    from benchmarks.load import CHROMIUM, CHROMIUM_ARGS, free_port

    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    make_site(tmp_path / "sites")
    server = RealServer(tmp_path)
    evil_root = tmp_path / "evil"
    evil_root.mkdir()
    (evil_root / "index.html").write_text(
        f'<form id="f" method="post" action="{server.url}/api/reports" enctype="text/plain">'
        f'<input name=\'{{"site":"town","kind":"closed","lon":104,"lat":30.6,"text":"x","a":"\' value=\'"}}\'>'
        "</form>",
        encoding="utf-8",
    )
    port = free_port()
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(evil_root))  # noqa: E731
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    database = db.open_database(db.sqlite_url(tmp_path / "studies"))
    body = json.dumps(GOOD)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            violations = []
            page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(f"{server.url}/town/")
            own = page.evaluate(
                """async (body) => {
                    const token = (await (await fetch('/api/reports/token')).json()).token;
                    const answer = await fetch('/api/reports', {method: 'POST', body,
                        headers: {'Content-Type': 'application/json', 'X-Circle-Token': token}});
                    return [answer.status, await answer.json()];
                }""",
                body,
            )
            assert own == [200, {"ok": True}] and violations == []
            assert len(rows(database)) == 1
            page.goto(f"http://127.0.0.1:{port}/index.html")
            tries = page.evaluate(
                """async ([url, body]) => {
                    const out = [];
                    for (const attempt of [
                        () => fetch(url + '/api/reports/token').then(r => r.json()),  // CORS: unreadable
                        () => fetch(url + '/api/reports', {method: 'POST', body,  // preflight: refused
                            headers: {'Content-Type': 'application/json', 'X-Circle-Token': 'x'}}),
                        () => fetch(url + '/api/reports', {method: 'POST', body, mode: 'no-cors',
                            headers: {'Content-Type': 'text/plain'}}).then(r => r.type),
                    ]) {
                        try { out.push(String(await attempt())); } catch (e) { out.push('refused'); }
                    }
                    return out;
                }""",
                [server.url, body],
            )
            assert tries == ["refused", "refused", "opaque"]  # the third was sent, and refused by the server
            with page.expect_navigation():
                page.evaluate("document.getElementById('f').submit()")
            assert "origin" in page.content()
            browser.close()
        assert len(rows(database)) == 1  # only the site's own report
    finally:
        evil.shutdown()
        server.stop()


def test_numbers_too_large_for_a_float_and_invisible_text_are_refused_not_failed(tmp_path):
    """A pin of 401 digits is a refusal (not a 500), and text of format characters or fillers is no text."""
    from circle.deploy.db import open_database
    from circle.deploy.reports import ReportRefused, list_reports, submit_report

    database = open_database(f"sqlite:///{tmp_path / 'reports.db'}")
    good = {
        "site": "town",
        "block_id": None,
        "kind": "missing",
        "category": None,
        "contact": None,
        "address": "1.2.3.4",
    }
    with pytest.raises(ReportRefused):
        submit_report(database, **good, lon=10**400, lat=30.0, text="诊所关门了")
    for invisible in (
        "\u00ad" * 10,
        "".join(chr(c) for c in range(0xE0041, 0xE004B)),
        "\u3164" * 3,
        "\u200c\u200d\u061c",
    ):
        with pytest.raises(ReportRefused, match="no text"):
            submit_report(database, **good, lon=104.0, lat=30.6, text=invisible)
    assert list_reports(database) == []
