"""The circle command: help a planner can follow, and the embedded default study."""

from __future__ import annotations

import json
import subprocess
import sys

import geopandas as gpd
import pytest

from circle.cli import main


def test_help_lists_the_commands_and_examples(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    text = capsys.readouterr().out
    assert "analyze" in text and "isochrone" in text and "examples:" in text


def test_analyze_help_explains_the_options(capsys):
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    text = capsys.readouterr().out
    for option in ("--bbox", "--blocks", "--preset", "--profile", "--overwrite", "--gpkg", "elderly 0.8 m/s"):
        assert option in text


def test_default_study_from_the_embedded_extract(tmp_path, capsys):
    out = tmp_path / "default"
    assert main(["analyze", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert f"Study written to {out}" in printed.out
    assert "circle isochrone --study" in printed.out
    summary = json.loads((out / "summary.json").read_text())
    assert "chengdu" in summary["source"]["label"]
    assert summary["crs"] == "EPSG:32648"
    assert summary["parameters"]["region"] == "china"
    blocks = gpd.read_parquet(out / "blocks.parquet")
    assert len(blocks) >= 200
    # street blocks and squares of loose buildings at the extract's edges reach no park inside it
    assert blocks["park_t1"].notna().mean() > 0.9
    # a Chinese planner recognises it: most blocks called by a name or by the streets around them
    named = blocks["name"].notna() | blocks["place_zh"].notna()
    assert named.mean() > 0.9
    # a planner names the category as the preset labels it
    assert main(["suggest", "--study", str(out), "--category", "小学", "--sites", "1"]) == 0
    assert "Suggested sites for primary_school, weighing children aged 6–12" in capsys.readouterr().out


def test_helsinki_stays_available_by_name(tmp_path, capsys):
    out = tmp_path / "helsinki"
    assert main(["analyze", "helsinki", "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert "helsinki" in summary["source"]["label"]
    assert summary["crs"] == "EPSG:32635" and summary["parameters"]["region"] == "europe"
    assert main(["analyze", "atlantis", "--out", str(tmp_path / "x"), "--quiet"]) == 2


def test_console_script_runs_as_a_separate_process(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "circle.cli",
            "analyze",
            str(tmp_path / "missing.osm"),
            "--out",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "does not exist" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr


def _users(args: list[str], accounts, monkeypatch, stdin: str | None = None) -> int:
    """Run ``circle users`` with a deployment whose studies (and database) are beside ``accounts``."""
    import io

    config = accounts.parent / "circle.toml"
    config.write_text(f'studies = "{accounts.parent / "st"}"\naccounts = "{accounts}"\n', encoding="utf-8")
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["users", *args, "--config", str(config)])


def _database(accounts):
    from circle.deploy.config import load_deployment
    from circle.deploy.db import database_of

    return database_of(load_deployment(accounts.parent / "circle.toml"))


def test_users_add_list_and_remove_keep_only_hashes(tmp_path, monkeypatch, capsys):
    accounts = tmp_path / "accounts.json"
    secret = "a-long-password-1"
    assert _users(["add", "Wang", "--role", "admin", "--password-stdin"], accounts, monkeypatch, secret + "\n") == 0
    assert _users(["add", "li", "--password-stdin"], accounts, monkeypatch, "another-password\n") == 0
    assert secret.encode() not in (tmp_path / "st" / ".circle.db").read_bytes()
    capsys.readouterr()
    assert _users(["list"], accounts, monkeypatch) == 0
    assert capsys.readouterr().out.splitlines() == ["li\tplanner", "wang\tadmin"]
    assert _users(["remove", "li"], accounts, monkeypatch) == 0
    assert _users(["remove", "li"], accounts, monkeypatch) == 2
    assert "no account 'li'" in capsys.readouterr().err
    from circle.deploy.accounts import check_password

    assert check_password(_database(accounts), "wang", secret).role == "admin"
    from circle.deploy.audit import read_log

    changes = [(e["user"].startswith("cli"), e["action"], e["target"]) for e in read_log(tmp_path / "st")]
    assert changes == [(True, "account_added", "wang"), (True, "account_added", "li"), (True, "account_removed", "li")]


def test_users_add_refuses_short_passwords_and_a_missing_terminal(tmp_path, monkeypatch, capsys):
    accounts = tmp_path / "accounts.json"
    assert _users(["add", "wang", "--password-stdin"], accounts, monkeypatch, "short\n") == 2
    assert "10 characters" in capsys.readouterr().err
    assert _users(["add", "wang"], accounts, monkeypatch, "") == 2  # stdin is no terminal: no getpass prompt
    assert "--password-stdin" in capsys.readouterr().err
    from circle.deploy.accounts import list_accounts

    assert list_accounts(_database(accounts)) == []
    with pytest.raises(SystemExit):  # a password cannot be given as an argument at all
        main(["users", "add", "wang", "--password", "a-long-password-1"])


def test_serve_dry_run_prints_the_production_command(tmp_path, capsys):
    config = tmp_path / "circle.toml"
    config.write_text(f'studies = "{tmp_path / "st"}"\naccounts = "{tmp_path / "none.json"}"\n', encoding="utf-8")
    assert main(["serve", "--config", str(config), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "full deployment at http://127.0.0.1:8501" in out and "circle users add" in out
    assert "app.py" in out and "server.enableXsrfProtection = true" in out
    (tmp_path / "sites").mkdir()  # the published sites' default folder, next to the studies
    assert main(["serve", "--public", "--config", str(config), "--dry-run", "--address", "0.0.0.0"]) == 0
    out = capsys.readouterr().out
    assert "-m circle.deploy.serve" in out and "ws = none" in out and "--host" in out
    assert "public_app.py" not in out and "no site to serve yet" in out
    config.write_text('mode = "open"\n', encoding="utf-8")
    assert main(["serve", "--config", str(config), "--dry-run"]) == 2
    assert "mode must be one of" in " ".join(capsys.readouterr().err.split())
