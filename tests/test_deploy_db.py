"""The deployment's database, on SQLite and on a real PostgreSQL server.

Every test taking ``database`` runs twice: on ``STUDIES/.circle.db`` (SQLite,
WAL) and on a fresh database of a PostgreSQL server the session starts on
127.0.0.1 from Debian's binaries (skipped, with the reason, where it cannot
start). Accounts, throttling, the audit log and its head, the build queue and
scenario ownership; then the command line's records and ``--overwrite``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from circle.deploy import db
from circle.deploy.accounts import (
    add_account,
    check_password,
    has_accounts,
    import_accounts_file,
    list_accounts,
    remove_account,
)
from circle.deploy.audit import AUDIT_LOG, read_log, record, uploaded_bytes, verify_log
from circle.deploy.builds import BuildQueue
from circle.deploy.owners import (
    ScenarioTakenError,
    claim_scenario,
    forget_scenario,
    release_claim,
    scenario_owner,
    scenario_saved,
)
from circle.deploy.throttle import RULES, SignInThrottle, name_digest
from circle.errors import InputDataError
from circle.files import file_sha256

PASSWORD = "a-long-enough-secret"


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
def backend(request, tmp_path):
    """Return (database, studies folder, url) on each backend; the studies folder is fresh."""
    studies = tmp_path / "studies"
    studies.mkdir()
    url = db.sqlite_url(studies) if request.param == "sqlite" else request.getfixturevalue("postgres").new_database()
    return db.open_database(url), studies, url


@pytest.fixture
def database(backend):
    return backend[0]


# schema ------------------------------------------------------------------------------------------------


def test_the_schema_is_made_by_the_migrations_and_upgrading_again_changes_nothing(backend):
    database, studies, _ = backend
    assert db.current_revision(database) == db.SCHEMA_REVISION
    assert db.upgrade(database) == db.SCHEMA_REVISION
    tables = set(sa.inspect(database.engine).get_table_names())
    assert {"accounts", "signin_attempts", "build_queue", "audit_log", "audit_head", "scenarios"} <= tables
    assert "resident_reports" in tables
    if database.dialect == "sqlite":
        assert (studies / db.DATABASE_FILE).stat().st_mode & 0o077 == 0  # the accounts' hashes: its owner only
        with sqlite3.connect(studies / db.DATABASE_FILE) as raw:
            assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_migrations_go_down_and_up_again(backend):
    database, _, _ = backend
    db.downgrade(database, "base")
    assert db.current_revision(database) is None
    assert "accounts" not in sa.inspect(database.engine).get_table_names()
    db.upgrade(database)
    add_account(database, "wang", PASSWORD)
    assert [a.name for a in list_accounts(database)] == ["wang"]


def test_circle_db_upgrade_and_status_work_on_the_configured_database(backend, tmp_path, capsys):
    from circle.cli import main

    database, studies, url = backend
    config = tmp_path / "circle.toml"
    setting = "" if database.dialect == "sqlite" else f'database = "{url}"\n'
    config.write_text(f'studies = "{studies}"\n{setting}', encoding="utf-8")
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    assert f"revision {db.SCHEMA_REVISION}" in capsys.readouterr().out
    record(studies, "wang", "planner", "sign_in", "wang", database=database)
    assert main(["db", "status", "--config", str(config)]) == 0
    assert "1 events, chain and head intact" in capsys.readouterr().out


def test_an_unusable_database_setting_is_refused_with_the_setting_named(tmp_path):
    from circle.deploy.config import load_deployment

    config = tmp_path / "circle.toml"
    config.write_text('database = "mysql://x"\n', encoding="utf-8")
    with pytest.raises(InputDataError, match="database must be a URL"):
        load_deployment(config)
    with pytest.raises(InputDataError, match="cannot be opened"):
        db.open_database("postgresql+psycopg://circle@127.0.0.1:1/none")


# accounts ----------------------------------------------------------------------------------------------


def test_accounts_keep_argon2id_hashes_only(database):
    add_account(database, "Wang", PASSWORD, "admin")
    with database.connect() as connection:
        stored = connection.execute(sa.select(db.accounts.c.hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert list_accounts(database)[0].name == "wang" and list_accounts(database)[0].role == "admin"
    assert check_password(database, "WANG ", PASSWORD).name == "wang"
    assert has_accounts(database)
    add_account(database, "wang", PASSWORD + "2", "planner")  # a new password and role
    assert check_password(database, "wang", PASSWORD) is None
    assert check_password(database, "wang", PASSWORD + "2").role == "planner"


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer_and_the_same_work(database):
    add_account(database, "wang", PASSWORD)

    def timed(name: str, password: str) -> tuple[object, float]:
        started = time.perf_counter()
        answer = check_password(database, name, password)
        return answer, time.perf_counter() - started

    check_password(database, "nobody", "warm-up")  # the dummy hash is made once
    wrong, wrong_s = timed("wang", "not-the-password")
    unknown, unknown_s = timed("nobody", "not-the-password")
    malformed, _ = timed("../../etc", "x")
    assert wrong is None and unknown is None and malformed is None
    assert unknown_s > 0.3 * wrong_s  # both verify one argon2id hash; an unknown name is not answered early


def test_bad_passwords_roles_and_names_are_refused_and_removing_keeps_the_others(database):
    with pytest.raises(InputDataError, match="10 characters"):
        add_account(database, "wang", "short")
    with pytest.raises(InputDataError, match="role"):
        add_account(database, "wang", PASSWORD, "root")
    with pytest.raises(InputDataError, match="account name"):
        add_account(database, "../evil", PASSWORD)
    assert not has_accounts(database)
    add_account(database, "wang", PASSWORD)
    add_account(database, "li", PASSWORD)
    remove_account(database, "wang")
    assert [a.name for a in list_accounts(database)] == ["li"]
    with pytest.raises(InputDataError, match="no account"):
        remove_account(database, "wang")


def test_an_old_accounts_file_is_imported_once(database, tmp_path):
    from argon2 import PasswordHasher

    old = tmp_path / "accounts.json"
    users = {"wang": {"hash": PasswordHasher().hash(PASSWORD), "role": "admin", "added": "2026-12-01T00:00:00Z"}}
    old.write_text(json.dumps({"users": users}), encoding="utf-8")
    assert import_accounts_file(database, old) == 1
    assert check_password(database, "wang", PASSWORD).role == "admin"
    assert not old.exists() and (tmp_path / "accounts.json.imported").is_file()
    remove_account(database, "wang")
    assert import_accounts_file(database, old) == 0  # the file is not read again: a removal stays
    assert not has_accounts(database)
    damaged = tmp_path / "damaged.json"
    damaged.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputDataError, match=str(damaged)):
        import_accounts_file(database, damaged)
    assert damaged.read_text(encoding="utf-8") == "{not json"


# throttling --------------------------------------------------------------------------------------------


def _throttle(database, now):
    return SignInThrottle(database, clock=lambda: now[0])


def test_five_wrong_passwords_from_anywhere_delay_a_name_briefly_and_never_lock_it(database):
    now = [1_000_000.0]
    throttle = _throttle(database, now)
    add = [f"203.0.113.{n}" for n in range(10)]  # an outsider from many addresses
    for n in range(5):
        assert throttle.wait_s("wang", add[n]) == 0
        throttle.refuse("wang", add[n])
    # the sixth attempt for the name waits one second, from anywhere new; the planner's known address does not
    throttle.forget("wang", "10.0.0.5")  # wang signed in from there once
    now[0] += 0.1
    assert 0.8 < throttle.wait_s("wang", "198.51.100.1") <= 1.0
    assert throttle.wait_s("wang", "10.0.0.5") == 0
    for n in range(5, 10):  # the delays grow: 1, 2, 4, 8, 16 s, the outsider waiting each out
        now[0] += throttle.wait_s("wang", add[n])
        throttle.refuse("wang", add[n])
    assert throttle.wait_s("wang", "198.51.100.1") == pytest.approx(2.0**5)
    for n in range(10):
        now[0] += throttle.wait_s("wang", f"192.0.2.{n}")
        throttle.refuse("wang", f"192.0.2.{n}")
    assert throttle.wait_s("wang", "198.51.100.1") <= RULES["name"].cap_s  # never more than a minute
    assert throttle.wait_s("wang", "10.0.0.5") == 0
    now[0] += 901  # and every refusal is forgotten after the window
    assert throttle.wait_s("wang", "198.51.100.1") == 0


def test_one_address_guessing_one_name_or_many_names_slows_down_to_minutes(database):
    now = [2_000_000.0]
    throttle = _throttle(database, now)
    for _ in range(3):
        throttle.refuse("wang", "203.0.113.9")
    assert throttle.wait_s("wang", "203.0.113.9") == pytest.approx(1.0)
    assert throttle.wait_s("wang", "198.51.100.1") == 0  # another address is not slowed by this pair
    for _ in range(9):
        now[0] += throttle.wait_s("wang", "203.0.113.9")
        throttle.refuse("wang", "203.0.113.9")
    assert throttle.wait_s("wang", "203.0.113.9") > 60  # the pair: beyond the name's cap
    # spraying names from one address
    for n in range(12):
        now[0] += throttle.wait_s(f"user{n}", "203.0.113.50")
        throttle.refuse(f"user{n}", "203.0.113.50")
    assert throttle.wait_s("someone-else", "203.0.113.50") >= 2.0
    # attempts made while waiting are refused unchecked and count against their address only
    before = throttle.wait_s("zhao", "198.51.100.7")
    for _ in range(20):
        throttle.refuse("zhao", "203.0.113.50", checked=False)
    assert throttle.wait_s("zhao", "198.51.100.7") == before == 0


def test_the_counts_are_in_the_database_for_every_process(database):
    now = [3_000_000.0]
    for _ in range(3):
        _throttle(database, now).refuse("wang", "203.0.113.9")  # a new object each time: another process
    assert _throttle(database, now).blocked("wang", "203.0.113.9")
    digest = name_digest(database, "Wang ")
    assert digest == name_digest(database, "wang") and "wang" not in digest and len(digest) == 32
    with database.connect() as connection:
        keys = list(connection.scalars(sa.select(db.signin_attempts.c.key)))
    assert not any("wang" in key for key in keys)


# the audit log -----------------------------------------------------------------------------------------


def _long_ago():
    return dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def test_the_audit_log_records_who_what_and_the_source_hash_in_a_chain(backend):
    database, studies, _ = backend
    source = studies / "city.osm.pbf"
    source.write_bytes(b"some bytes")
    shown = "城市.osm.pbf"
    record(studies, "wang", "planner", "build_study", "city", source, shown, database=database, uploaded_bytes=10)
    record(studies, "wang", "planner", "save_scenario", "city/new-clinic", database=database, changes=2)
    record(studies, "zhao", "admin", "delete_scenario", "city/new-clinic", database=database)
    events = list(read_log(studies, database))
    assert [e["action"] for e in events] == ["build_study", "save_scenario", "delete_scenario"]
    assert [e["seq"] for e in events] == [1, 2, 3]
    assert events[0]["source"] == "城市.osm.pbf" and events[0]["source_sha256"] == file_sha256(source)
    assert verify_log(studies, database) == 3
    assert uploaded_bytes(studies, "wang", _long_ago(), database) == 10
    assert uploaded_bytes(studies, "li", _long_ago(), database) == 0
    assert uploaded_bytes(studies, "wang", dt.datetime.now(dt.UTC) + dt.timedelta(hours=1), database) == 0
    with pytest.raises(ValueError, match="unknown audit action"):
        record(studies, "wang", "planner", "drop_tables", "x", database=database)


def _four_events(studies, database):
    for n in range(4):
        record(studies, "wang", "planner", "save_scenario", f"city/s{n}", database=database)
    return studies / AUDIT_LOG


@pytest.mark.parametrize("edit", ["change", "remove", "insert"])
def test_editing_the_log_file_is_found_at_the_line_edited(backend, edit):
    database, studies, _ = backend
    log = _four_events(studies, database)
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    if edit == "change":
        lines[1] = lines[1].replace('"wang"', '"li"')
    elif edit == "remove":
        del lines[1]
    else:
        lines.insert(2, lines[0])
    log.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(InputDataError, match=f"line {3 if edit == 'insert' else 2}"):
        verify_log(studies, database)


@pytest.mark.parametrize("cut", [1, 2, 4])
def test_removing_the_last_lines_or_the_whole_file_is_found(backend, cut):
    database, studies, _ = backend
    log = _four_events(studies, database)
    lines = log.read_text(encoding="utf-8").splitlines(keepends=True)
    if cut == 4:
        log.unlink()
        expected = "missing but 4 audit events were recorded"
    else:
        log.write_text("".join(lines[:-cut]), encoding="utf-8")
        expected = f"ends at line {4 - cut} but 4 events were recorded"
    with pytest.raises(InputDataError, match=expected):
        verify_log(studies, database)
    record(studies, "wang", "planner", "sign_out", "wang", database=database)  # a later event does not hide it
    with pytest.raises(InputDataError):
        verify_log(studies, database)


def test_removing_events_from_the_database_is_found_by_the_head_kept_apart(backend):
    database, studies, _ = backend
    _four_events(studies, database)
    with database.begin() as connection:
        connection.execute(db.audit_log.delete().where(db.audit_log.c.seq == 4))
    with pytest.raises(InputDataError, match="ends at event 3 but 4 were recorded"):
        verify_log(studies, database)
    with database.begin() as connection:
        connection.execute(db.audit_log.delete().where(db.audit_log.c.seq == 2))
    with pytest.raises(InputDataError, match="lacks event"):
        verify_log(studies, database)


def test_concurrent_writers_keep_the_chain(backend):
    database, studies, _ = backend

    def write(user: str) -> None:
        for n in range(8):
            record(studies, user, "planner", "save_scenario", f"city/{user}{n}", database=database)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("wang", "li", "zhao")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert verify_log(studies, database) == 24


def test_a_log_file_from_before_the_database_is_taken_in(backend):
    import hashlib

    database, studies, _ = backend
    previous, lines = "0" * 64, []
    for n in range(3):
        line = json.dumps({"action": "sign_in", "previous": previous, "target": f"u{n}", "user": f"u{n}"})
        lines.append(line)
        previous = hashlib.sha256(line.encode()).hexdigest()
    (studies / AUDIT_LOG).write_text("\n".join(lines) + "\n", encoding="utf-8")
    record(studies, "wang", "planner", "sign_in", "wang", database=database)
    assert [e["user"] for e in read_log(studies, database)] == ["u0", "u1", "u2", "wang"]
    assert verify_log(studies, database) == 4


# the build queue ---------------------------------------------------------------------------------------


def test_the_build_queue_runs_at_most_its_slots_in_arrival_order_across_processes(database):
    order: list[str] = []
    positions: dict[str, list[int]] = {"second": [], "third": []}
    tickets: dict[str, int] = {}
    release = threading.Event()
    started = threading.Event()

    def first() -> None:
        with BuildQueue(database, slots=1).turn() as ticket:
            tickets["first"] = ticket
            started.set()
            order.append("first")
            release.wait(10)

    def later(name: str) -> None:
        queue = BuildQueue(database, slots=1)  # each its own object: as another app process would
        with queue.turn(on_wait=positions[name].append, poll_s=0.02):
            order.append(name)
            assert queue.running == 1

    runner = threading.Thread(target=first)
    runner.start()
    started.wait(10)
    second = threading.Thread(target=later, args=("second",))
    second.start()
    while not positions["second"]:
        time.sleep(0.01)
    third = threading.Thread(target=later, args=("third",))
    third.start()
    while not positions["third"]:
        time.sleep(0.01)
    assert BuildQueue(database).running == 1
    release.set()
    for thread in (runner, second, third):
        thread.join(20)
    assert order == ["first", "second", "third"]
    assert positions["second"][0] == 1 and positions["third"][0] == 2
    assert BuildQueue(database).running == 0 and BuildQueue(database).position(tickets["first"]) == 0


def test_a_failed_build_gives_its_slot_and_a_dead_servers_ticket_goes_stale(database):
    queue = BuildQueue(database, slots=1, stale_s=0.5)
    with pytest.raises(RuntimeError), queue.turn():
        raise RuntimeError("the build failed")
    assert queue.running == 0
    with database.begin() as connection:  # a server killed while building leaves its ticket
        connection.execute(db.build_queue.insert().values(state="running", owner="gone:1", seen=time.time()))
    assert queue.running == 1
    started = time.monotonic()
    with queue.turn(poll_s=0.05):
        assert queue.running == 1
    assert 0.3 < time.monotonic() - started < 10


# scenario names ----------------------------------------------------------------------------------------


def test_two_planners_saving_a_new_scenario_under_one_name_at_once_get_one_winner(database):
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def save(user: str) -> None:
        barrier.wait()
        try:
            claim_scenario(database, "city", "new-park", user)
            outcome[user] = "saved"
        except ScenarioTakenError as error:
            outcome[user] = str(error)

    threads = [threading.Thread(target=save, args=(user,)) for user in ("wang", "li")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winner = scenario_owner(database, "city", "new-park")
    loser = ({"wang", "li"} - {winner}).pop()
    assert outcome[winner] == "saved"
    assert winner in outcome[loser] and "right now" in outcome[loser]
    scenario_saved(database, "city", "new-park", winner)
    with pytest.raises(ScenarioTakenError, match="meanwhile"):  # saved: a new save is still refused
        claim_scenario(database, "city", "new-park", loser)
    claim_scenario(database, "city", "new-park", "zhao", may_replace=lambda owner: True)  # an admin replaces it
    assert scenario_owner(database, "city", "new-park") == "zhao"
    release_claim(database, "city", "new-park", "zhao")  # the admin's save failed
    claim_scenario(database, "city", "new-park", loser)
    forget_scenario(database, "city", "new-park")
    assert scenario_owner(database, "city", "new-park") is None


def test_a_claim_left_by_a_killed_save_or_for_a_folder_gone_is_taken_over(database):
    claim_scenario(database, "city", "s", "wang", stale_s=0.0)
    claim_scenario(database, "city", "s", "li", stale_s=0.0)  # wang's save never finished
    scenario_saved(database, "city", "s", "li")
    claim_scenario(database, "city", "s", "zhao", on_disk=lambda: False)  # li's folder was removed by hand
    assert scenario_owner(database, "city", "s") == "zhao"


# the command line --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def town_study(tmp_path_factory):
    from circle.pipeline import AnalysisOptions, analyze
    from tests.osm_builder import small_town

    root = tmp_path_factory.mktemp("town")
    source = small_town(root / "town.osm")
    analyze(AnalysisOptions(source=source, out=root / "built" / "town"))
    return source, root / "built" / "town"


def _configured(backend, tmp_path, monkeypatch) -> Path:
    """Point CIRCLE_CONFIG at settings whose studies folder is the backend's (with its database)."""
    database, studies, url = backend
    config = tmp_path / "circle.toml"
    setting = "" if database.dialect == "sqlite" else f'database = "{url}"\n'
    config.write_text(f'studies = "{studies}"\n{setting}', encoding="utf-8")
    monkeypatch.setenv("CIRCLE_CONFIG", str(config))
    monkeypatch.delenv("CIRCLE_STUDIES", raising=False)
    return studies


