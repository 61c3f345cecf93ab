"""Attacks on ``circle serve`` and ``circle serve --public`` over loopback (issue 28, parts 3 and 7).

The servers are started as the README says (``circle serve --config FILE``)
and attacked with raw WebSockets and HTTP requests; a planner signs in in
Debian's Chromium where a signed-in session is needed. Each test asserts what
the attack now gets.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import requests

from benchmarks.load import CHROMIUM, CHROMIUM_ARGS, free_port
from tests.deployment import ACCOUNTS, write_deployment

ROOT = Path(__file__).resolve().parents[1]
CIRCLE = Path(sys.executable).parent / "circle"


class Server:
    """A ``circle serve`` process, its URL and its log."""

    def __init__(self, config: Path, log: Path, public: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [str(CIRCLE), "serve", "--config", str(config), "--port", str(self.port)]
        env = {k: v for k, v in os.environ.items() if k != "CIRCLE_STUDIES"}
        with open(log, "wb") as stream:
            self.process = subprocess.Popen(
                command + (["--public"] if public else []), cwd=ROOT, env=env, stdout=stream, stderr=subprocess.STDOUT
            )
        deadline = time.time() + 60
        health = "/" if public else "/_stcore/health"  # the public server is no Streamlit: its sites answer
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}{health}", timeout=1)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"circle serve did not start: {log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def rss_mb(self) -> float:
        """The server's resident memory now."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024

    def said(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    root = tmp_path_factory.mktemp("hardening")
    (root / "studies").mkdir()
    return root, write_deployment(root / "deployment", root / "studies")


@pytest.fixture(scope="module")
def full(deployment):
    root, config = deployment
    server = Server(config, root / "full.log")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def public(deployment):
    """``circle serve --public``: the published sites (one, in the default sites folder next to the studies)."""
    from tests.test_public_site import make_site

    root, config = deployment
    make_site(root / "sites", "default")
    server = Server(config, root / "public.log", public=True)
    yield server
    server.stop()


def _run(coroutine):
    """Run ``coroutine`` to its end in a thread of its own (Playwright's sync API holds this thread's loop)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _xsrf(server: Server, cookies: dict | None = None) -> requests.Session:
    """A stranger's HTTP client holding the XSRF cookie (and the browser cookie) the server hands out."""
    http = requests.Session()
    if cookies:  # a browser's own: it holds its XSRF cookie already
        http.cookies.update(cookies)
        return http
    http.get(f"{server.url}/_stcore/health", timeout=10)
    http.get(f"{server.url}/", timeout=10)
    return http


async def _open(server: Server, session_id: str | None = None, cookies: dict | None = None):
    """Open Streamlit's WebSocket (naming ``session_id`` to rejoin it); return it and the session id given."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    protocols = ["streamlit", "xsrf-not-needed", session_id] if session_id else ["streamlit"]
    header = {"Cookie": "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())} if cookies else None
    ws = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/_stcore/stream",
        subprotocols=protocols,
        additional_headers=header,
        max_size=None,
    )
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    await ws.send(rerun.SerializeToString())
    texts = []
    given = None
    while True:
        frame = await asyncio.wait_for(ws.recv(), 60)
        message = ForwardMsg()
        message.ParseFromString(frame)
        kind = message.WhichOneof("type")
        if kind == "new_session":
            given = message.new_session.initialize.session_id
        texts.append(frame)
        if kind == "script_finished":
            return ws, given, b"".join(texts)


def _browser_session(server: Server, name: str = "wang"):
    """Sign ``name`` in in Chromium; return (playwright objects, session id, the browser's cookies)."""
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ids: list[str] = []

    def frame(payload) -> None:
        if isinstance(payload, bytes):
            message = ForwardMsg()
            message.ParseFromString(payload)
            if message.WhichOneof("type") == "new_session":
                ids.append(message.new_session.initialize.session_id)

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page()
    page.on("websocket", lambda ws: ws.on("framereceived", frame))
    page.goto(f"{server.url}/account", wait_until="domcontentloaded", timeout=60_000)
    page.get_by_label("账户名").fill(name, timeout=60_000)
    page.get_by_label("密码").fill(ACCOUNTS[name][0])
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"已登录：{name}").first.wait_for(timeout=60_000)
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    return (playwright, browser, page), ids[-1], cookies


def _close(handles) -> None:
    playwright, browser, _page = handles
    browser.close()
    playwright.stop()


# -- clear_cache and the other developer messages -----------------------------------------------


def test_a_strangers_clear_cache_is_dropped(full, public):
    from streamlit.proto.BackMsg_pb2 import BackMsg

    async def attack(server: Server) -> None:
        ws, _, _ = await _open(server)
        for kind in ("clear_cache", "set_run_on_save", "load_git_info"):
            message = BackMsg()
            setattr(message, kind, True)
            await ws.send(message.SerializeToString())
        await asyncio.sleep(0.5)
        await ws.close()

    _run(attack(full))
    said = full.said()
    assert "dropped a 'clear_cache' message from a browser" in said
    assert "dropped a 'set_run_on_save' message" in said and "dropped a 'load_git_info' message" in said
    requests.get(f"{full.url}/_stcore/health", timeout=10).raise_for_status()  # still serving
    from websockets.exceptions import InvalidHandshake

    with pytest.raises(InvalidHandshake):  # the public server has no WebSocket at all: the upgrade is not switched
        _run(attack(public))
    requests.get(f"{public.url}/default/", timeout=10).raise_for_status()


def test_the_runtime_hook_passes_only_what_the_pages_send():
    from streamlit.proto.BackMsg_pb2 import BackMsg

    from circle.deploy.guard import hook_runtime

    class Runtime:
        def __init__(self) -> None:
            self.handled: list[str] = []

        def handle_backmsg(self, session_id, msg, *, client=None) -> None:
            self.handled.append(msg.WhichOneof("type"))

        def connect_session(self, client, user_info, existing_session_id=None, **_kw) -> str:
            return existing_session_id or "new"

    runtime = Runtime()
    hook_runtime(runtime)
    for kind in BackMsg.DESCRIPTOR.oneofs_by_name["type"].fields:
        message = BackMsg()
        if kind.message_type is None:
            setattr(message, kind.name, True)
        else:
            getattr(message, kind.name).SetInParent()
        runtime.handle_backmsg("s", message)
    assert set(runtime.handled) == {"rerun_script", "stop_script", "file_urls_request", "app_heartbeat",
                                    "backend_operation_request"}  # fmt: skip


# -- uploads ------------------------------------------------------------------------------------


def test_the_public_server_refuses_every_upload_before_reading_it(public):
    """There is no upload route: Streamlit's upload address, any PUT or POST of a file, is refused unread."""
    http = requests.Session()
    before = public.rss_mb()
    body = os.urandom(1 << 20)
    started = time.perf_counter()
    answers = []
    for number in range(150):
        try:
            answer = http.put(
                f"{public.url}/_stcore/upload_file/session/file-{number}",
                files={"file": (f"f{number}.osm", body)},
                timeout=10,
            )
            answers.append(answer.status_code)
        except requests.RequestException:  # answered and closed before the client finished sending
            answers.append("closed")
    per_request_ms = (time.perf_counter() - started) / 150 * 1000
    grown = public.rss_mb() - before
    closed = answers.count("closed")
    print(f"\npublic upload refused: {per_request_ms:.2f} ms per 1 MiB request ({closed} of 150 closed unread), "
          f"server grew {grown:.1f} MB")  # fmt: skip
    assert set(answers) <= {405, "closed"}
    for method, path in (("POST", "/default/"), ("PUT", "/default/data/site.json"), ("DELETE", "/default/")):
        assert http.request(method, f"{public.url}{path}", data=b"<osm/>", timeout=10).status_code == 405
    posted = http.post(f"{public.url}/api/reports", files={"file": ("a.osm", body)}, timeout=10)
    assert posted.status_code in (403, 413, 415)  # the one endpoint takes a short JSON report, nothing else
    assert grown < 20  # nothing of 150 MiB is held


def test_a_stranger_cannot_upload_into_a_full_deployment_but_the_signed_in_planner_can(full):
    handles, planner_session, browser_cookies = _browser_session(full)
    try:
        stranger = _xsrf(full)
        token = stranger.cookies.get("_streamlit_xsrf")
        url = f"{full.url}/_stcore/upload_file/{planner_session}"
        one = {"file": ("a.osm", b"<osm/>" * 1000)}
        # a stranger naming the planner's session (seen in its upload URLs), with his own XSRF cookie
        refused = stranger.put(f"{url}/x", files=one, headers={"X-Xsrftoken": token}, timeout=10)
        assert refused.status_code == 403 and "Sign in" in refused.text

        # and his own session, not signed in
        async def own() -> str:
            ws, given, _ = await _open(full)
            await ws.close()
            return given

        own_session = _run(own())
        refused = stranger.put(
            f"{full.url}/_stcore/upload_file/{own_session}/x", files=one, headers={"X-Xsrftoken": token}, timeout=10
        )
        assert refused.status_code == 403

        # the planner's browser (its cookies) may, up to the session's count cap
        from circle.deploy.guard import SESSION_BYTES, SESSION_FILES

        planner = _xsrf(full, browser_cookies)
        xsrf = planner.cookies.get("_streamlit_xsrf")
        codes = [
            planner.put(f"{url}/f{n}", files=one, headers={"X-Xsrftoken": xsrf}, timeout=10).status_code
            for n in range(SESSION_FILES + 2)
        ]
        assert codes[:SESSION_FILES] == [204] * SESSION_FILES and codes[SESSION_FILES:] == [413, 413]
        # a body past the byte cap is refused from its Content-Length, unread
        for n in range(SESSION_FILES):
            assert planner.delete(f"{url}/f{n}", headers={"X-Xsrftoken": xsrf}, timeout=10).status_code == 204
        # the headers alone are sent: the answer comes without waiting for a byte of the body
        cookie = "; ".join(f"{k}={v}" for k, v in browser_cookies.items())
        head = (
            f"PUT /_stcore/upload_file/{planner_session}/big HTTP/1.1\r\nHost: 127.0.0.1:{full.port}\r\n"
            f"Cookie: {cookie}\r\nX-Xsrftoken: {xsrf}\r\nContent-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {SESSION_BYTES + 1}\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", full.port), timeout=10) as raw:
            raw.sendall(head.encode("latin-1"))
            answer = raw.recv(4096).decode("latin-1")
        assert answer.startswith("HTTP/1.1 413") and "connection: close" in answer.lower()
    finally:
        _close(handles)


