"""The deployment's library: settings, server files, scratch folders, serving.

Accounts, throttling, the audit log and the build queue live in the database: tests/test_deploy_db.py.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from circle.deploy.builds import SessionScratch, sweep_scratch
from circle.deploy.config import load_deployment
from circle.deploy.server_files import OutsideDataFoldersError, resolve_server_file
from circle.errors import InputDataError

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


# builds and scratch ------------------------------------------------------------------------------------


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
    assert command[1:5] == ["-m", "circle.deploy.launch", "public", command[4]]  # behind circle's guard
    assert command[4].endswith("public_app.py") and "--server.address" in command
    assert streamlit_command("full")[3:5] == ["full", str(Path(command[4]).parent / "app.py")]
    assert production_settings("full", "127.0.0.1", 8501)["server.maxUploadSize"] == "200"
