"""The deployment's library: settings, accounts, server files, the audit log, the build queue, scratch, serving."""

from __future__ import annotations

import gc
import json
import os
import threading
import time
from pathlib import Path

import pytest

from circle.deploy.accounts import add_account, check_password, list_accounts, read_accounts, remove_account
from circle.deploy.audit import AUDIT_LOG, read_log, record, uploaded_bytes, verify_log
from circle.deploy.builds import BuildQueue, SessionScratch, sweep_scratch
from circle.deploy.config import load_deployment
from circle.deploy.server_files import OutsideDataFoldersError, resolve_server_file
from circle.deploy.throttle import SignInThrottle
from circle.errors import InputDataError
from circle.study import file_sha256

PASSWORD = "a-long-enough-secret"


# settings ----------------------------------------------------------------------------------------------


def test_without_a_settings_file_the_defaults_are_the_safe_ones(monkeypatch):
    monkeypatch.delenv("CIRCLE_CONFIG", raising=False)
    monkeypatch.delenv("CIRCLE_STUDIES", raising=False)
    deployment = load_deployment(None)
    assert deployment.mode == "full" and not deployment.public_only
    assert deployment.public_studies == ("default",)
    assert deployment.is_public_study("default") and not deployment.is_public_study("internal-draft")
    assert deployment.concurrent_builds == 1 and deployment.session_hours == 8


def test_settings_resolve_paths_from_their_folder_and_match_oidc_addresses(tmp_path):
    config = tmp_path / "circle.toml"
    config.write_text(
        'mode = "public"\nstudies = "st"\ndata_folders = ["osm", "/srv/osm"]\npublic_studies = ["*"]\n'
        '[oidc]\nplanners = ["*@bureau.example.cn"]\nadmins = ["chief@bureau.example.cn"]\n',
        encoding="utf-8",
    )
    deployment = load_deployment(config)
    assert deployment.public_only and deployment.studies == tmp_path / "st"
    assert deployment.data_folders == (tmp_path / "osm", Path("/srv/osm"))
    assert deployment.is_public_study("anything")
    assert deployment.oidc_role("Wang@Bureau.example.cn") == "planner"
    assert deployment.oidc_role("chief@bureau.example.cn") == "admin"
    assert deployment.oidc_role("someone@elsewhere.com") is None and deployment.oidc_role(None) is None


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('mode = "open"', "mode"),
        ("concurrent_builds = 0", "concurrent_builds"),
        ("session_hours = -1", "session_hours"),
        ('data_folders = "osm"', "data_folders"),
        ("studeis = 'x'", "studeis"),
        ("[oidc]\nplanners = 'x'", "[oidc]"),
    ],
)
def test_a_bad_setting_is_named_with_its_file(tmp_path, text, named):
    config = tmp_path / "circle.toml"
    config.write_text(text + "\n", encoding="utf-8")
    with pytest.raises(InputDataError, match=str(config)) as caught:
        load_deployment(config)
    assert named in str(caught.value)


def test_a_settings_file_that_is_not_toml_is_refused_without_echoing_it(tmp_path):
    config = tmp_path / "circle.toml"
    config.write_text("password = hunter2-plain\n[[[", encoding="utf-8")
    with pytest.raises(InputDataError, match="not readable TOML") as caught:
        load_deployment(config)
    assert "hunter2" not in str(caught.value)


# accounts ----------------------------------------------------------------------------------------------


def test_accounts_keep_argon2id_hashes_only_in_a_file_only_its_owner_reads(tmp_path):
    accounts = tmp_path / "accounts.json"
    add_account(accounts, "Wang", PASSWORD, "admin")
    text = accounts.read_text(encoding="utf-8")
    assert PASSWORD not in text
    assert json.loads(text)["users"]["wang"]["hash"].startswith("$argon2id$")
    assert accounts.stat().st_mode & 0o077 == 0
    assert list_accounts(accounts)[0].name == "wang" and list_accounts(accounts)[0].role == "admin"
    assert check_password(accounts, "WANG ", PASSWORD).name == "wang"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_and_the_same_work(tmp_path):
    accounts = tmp_path / "accounts.json"
    add_account(accounts, "wang", PASSWORD)

    def timed(name: str, password: str) -> tuple[object, float]:
        started = time.perf_counter()
        answer = check_password(accounts, name, password)
        return answer, time.perf_counter() - started

    check_password(accounts, "nobody", "warm-up")  # the dummy hash is made once
    wrong, wrong_s = timed("wang", "not-the-password")
    unknown, unknown_s = timed("nobody", "not-the-password")
    malformed, _ = timed("../../etc", "x")
    assert wrong is None and unknown is None and malformed is None
    # both verify one argon2id hash (tens of milliseconds); an unknown name is not answered early
    assert unknown_s > 0.3 * wrong_s