def test_the_command_line_records_builds_scenario_saves_and_deletions(backend, town_study, tmp_path, monkeypatch):
    from circle.cli import main
    from circle.study import Study
    from circle.study.scenarios import list_scenarios
    from tests.osm_builder import to_lonlat

    database, _, _ = backend
    studies = _configured(backend, tmp_path, monkeypatch)
    source, built = town_study
    shutil.copytree(built, studies / "town")
    lon, lat = to_lonlat(300.0, 0.0)
    assert main(["whatif", "--study", str(studies / "town"), "--add", f"clinic:{lat},{lon}", "--name", "east"]) == 0
    assert main(["whatif", "--study", str(studies / "town"), "--delete", "east"]) == 0
    assert main(["analyze", str(source), "--out", str(studies / "second"), "--quiet"]) == 0
    assert main(["analyze", str(source), "--out", str(studies / "second"), "--quiet"]) == 2  # refused: exists
    events = [(e["user"][:4], e["action"], e["target"], e.get("outcome")) for e in read_log(studies, database)]
    assert events == [
        ("cli:", "save_scenario", "town/east", None),
        ("cli:", "delete_scenario", "town/east", None),
        ("cli:", "build_study", "second", "done"),
        ("cli:", "build_study", "second", "refused"),
    ]
    assert verify_log(studies, database) == 4
    assert list_scenarios(Study.open(studies / "town")) == []
    assert scenario_owner(database, "town", "east") is None