# -- a WebSocket naming a signed-in planner's session -------------------------------------------


def test_a_websocket_naming_a_planners_session_gets_a_new_empty_one(full):
    handles, planner_session, browser_cookies = _browser_session(full, "li")
    try:
        stranger = {k: v for k, v in browser_cookies.items() if k != "circle_browser"}  # his XSRF cookie, not hers

        async def attack():
            ws, given, page = await _open(full, planner_session, stranger)
            await ws.close()
            return given, page

        given, page = _run(attack())
        assert given and given != planner_session
        assert "已登录".encode() not in page and b"Signed in as" not in page
        assert "a connection named a session of another browser" in full.said()
        # her own tab is untouched: still signed in, and its uploader's PUT passes the guard
        _playwright, _browser, tab = handles
        puts: list[int] = []
        tab.on("response", lambda r: puts.append(r.status) if "/_stcore/upload_file/" in r.url else None)
        tab.get_by_role("link", name="新建研究区").first.click()  # the page with the OSM file box
        uploader = tab.locator("input[type=file]").first
        uploader.wait_for(state="attached", timeout=60_000)
        uploader.set_input_files({"name": "town.osm", "mimeType": "application/xml", "buffer": b"<osm version='0.6'/>"})
        deadline = time.time() + 30
        while not puts and time.time() < deadline:
            tab.wait_for_timeout(200)
        assert puts == [204]
        tab.reload(wait_until="domcontentloaded")
        tab.get_by_text("账户名").first.wait_for(timeout=60_000)  # a reload asks again, as before
    finally:
        _close(handles)