def test_passwords_too_short_and_unknown_roles_are_refused(tmp_path):
    accounts = tmp_path / "accounts.json"
    with pytest.raises(InputDataError, match="10 characters"):
        add_account(accounts, "wang", "short")
    with pytest.raises(InputDataError, match="role"):
        add_account(accounts, "wang", PASSWORD, "root")
    with pytest.raises(InputDataError, match="account name"):
        add_account(accounts, "../evil", PASSWORD)
    assert not accounts.exists()


def test_removing_an_account_keeps_the_others(tmp_path):
    accounts = tmp_path / "accounts.json"
    add_account(accounts, "wang", PASSWORD)
    add_account(accounts, "li", PASSWORD)
    remove_account(accounts, "wang")
    assert list(read_accounts(accounts)) == ["li"]
    with pytest.raises(InputDataError, match="no account"):
        remove_account(accounts, "wang")


def test_a_damaged_accounts_file_is_named_and_not_overwritten(tmp_path):
    accounts = tmp_path / "accounts.json"
    accounts.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputDataError, match=str(accounts)):
        add_account(accounts, "wang", PASSWORD)
    assert accounts.read_text(encoding="utf-8") == "{not json"
    assert check_password(accounts, "wang", PASSWORD) is None


def test_the_throttle_refuses_a_name_after_five_failures_until_the_window_passes():
    now = [0.0]
    throttle = SignInThrottle(limit=5, window_s=900, clock=lambda: now[0])
    for _ in range(5):
        assert not throttle.blocked("Wang")
        throttle.refuse("wang ")
    assert throttle.blocked("wang") and not throttle.blocked("li")
    now[0] = 901.0
    assert not throttle.blocked("wang")
    throttle.refuse("li")
    throttle.forget("li")
    assert not throttle.blocked("li")


# server files ------------------------------------------------------------------------------------------