def test_overwriting_a_study_keeps_its_scenarios(backend, town_study, tmp_path, monkeypatch):
    from circle.cli import main
    from circle.study import Study
    from circle.study.scenarios import list_scenarios
    from tests.osm_builder import to_lonlat

    studies = _configured(backend, tmp_path, monkeypatch)
    source, built = town_study
    shutil.copytree(built, studies / "town")
    lon, lat = to_lonlat(300.0, 0.0)
    assert main(["whatif", "--study", str(studies / "town"), "--add", f"clinic:{lat},{lon}", "--name", "east"]) == 0
    overwrite = ["analyze", str(source), "--out", str(studies / "town"), "--overwrite", "--quiet"]
    runs = [threading.Thread(target=main, args=(overwrite,)) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    kept = list_scenarios(Study.open(studies / "town"))
    assert [s["name"] for s in kept] == ["east"] and kept[0]["computed_on"] == "previous build"
    builds = [e for e in read_log(studies, backend[0]) if e["action"] == "build_study"]
    assert [e["outcome"] for e in builds] == ["done", "done"] and builds[-1]["kept_scenarios"] == 1


def test_the_schema_revision_constant_is_the_migrations_head():
    """open_database skips Alembic when the database is at SCHEMA_REVISION: it must be the newest migration."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from circle.deploy import db

    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == db.SCHEMA_REVISION
