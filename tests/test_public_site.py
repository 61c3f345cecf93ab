"""The public server (``circle serve --public``): published sites served from memory, and nothing else.

A hand-made site folder (the format of :mod:`circle.publish`) is served by
the ASGI app in process (Starlette's test client) and by the real command,
uvicorn on a free loopback port, attacked over raw sockets: gzip, ETag and
304, caching and security headers, HEAD, redirects, no directory listing,
no dotfile or symbolic link, no path traversal, no WebSocket, no planner
route, a re-published site picked up, only the public studies served, and no
planner code in the server's process.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from benchmarks.load import free_port
from circle.deploy.config import Deployment
from circle.deploy.public_site import CSP, MAX_AGE, PublicSite, SiteFolder, sites_allowed

pytestmark = pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")

ROOT = Path(__file__).resolve().parents[1]
CIRCLE = Path(sys.executable).parent / "circle"
SCRIPT = "const circle = 1;\n" + "console.log('a resident site script');\n" * 40
PLANNER_MODULES = ("streamlit", "circle.ui", "circle.engine", "circle.analysis", "circle.pipeline", "circle.publish")


def make_site(
    sites: Path, name: str = "town", study: str | None = None, title: str = "小镇", reports: bool = True
) -> Path:
    """Write a small published site, ``sites/name/``, in the format of :mod:`circle.publish`; return its folder."""
    folder = sites / name
    (folder / "data" / "blocks").mkdir(parents=True)
    (folder / "data" / "streets" / "0").mkdir(parents=True)
    described = {
        "format": 1,
        "name": study or name,
        "published": "2026-12-04",
        "title": {"zh": title, "en": "Town"},
        "place": {"zh": title, "en": "Town"},
        "origin": {"lon": 104.0, "lat": 30.6},
        "extent": [-1500, -1200, 1500, 1200],
        "categories": [{"key": "clinic", "group": "clinics", "label": {"zh": "诊所", "en": "Clinic"}}],
        "reports": reports,
    }
    (folder / "data" / "site.json").write_text(json.dumps(described, ensure_ascii=False), encoding="utf-8")
    block = {"id": "b1", "block_id": "way/101", "name": "西园小区", "score": 43, "services": [], "padding": "x" * 800}
    (folder / "data" / "blocks" / "b1.json").write_text(json.dumps(block, ensure_ascii=False), encoding="utf-8")
    (folder / "data" / "search.json").write_text(json.dumps([["b1", "西园小区", "xiyuan", "xy"]]), encoding="utf-8")
    (folder / "data" / "streets" / "0" / "0_0.json").write_text('{"level": 0, "lines": []}', encoding="utf-8")
    page = '<!doctype html><html><head><script src="site.js"></script></head><body>' + "<p>居民</p>" * 50
    (folder / "index.html").write_text(page + "</body></html>", encoding="utf-8")
    (folder / "site.js").write_text(SCRIPT, encoding="utf-8")
    (folder / "site.css").write_text("body { font-size: 20px; }\n" * 20, encoding="utf-8")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    return folder


@pytest.fixture
def sites(tmp_path):
    root = tmp_path / "sites"
    root.mkdir()
    make_site(root)
    (tmp_path / "secret.txt").write_text("the server's own file", encoding="utf-8")
    (root / "town" / ".hidden").write_text("not for visitors", encoding="utf-8")
    os.symlink(tmp_path / "secret.txt", root / "town" / "link.txt")
    return root


@pytest.fixture
def client(sites):
    from starlette.testclient import TestClient

    return TestClient(PublicSite(SiteFolder(sites)), follow_redirects=False)


# the files ----------------------------------------------------------------------------------------------


def test_one_site_is_reached_from_the_root_and_its_pages_carry_the_security_headers(client):
    assert client.get("/").status_code == 302 and client.get("/").headers["location"] == "/town/"
    assert client.get("/town").headers["location"] == "/town/"
    assert client.get("/town?b=b1").headers["location"] == "/town/?b=b1"
    page = client.get("/town/")
    assert page.status_code == 200 and "居民" in page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == CSP
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-cache"  # a page is asked again, so a new publish shows at once
    assert "server" not in page.headers


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/town/site.js", "text/javascript; charset=utf-8"),
        ("/town/site.css", "text/css; charset=utf-8"),
        ("/town/data/site.json", "application/json"),
        ("/town/data/blocks/b1.json", "application/json"),
        ("/town/logo.png", "image/png"),
    ],
)
def test_files_have_their_content_type_and_may_be_kept_a_short_time(client, sites, path, kind):
    answer = client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"] == kind
    assert answer.headers["cache-control"] == f"public, max-age={MAX_AGE}"
    assert answer.content == (sites / path.removeprefix("/")).read_bytes()


def test_text_is_sent_gzipped_when_accepted_with_an_etag_and_304_when_unchanged(client):
    zipped = client.get("/town/site.js", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
    assert int(zipped.headers["content-length"]) < len(SCRIPT.encode()) / 5
    assert zipped.text == SCRIPT  # the client decompressed it
    plain = client.get("/town/site.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == SCRIPT
    assert int(plain.headers["content-length"]) == len(SCRIPT.encode())
    refused = client.get("/town/site.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers
    for answer in (zipped, plain):
        again = client.get("/town/site.js", headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b"" and again.headers["etag"]
        assert again.headers["content-security-policy"] == CSP
    assert zipped.headers["etag"] != plain.headers["etag"]  # two representations, two tags
    assert client.get("/town/site.js", headers={"If-None-Match": '"other"'}).status_code == 200
    image = client.get("/town/logo.png", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in image.headers  # already compact: sent as it is


def test_head_answers_the_headers_without_the_body(client):
    answer = client.head("/town/site.js", headers={"Accept-Encoding": "identity"})
    assert answer.status_code == 200 and answer.content == b""
    assert int(answer.headers["content-length"]) == len(SCRIPT.encode())


@pytest.mark.parametrize(
    "path",
    [
        "/town/data/",  # no directory listing
        "/town/data",
        "/town/.hidden",
        "/town/link.txt",  # a symbolic link out of the site
        "/town/nothing.js",
        "/elsewhere/",
        "/town/data/blocks/../../../secret.txt",
        "/town/%2e%2e/secret.txt",
        "/_stcore/health",  # Streamlit's routes: none
        "/_stcore/stream",
        "/app/static/x.png",
        "/api/planner",
        "/api/reports/list",
    ],
)
def test_nothing_outside_the_sites_files_is_served(client, path):
    assert client.get(path).status_code == 404


def test_only_get_and_head_reach_the_files_and_there_is_no_report_to_read(client):
    assert client.post("/town/site.js", content=b"x").status_code == 405
    assert client.put("/town/upload.osm", content=b"<osm/>").status_code == 405
    assert client.get("/api/reports").status_code == 405  # there is no GET of reports at all


def test_a_websocket_reaching_the_app_is_closed_before_it_is_accepted(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect), client.websocket_connect("/town/"):
        pass


def test_several_sites_are_listed_and_only_the_public_studies_are_served(tmp_path):
    from starlette.testclient import TestClient

    root = tmp_path / "sites"
    make_site(root, "town", title="小镇 <b>")
    make_site(root, "village", study="private-study", title="村")
    make_site(root, ".town.new-1234")  # a publish under way
    listing = TestClient(PublicSite(SiteFolder(root))).get("/")
    assert listing.status_code == 200 and 'href="/town/"' in listing.text and 'href="/village/"' in listing.text
    assert "小镇 &lt;b&gt;" in listing.text and ".town.new" not in listing.text
    deployment = Deployment(public_studies=("town",), public_studies_set=True)
    folder = SiteFolder(root, sites_allowed(deployment))
    assert set(folder.sites) == {"town"} and "not among the deployment's public studies" in folder.left_out["village"]
    assert set(SiteFolder(root, sites_allowed(Deployment())).sites) == {"town", "village"}  # no list set: all


def test_a_replaced_site_is_served_after_the_next_look(sites):
    from starlette.testclient import TestClient

    folder = SiteFolder(sites, check_seconds=0.0)
    client = TestClient(PublicSite(folder))
    old = client.get("/town/site.js").headers["etag"]
    fresh = make_site(sites / "staging", "town")
    (fresh / "site.js").write_text("const circle = 2;\n", encoding="utf-8")
    os.rename(sites / "town", sites / ".town.old")  # what circle publish does: rename the new folder in place
    os.rename(fresh, sites / "town")
    deadline = time.time() + 10
    while time.time() < deadline and client.get("/town/site.js").text != "const circle = 2;\n":
        time.sleep(0.05)
    answer = client.get("/town/site.js")
    assert answer.text == "const circle = 2;\n" and answer.headers["etag"] != old
    folder.refresh()
    assert set(folder.sites) == {"town"}  # neither the old nor the staging folder is a site


def test_a_site_missing_for_a_moment_is_still_served_and_a_removed_one_goes(sites):
    folder = SiteFolder(sites)
    os.rename(sites / "town", sites / ".town.old-1")  # publish's first rename; the second has not happened yet
    folder.refresh()
    assert set(folder.sites) == {"town"}
    os.rename(sites / ".town.old-1", sites / "town")
    folder.refresh()
    assert set(folder.sites) == {"town"} and not folder._missing
    os.rename(sites / "town", sites / ".town.removed")
    folder.refresh()
    folder.refresh()
    assert folder.sites == {}


def test_a_broken_site_json_leaves_the_site_out_and_the_others_served(tmp_path):
    root = tmp_path / "sites"
    make_site(root, "town")
    make_site(root, "broken")
    (root / "broken" / "data" / "site.json").write_text("{not json", encoding="utf-8")
    folder = SiteFolder(root)
    assert set(folder.sites) == {"town"} and "not a readable site description" in folder.left_out["broken"]


# the real server -----------------------------------------------------------------------------------------


class RealServer:
    """``circle serve --public`` on a free loopback port."""

    def __init__(self, root: Path, extra: list[str] = ()) -> None:
        studies = root / "studies"
        studies.mkdir(exist_ok=True)
        config = root / "circle.toml"
        config.write_text(f'studies = "{studies}"\nsites = "{root / "sites"}"\n', encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root / "server.log"
        env = {k: v for k, v in os.environ.items() if k not in ("CIRCLE_STUDIES", "CIRCLE_CONFIG")}
        command = [str(CIRCLE), "serve", "--public", "--config", str(config), "--port", str(self.port), *extra]
        with open(self.log, "wb") as stream:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=stream, stderr=subprocess.STDOUT)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/town/", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"circle serve --public did not start: {self.log.read_text(errors='replace')[-2000:]}")

    def raw(self, request: bytes) -> bytes:
        """Send ``request`` as it is over a socket and return the first answer (headers and body)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
                head, found, body = answer.partition(b"\r\n\r\n")
                if found:
                    length = [
                        int(line.split(b":")[1])
                        for line in head.lower().split(b"\r\n")
                        if line.startswith(b"content-length:")
                    ]
                    if (length and len(body) >= length[0]) or head.startswith(b"HTTP/1.1 304"):
                        break
        return answer

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    root = tmp_path_factory.mktemp("public")
    make_site(root / "sites")
    (root / "outside.txt").write_text("the server's own file", encoding="utf-8")
    server = RealServer(root)
    yield server
    server.stop()