def test_a_sign_in_is_proved_by_session_and_browser_together():
    from circle.deploy.sessions import SessionRecords, proof_of

    records = SessionRecords()
    records.bind("s1", proof_of("browser-secret"))
    assert records.may_resume("s1", proof_of("browser-secret"))
    assert not records.may_resume("s1", proof_of("another")) and not records.may_resume("s1", proof_of(None))
    first = records.sign_in("s1", proof_of("browser-secret"), "wang", "planner")
    second = records.sign_in("s1", proof_of("browser-secret"), "wang", "planner")
    assert first != second  # a new token at every sign-in
    assert records.check(second, "s1", proof_of("browser-secret")).name == "wang"
    assert records.check(second, "s1", proof_of("another")) is None  # the session id alone carries nothing
    assert records.check(second, "s2", proof_of("browser-secret")) is None
    assert records.planner_session("s1", proof_of("another")) is None
    records.end(second)
    assert records.check(second, "s1", proof_of("browser-secret")) is None


# -- small leaks --------------------------------------------------------------------------------


def test_metrics_are_not_served(full, public):
    for server in (full, public):
        answer = requests.get(f"{server.url}/_stcore/metrics", timeout=10)
        assert answer.status_code == 404 and "circle" not in answer.text and "session" not in answer.text


def test_the_public_server_serves_only_the_drawn_files_it_drew(full, public):
    from circle.ui.served import DRAWN, STATIC

    # a file the full server drew for a study not opened to the public, under its hash name
    name = os.urandom(16).hex() + ".json"
    target = STATIC / DRAWN / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b'[{"name": "facility of a private study"}]')
    try:
        assert requests.get(f"{public.url}/app/static/{DRAWN}/{name}", timeout=10).status_code == 404
        assert requests.get(f"{full.url}/app/static/{DRAWN}/{name}", timeout=10).status_code == 200
    finally:
        target.unlink(missing_ok=True)


def test_file_url_remembers_what_this_process_drew(tmp_path):
    from circle.ui.served import file_url, was_drawn

    url = file_url(b"[1, 2, 3]", ".json", folder=tmp_path)
    assert was_drawn(url.rsplit("/", 1)[1]) and not was_drawn("0" * 32 + ".json")


def test_messages_show_no_absolute_server_paths(tmp_path):
    from circle.ui.paths import without_paths

    data = tmp_path / "data"
    studies = tmp_path / "studies"
    message = (
        f"cannot read {data}/osm/chengdu.osm.pbf: truncated; {studies}/default/summary.json is damaged; "
        f"/tmp/circle-session-{os.getpid()}-abc/q1/upload.osm.data is not OSM."
    )
    shown = without_paths(message, [data, studies])
    assert "osm/chengdu.osm.pbf" in shown and "default/summary.json" in shown and "upload.osm.data is not OSM." in shown
    assert str(tmp_path) not in shown and "/tmp" not in shown and str(os.getpid()) not in shown
    typed = without_paths("'/etc/passwd' is not a path inside this server's data folders.", [data], ["/etc/passwd"])
    assert typed.startswith("'/etc/passwd'")  # what the planner typed is named as typed