@pytest.fixture
def data_folder(tmp_path):
    folder = tmp_path / "data" / "osm"
    folder.mkdir(parents=True)
    (folder / "city.osm.pbf").write_bytes(b"\x00\x00\x00\x0dOSMHeader")
    (folder / "sub").mkdir()
    (folder / "sub" / "district.osm").write_text("<osm/>", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    return folder


def test_files_inside_a_data_folder_are_found_by_relative_or_absolute_path(data_folder):
    assert resolve_server_file("city.osm.pbf", [data_folder]) == (data_folder / "city.osm.pbf").resolve()
    assert resolve_server_file("sub/district.osm", [data_folder]) == (data_folder / "sub" / "district.osm").resolve()
    assert resolve_server_file(str(data_folder / "city.osm.pbf"), [data_folder]).name == "city.osm.pbf"
    assert resolve_server_file("sub/../city.osm.pbf", [data_folder]).name == "city.osm.pbf"


@pytest.mark.parametrize(
    "typed",
    [
        "../../secret.txt",
        "sub/../../../secret.txt",
        "/etc/passwd",
        "~/.ssh/id_rsa",
        "~root/.bashrc",
        "city.osm.pbf\x00.txt",
        "/proc/self/environ",
    ],
)
def test_paths_outside_the_data_folders_are_refused_naming_only_what_was_typed(data_folder, typed):
    with pytest.raises(OutsideDataFoldersError) as caught:
        resolve_server_file(typed, [data_folder])
    message = str(caught.value)
    assert repr(typed) in message and "root:x" not in message
    assert str(data_folder) not in message  # nor where the data folders are


def test_symbolic_links_out_of_the_data_folder_are_refused(data_folder):
    (data_folder / "innocent.osm").symlink_to(data_folder.parents[1] / "secret.txt")
    (data_folder / "etc").symlink_to("/etc")
    for typed in ("innocent.osm", "etc/passwd", str(data_folder / "innocent.osm")):
        with pytest.raises(OutsideDataFoldersError):
            resolve_server_file(typed, [data_folder])
    (data_folder / "alias.osm").symlink_to(data_folder / "sub" / "district.osm")  # a link that stays inside
    assert resolve_server_file("alias.osm", [data_folder]).name == "district.osm"


def test_a_missing_file_and_a_folder_inside_are_not_files(data_folder):
    for typed in ("missing.osm", "sub"):
        with pytest.raises(InputDataError, match="names no file") as caught:
            resolve_server_file(typed, [data_folder])
        assert not isinstance(caught.value, OutsideDataFoldersError)
    with pytest.raises(InputDataError, match="no data folders"):
        resolve_server_file("city.osm.pbf", [])


def test_a_file_that_is_not_osm_is_named_without_any_of_its_bytes(tmp_path):
    from circle.sources.osm_format import detect_format

    passwd = tmp_path / "passwd"
    passwd.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
    with pytest.raises(InputDataError) as caught:
        detect_format(passwd)
    message = str(caught.value)
    assert str(passwd) in message and "root" not in message.replace(str(tmp_path), "")
    archive = tmp_path / "city.osm.pbf.gz"
    archive.write_bytes(b"\x1f\x8b\x08\x00secret")
    with pytest.raises(InputDataError, match="gzip archive: unpack it first"):
        detect_format(archive)


@pytest.mark.parametrize(
    ("body", "secret"),
    [
        ('<node id="1" lat="secret-latitude" lon="2"/>', "secret-latitude"),
        ('<node id="1" lat="1" lon="2"><tag k="secret-key" v="x"></node>', "secret-key"),
    ],
)
def test_damaged_osm_xml_is_described_without_quoting_it(tmp_path, body, secret):
    from circle.sources.osm import read_osm
    from circle.standards import load_preset

    path = tmp_path / "bad.osm"
    path.write_text(f'<?xml version="1.0"?>\n<osm version="0.6">{body}</osm>\n', encoding="utf-8")
    with pytest.raises(InputDataError) as caught:
        read_osm(path, load_preset())
    assert str(path) in str(caught.value) and secret not in str(caught.value)


def test_an_osm_version_is_not_quoted_either(tmp_path):
    from circle.sources.osm import read_osm
    from circle.standards import load_preset

    path = tmp_path / "odd.osm"
    path.write_text('<osm version="secret-9.9"></osm>', encoding="utf-8")
    with pytest.raises(InputDataError, match=r"version other than 0\.6") as caught:
        read_osm(path, load_preset())
    assert "secret" not in str(caught.value)


# the audit log -----------------------------------------------------------------------------------------


def test_the_audit_log_records_who_what_and_the_source_hash_in_a_chain(tmp_path):
    source = tmp_path / "city.osm.pbf"
    source.write_bytes(b"some bytes")
    record(tmp_path, "wang", "planner", "build_study", "city", source, "城市.osm.pbf", uploaded_bytes=10)
    record(tmp_path, "wang", "planner", "save_scenario", "city/new-clinic", changes=2)
    record(tmp_path, "zhao", "admin", "delete_scenario", "city/new-clinic")
    events = list(read_log(tmp_path))
    assert [e["action"] for e in events] == ["build_study", "save_scenario", "delete_scenario"]
    assert events[0]["source"] == "城市.osm.pbf" and events[0]["source_sha256"] == file_sha256(source)
    assert all(e["time"].endswith("Z") for e in events)
    assert verify_log(tmp_path) == 3
    assert uploaded_bytes(tmp_path, "wang", _long_ago()) == 10
    assert uploaded_bytes(tmp_path, "li", _long_ago()) == 0
    with pytest.raises(ValueError, match="unknown audit action"):
        record(tmp_path, "wang", "planner", "drop_tables", "x")


def _long_ago():
    import datetime as dt

    return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


@pytest.mark.parametrize("edit", ["change", "remove", "insert"])
def test_editing_the_audit_log_is_found_at_the_line_edited(tmp_path, edit):
    for n in range(4):
        record(tmp_path, "wang", "planner", "save_scenario", f"city/s{n}")
    log = tmp_path / AUDIT_LOG
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    if edit == "change":
        lines[1] = lines[1].replace('"wang"', '"li"')
    elif edit == "remove":
        del lines[1]
    else:
        lines.insert(2, lines[0])
    log.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError, match=f"line {3 if edit == 'insert' else 2 + (edit == 'change')}"):
        verify_log(tmp_path)