@pytest.mark.parametrize(
    "target",
    [
        b"/town/../outside.txt",
        b"/town/../../outside.txt",
        b"/town/%2e%2e/%2e%2e/outside.txt",
        b"/town/%2E%2E%2Foutside.txt",
        b"/town/..%5c..%5coutside.txt",
        b"/town/data/..//../../outside.txt",
        b"/../outside.txt",
        b"/town/%00.json",
        b"//etc/passwd",
        b"/town/data/",
    ],
)
def test_path_traversal_over_a_raw_socket_is_refused(real, target):
    answer = real.raw(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    status = int(answer.split(b" ", 2)[1])
    assert status in (400, 404) and b"the server's own file" not in answer


def test_a_websocket_upgrade_to_any_path_is_not_switched(real):
    for path in (b"/", b"/town/", b"/_stcore/stream", b"/api/reports"):
        answer = real.raw(
            b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        assert not answer.startswith(b"HTTP/1.1 101") and b"sec-websocket-accept" not in answer.lower()
    assert "Unsupported upgrade" not in real.log.read_text(errors="replace")  # no log line per stranger's try


def test_the_real_server_sends_gzip_etags_and_304(real):
    request = urllib.request.Request(f"{real.url}/town/site.js", headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Content-Encoding"] == "gzip" and answer.headers["Content-Security-Policy"] == CSP
        assert gzip.decompress(answer.read()).decode() == SCRIPT
        etag = answer.headers["ETag"]
    head = real.raw(
        b"GET /town/site.js HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nIf-None-Match: "
        + etag.encode()
        + b"\r\nConnection: close\r\n\r\n"
    )
    assert head.startswith(b"HTTP/1.1 304") and head.endswith(b"\r\n\r\n")
    assert b"server:" not in head.lower()


def test_the_server_process_holds_no_planner_code(tmp_path):
    """The public server, serving pages and taking a report, in a process of its own: which modules it loaded."""
    make_site(tmp_path / "sites")
    (tmp_path / "studies").mkdir()
    config = tmp_path / "circle.toml"
    config.write_text(f'studies = "{tmp_path / "studies"}"\nsites = "{tmp_path / "sites"}"\n', encoding="utf-8")
    port = free_port()
    script = textwrap.dedent(
        f"""
        import json, sys, threading, time, urllib.request
        import uvicorn
        from circle.deploy.serve import public_settings

        settings = public_settings("127.0.0.1", {port})
        app = settings.pop("app")
        settings.pop("workers")
        server = uvicorn.Server(uvicorn.Config(app, **settings))
        url = "http://127.0.0.1:{port}"

        def visit():
            for _ in range(200):
                try:
                    urllib.request.urlopen(url + "/town/", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            for path in ("/town/site.js", "/town/data/site.json", "/town/data/blocks/b1.json"):
                urllib.request.urlopen(url + path).read()
            token = json.load(urllib.request.urlopen(url + "/api/reports/token"))["token"]
            body = json.dumps({{"site": "town", "kind": "closed", "lon": 104.0, "lat": 30.6, "text": "关门了"}})
            request = urllib.request.Request(url + "/api/reports", data=body.encode(), headers={{
                "Content-Type": "application/json", "X-Circle-Token": token, "Origin": url}})
            answer = json.load(urllib.request.urlopen(request))
            print(json.dumps({{"answer": answer, "modules": sorted(sys.modules)}}))
            server.should_exit = True

        threading.Thread(target=visit).start()
        server.run()
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "CIRCLE_STUDIES"}
    env["CIRCLE_CONFIG"] = str(config)
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen["answer"] == {"ok": True}
    loaded = [m for m in seen["modules"] if m.startswith(PLANNER_MODULES)]
    assert loaded == [], f"the public server imported planner code: {loaded}"
    assert not [m for m in seen["modules"] if m.split(".")[0] in ("pandas", "numpy", "geopandas", "shapely")]
    assert "circle.deploy.public_site" in seen["modules"]


def test_circle_serve_public_dry_run_names_the_sites_and_the_server(tmp_path, capsys):
    from circle.cli import main

    make_site(tmp_path / "sites", "town")
    make_site(tmp_path / "sites", "hidden", study="private")
    config = tmp_path / "circle.toml"
    config.write_text(
        f'studies = "{tmp_path / "studies"}"\npublic_studies = ["town"]\n', encoding="utf-8"
    )  # sites: the default, next to the studies folder
    assert main(["serve", "--public", "--config", str(config), "--dry-run", "--address", "0.0.0.0"]) == 0
    out = capsys.readouterr().out
    assert f"published sites in {tmp_path / 'sites'}" in out and "/town/  (study town)" in out
    assert "/hidden/  (study private): not served" in out
    assert "-m circle.deploy.serve" in out and "ws = none" in out and "streamlit" not in out.lower()
    assert "--host" in out  # listening beyond this machine without a host name
    config.write_text(f'mode = "public"\nstudies = "{tmp_path / "studies"}"\n', encoding="utf-8")
    assert main(["serve", "--config", str(config), "--dry-run"]) == 0  # a public deployment: no --public needed
    assert "-m circle.deploy.serve" in capsys.readouterr().out
    assert main(["serve", "--public", "--config", str(config), "--sites", str(tmp_path / "none"), "--dry-run"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "does not exist" in err and "circle publish" in err


# a published site in Chromium ---------------------------------------------------------------------------

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
    "Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) "
    "WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64"
)


@pytest.mark.browser
def test_a_published_site_runs_under_the_servers_policy_and_its_form_sends_a_report(tmp_path):
    """``circle publish`` of a small town, served by ``circle serve --public``, in WeChat's browser at 360 px."""
    from benchmarks.load import CHROMIUM, CHROMIUM_ARGS

    assets = ROOT / "circle" / "publish" / "assets"
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    if not (assets / "report.js").exists():
        pytest.skip("the published site's page (circle/publish/assets) is not there yet")
    from playwright.sync_api import sync_playwright

    from circle.deploy import db
    from circle.deploy.reports import list_reports
    from circle.pipeline import AnalysisOptions, analyze
    from circle.publish.site import PublishOptions, publish_site
    from circle.study import Study
    from circle.tasks.score import score
    from tests.osm_builder import small_town

    analyze(AnalysisOptions(source=small_town(tmp_path / "town.osm"), out=tmp_path / "studies" / "town"))
    score(Study.open(tmp_path / "studies" / "town")).save()
    publish_site(tmp_path / "studies" / "town", tmp_path / "sites" / "town", PublishOptions(place={"zh": "小镇"}))
    block = sorted((tmp_path / "sites" / "town" / "data" / "blocks").glob("*.json"))[0].stem
    server = RealServer(tmp_path)
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(
                viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, user_agent=WECHAT_UA
            )
            page = context.new_page()
            problems = []
            page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(f"{server.url}/town/?b={block}", wait_until="networkidle")
            page.click("#report-open")
            page.fill("#report-text", "<b>诊所</b>已经关门了<script>alert(1)</script>")
            page.click("#report-send")
            page.locator("#report").get_by_text("谢谢").wait_for(timeout=10_000)  # no eval: the CSP forbids it
            page.locator("#report").scroll_into_view_if_needed()
            page.screenshot(path=str(artifacts / "public-site-report-sent.png"))
            browser.close()
        assert problems == []
        (kept,) = list_reports(db.open_database(db.sqlite_url(tmp_path / "studies")))
        assert kept.site == "town" and kept.text == "诊所已经关门了" and kept.block_id is not None
    finally:
        server.stop()