def test_concurrent_writers_keep_the_chain(tmp_path):
    def write(user: str) -> None:
        for n in range(10):
            record(tmp_path, user, "planner", "save_scenario", f"city/{user}{n}")

    threads = [threading.Thread(target=write, args=(name,)) for name in ("wang", "li", "zhao")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verify_log(tmp_path) == 30


# builds and scratch ------------------------------------------------------------------------------------


def test_the_build_queue_runs_at_most_its_slots_and_serves_in_arrival_order():
    queue = BuildQueue(slots=1)
    order: list[str] = []
    positions: dict[str, list[int]] = {"second": [], "third": []}
    release = threading.Event()
    started = threading.Event()

    def first() -> None:
        with queue.turn():
            started.set()
            order.append("first")
            release.wait(5)

    def later(name: str) -> None:
        with queue.turn(on_wait=positions[name].append, poll_s=0.01):
            order.append(name)
            assert queue.running == 1

    runner = threading.Thread(target=first)
    runner.start()
    started.wait(5)
    second = threading.Thread(target=later, args=("second",))
    second.start()
    while queue.position(2) != 1:
        time.sleep(0.005)
    third = threading.Thread(target=later, args=("third",))
    third.start()
    while queue.position(3) != 2:
        time.sleep(0.005)
    assert queue.running == 1
    release.set()
    for thread in (runner, second, third):
        thread.join(5)
    assert order == ["first", "second", "third"]
    assert positions["second"][0] == 1 and positions["third"][0] == 2
    assert queue.running == 0 and queue.position(3) == 0


def test_a_failed_build_gives_its_slot_to_the_next():
    queue = BuildQueue(slots=1)
    with pytest.raises(RuntimeError), queue.turn():
        raise RuntimeError("the build failed")
    with queue.turn() as ticket:
        assert queue.running == 1 and ticket == 2


def test_a_session_scratch_folder_goes_with_its_session(tmp_path):
    scratch = SessionScratch(tmp_path)
    folder = scratch.path
    with scratch.folder() as build:
        (build / "upload.osm.data").write_bytes(b"x" * 1000)
        kept = build
    assert not kept.exists() and folder.is_dir()  # each build's files go when the build ends
    with scratch.folder() as build, pytest.raises(ValueError):
        (build / "half").write_bytes(b"half an upload")
        raise ValueError("the upload was cut off")
    assert not any(folder.iterdir())
    del scratch
    gc.collect()
    assert not folder.exists()  # and the session's folder when the session is dropped


def test_the_sweep_removes_what_dead_servers_left_and_keeps_the_living(tmp_path):
    dead = tmp_path / "circle-session-999999-abc"
    dead.mkdir()
    (dead / "upload").write_bytes(b"x")
    mine = SessionScratch(tmp_path)
    removed = sweep_scratch(tmp_path, alive=lambda pid: pid == os.getpid())
    assert removed == [dead] and not dead.exists() and mine.path.is_dir()
    mine.close()
    assert not mine.path.exists()


# serving -----------------------------------------------------------------------------------------------


def test_production_settings_close_what_a_public_server_must_not_offer():
    from circle.deploy.serve import production_settings, streamlit_command

    settings = production_settings("public", "0.0.0.0", 8080, ["circle.example.cn"])
    assert settings["client.toolbarMode"] == "minimal" and settings["client.showErrorDetails"] == "none"
    assert settings["server.enableXsrfProtection"] == "true" and settings["server.enableCORS"] == "true"
    assert settings["server.maxUploadSize"] == "1" and settings["server.address"] == "0.0.0.0"
    assert settings["server.allowedHosts"] == '["circle.example.cn"]'
    command = streamlit_command("public")
    assert command[2].endswith("public_app.py") and "--server.address" in command
    assert streamlit_command("full")[2].endswith("app.py")
    assert production_settings("full", "127.0.0.1", 8501)["server.maxUploadSize"] == "200"
