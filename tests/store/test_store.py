"""The store on both backends: sessions, results, schema versions, and a database that does
not answer. ``store_url`` runs each test on a SQLite file and on a real PostgreSQL schema."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time

import pytest

from vxmlkit.app import create_app
from vxmlkit.results import CallResult, ResultStore
from vxmlkit.sms.records import list_messages
from vxmlkit.store import SchemaOutdated, SessionStore, StoreError, StoreUnavailable, open_store
from vxmlkit.store.schema import LATEST, MIGRATIONS, status, upgrade


@pytest.fixture
def store(store_url):
    db = open_store(store_url)
    yield db
    db.close()


def _result(reference: str = "ref-1", call_id: str = "call-1", **fields) -> CallResult:
    form = {"phone_number": "+16175551234", "message_reference": reference, "call_id": call_id,
            "result": "completed", "callee_type": "voice", "attempts": "1", "duration": "42", **fields}
    return CallResult.from_form("payment-reminder", form)


def test_sessions_round_trip(store) -> None:
    sessions = SessionStore(store)
    first = sessions.new(flow="survey", phone_number="+16175551234", message_reference="m1", call_id="c1",
                         call_parameters="a=1")
    first.state = {"answers": [1, "two"], "amount": "42.10"}
    sessions.insert(first)
    time.sleep(0.002)
    second = sessions.new(flow="survey", phone_number="+16175551234", message_reference="m2", call_id="c1",
                          call_parameters="")
    sessions.insert(second)
    got = sessions.get(first.id)
    assert got == first
    got.state["done"] = True
    got.internal["sms_attempts"] = {"send": 2}
    got.last_step, got.status = "thanks", "ended"
    sessions.save(got)
    again = sessions.get(first.id)
    assert again.state == {"answers": [1, "two"], "amount": "42.10", "done": True}
    assert again.internal == {"sms_attempts": {"send": 2}} and again.status == "ended"
    assert sessions.find(flow="survey", call_id="c1").id == second.id
    assert sessions.find(flow="other", call_id="c1") is None
    assert [s.id for s in sessions.recent(flow="survey")] == [second.id, first.id]
    assert [s.id for s in sessions.recent(limit=1)] == [second.id]
    assert sessions.get("nope") is None


def test_a_result_is_stored_once_and_its_hook_recorded(store) -> None:
    results = ResultStore(store)
    assert results.add(_result()) is True
    assert results.add(_result(duration="99")) is False
    assert results.hook_status("ref-1", "call-1") == ("pending", None)
    results.mark_hook(_result(), "error", "Traceback ...")
    assert results.hook_status("ref-1", "call-1") == ("error", "Traceback ...")
    assert results.add(_result(call_id="call-2")) is True
    listed = results.list(flow="payment-reminder")
    assert [r.call_id for r in listed] == ["call-2", "call-1"]
    assert listed[1].duration == 42 and listed[1].raw["duration"] == "42"
    assert results.list(since=time.time() + 60) == []


def test_a_fresh_store_is_at_the_latest_version(store) -> None:
    store.ping()
    now = status(store)
    assert now.version == LATEST and now.current and not now.pending
    assert [v for v, _, _ in now.applied] == [m.version for m in MIGRATIONS]
    assert upgrade(store) == []  # nothing left to do, and running it again is harmless


def test_stores_opened_at_once_upgrade_an_empty_database_together(store_url) -> None:
    stores = [open_store(store_url) for _ in range(4)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(stores))

    def first_use(db) -> None:
        barrier.wait()
        try:
            db.ping()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(db,)) for db in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [v for v, _, _ in status(stores[0]).applied] == [m.version for m in MIGRATIONS]
    for db in stores:
        db.close()


# The tables exactly as vxmlkit made them before schema versions (version 1), including the
# earliest call_sessions without its ``internal`` column.
OLD_SESSIONS_DDL = """
CREATE TABLE IF NOT EXISTS call_sessions (
    id TEXT PRIMARY KEY,
    flow TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    message_reference TEXT NOT NULL,
    call_id TEXT NOT NULL,
    call_parameters TEXT NOT NULL,
    state TEXT NOT NULL,
    internal TEXT NOT NULL DEFAULT '{}',
    last_step TEXT,
    status TEXT NOT NULL,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS call_sessions_flow ON call_sessions (flow, created_at);
"""
OLD_RESULTS_DDL = """
CREATE TABLE IF NOT EXISTS call_results (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    flow TEXT NOT NULL,
    phone_number TEXT NOT NULL,
    message_reference TEXT NOT NULL,
    call_id TEXT NOT NULL,
    result TEXT NOT NULL,
    callee_type TEXT NOT NULL,
    attempts INTEGER,
    last_attempt_timestamp TEXT,
    duration INTEGER,
    raw TEXT NOT NULL,
    hook_status TEXT NOT NULL DEFAULT 'pending',
    hook_error TEXT,
    received_at REAL NOT NULL,
    UNIQUE (message_reference, call_id)
);
CREATE INDEX IF NOT EXISTS call_results_flow ON call_results (flow, received_at);
"""
OLD_SMS_DDL = """
CREATE TABLE IF NOT EXISTS sms_messages (
    id TEXT PRIMARY KEY,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    flow TEXT,
    call_session TEXT,
    step TEXT,
    attempt INTEGER,
    recipient TEXT NOT NULL,
    sender TEXT,
    body TEXT,
    private INTEGER NOT NULL DEFAULT 0,
    segments INTEGER NOT NULL,
    encoding TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('sending', 'queued', 'sent', 'delivered', 'failed', 'undelivered')),
    gateway TEXT NOT NULL,
    provider_id TEXT,
    error TEXT,
    UNIQUE (call_session, step, attempt)
);
CREATE INDEX IF NOT EXISTS sms_messages_provider_id ON sms_messages (provider_id);
CREATE INDEX IF NOT EXISTS sms_messages_created_at ON sms_messages (created_at);
"""
OLD_CONTINUATIONS_DDL = """
CREATE TABLE IF NOT EXISTS sms_continuations (
    call_session TEXT NOT NULL,
    step TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    document TEXT,
    created_at REAL NOT NULL,
    PRIMARY KEY (call_session, step, attempt)
);
"""


def _old_database(path, *, sessions_ddl: str = OLD_SESSIONS_DDL, rows: int = 50) -> dict[str, list]:
    """A version-1 SQLite file with ``rows`` rows in each table; the rows as written."""
    conn = sqlite3.connect(path)
    conn.executescript(sessions_ddl + OLD_RESULTS_DDL + OLD_SMS_DDL + OLD_CONTINUATIONS_DDL)
    with_internal = "internal" in sessions_ddl
    for n in range(rows):
        at = 1_700_000_000.0 + n
        if with_internal:
            conn.execute("INSERT INTO call_sessions VALUES (?, 'survey', '+16175551234', ?, ?, 'a=1', ?, '{}', 'greet',"
                         " 'active', NULL, ?, ?)", (f"s{n}", f"m{n}", f"c{n}", f'{{"n": {n}}}', at, at))
        else:
            conn.execute("INSERT INTO call_sessions VALUES (?, 'survey', '+16175551234', ?, ?, 'a=1', ?, 'greet',"
                         " 'active', NULL, ?, ?)", (f"s{n}", f"m{n}", f"c{n}", f'{{"n": {n}}}', at, at))
        conn.execute("INSERT INTO call_results (flow, phone_number, message_reference, call_id, result, callee_type,"
                     " attempts, last_attempt_timestamp, duration, raw, hook_status, received_at)"
                     " VALUES ('survey', '+16175551234', ?, ?, 'completed', 'voice', 1, NULL, 30, '{}', ?, ?)",
                     (f"m{n}", f"c{n}", "done" if n % 2 else "pending", at))
        conn.execute("INSERT INTO sms_messages (id, created_at, updated_at, flow, call_session, step, attempt,"
                     " recipient, body, segments, encoding, status, gateway) VALUES (?, ?, ?, 'survey', ?, 'send', 1,"
                     " '+16175551234', 'hello', 1, 'GSM-7', 'queued', 'outbox')", (f"sms{n}", at, at, f"s{n}"))
        conn.execute("INSERT INTO sms_continuations VALUES (?, 'send', 1, '<vxml/>', ?)", (f"s{n}", at))
    conn.commit()
    tables = ("call_sessions", "call_results", "sms_messages", "sms_continuations")
    written = {table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall() for table in tables}
    conn.close()
    return written


@pytest.mark.parametrize("sessions_ddl", [OLD_SESSIONS_DDL, OLD_SESSIONS_DDL.replace(
    "    internal TEXT NOT NULL DEFAULT '{}',\n", "")], ids=["v1", "v1-without-internal"])
def test_a_version_1_sqlite_file_upgrades_on_first_use_and_loses_no_row(tmp_path, sessions_ddl) -> None:
    path = tmp_path / "old.sqlite3"
    written = _old_database(path, sessions_ddl=sessions_ddl)
    store = open_store(f"sqlite:///{path}")
    before = status(store)
    assert before.version == 0 and before.unversioned_tables

    sessions = SessionStore(store)
    assert sessions.get("s7").state == {"n": 7}  # first use upgrades
    assert status(store).version == LATEST

    conn = sqlite3.connect(path)
    for table, rows in written.items():
        now = conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
        assert len(now) == len(rows) == 50
        width = len(rows[0])  # added columns come after the old ones
        assert [tuple(r[:width]) for r in now] == [tuple(r) for r in rows], table
    # The new bookkeeping is filled in for the rows that were there.
    assert conn.execute("SELECT COUNT(*) FROM call_results WHERE hook_started_at IS NULL").fetchone()[0] == 0
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {"call_sessions_call_id", "call_sessions_created_at", "call_results_hooks"} <= indexes
    conn.close()
    assert sessions.find(flow="survey", call_id="c3").id == "s3"
    assert len(ResultStore(store).list()) == 50
    assert len(list_messages(store, limit=100)) == 50


def test_every_lookup_uses_an_index(tmp_path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'plan.sqlite3'}")
    store.ping()
    lookups = [
        ("SELECT * FROM call_sessions WHERE call_id = ? AND flow = ? ORDER BY created_at DESC LIMIT 1", ("c", "f")),
        ("SELECT * FROM call_sessions WHERE flow = ? ORDER BY created_at DESC LIMIT 5", ("f",)),
        ("SELECT * FROM call_sessions ORDER BY created_at DESC LIMIT 5", ()),
        ("SELECT id FROM call_sessions WHERE created_at < ? LIMIT 500", (1.0,)),
        ("SELECT * FROM call_results WHERE hook_status = ? AND hook_started_at < ? ORDER BY hook_started_at LIMIT 5",
         ("pending", 1.0)),
        ("SELECT * FROM call_results WHERE flow = ? ORDER BY received_at DESC", ("f",)),
        ("SELECT id FROM call_results WHERE received_at < ? LIMIT 500", (1.0,)),
        ("SELECT * FROM sms_messages WHERE flow = ? ORDER BY created_at DESC LIMIT 5", ("f",)),
        ("SELECT * FROM sms_messages WHERE status = ? ORDER BY created_at DESC LIMIT 5", ("queued",)),
        ("SELECT * FROM sms_messages WHERE provider_id = ?", ("p",)),
        ("SELECT call_session FROM sms_continuations WHERE created_at < ? LIMIT 500", (1.0,)),
    ]
    conn = store.connect()
    for sql, params in lookups:
        plan = [str(row[3]) for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
        # Every step reads an index (no full table scan, no sort of the whole table).
        assert all("USING" in step and "TEMP B-TREE" not in step for step in plan), f"{sql}: {plan}"


def test_postgresql_refuses_an_old_schema_until_upgraded(postgres, caplog, tmp_path) -> None:
    url = postgres.new_store_url()
    try:
        old = open_store(url)
        upgrade(old, to=1)
        with old.raw_transaction() as tx:
            tx.execute("INSERT INTO call_sessions (id, flow, phone_number, message_reference, call_id, call_parameters,"
                       " state, status, created_at, updated_at) VALUES ('s1', 'survey', '+1', 'm', 'c', '', '{}',"
                       " 'active', 1.0, 1.0)")
        old.close()
        store = open_store(url)
        with pytest.raises(SchemaOutdated, match="vxmlkit db upgrade"):
            SessionStore(store).get("s1")
        # An app started on it says so at start-up, and answers a result with 503 (not stored).
        with caplog.at_level(logging.ERROR, logger="vxmlkit"):
            app = create_app({"TESTING": True, "VXMLKIT_SECRET_KEY": "s", "VXMLKIT_DATABASE_URL": url,
                              "VXMLKIT_INSTANCE_PATH": str(tmp_path)})
        assert "vxmlkit refuses to serve" in caplog.text and "vxmlkit db upgrade" in caplog.text
        response = app.test_client().post("/vxml/survey/result", data={"message_reference": "m", "call_id": "c"})
        assert response.status_code == 503
        assert status(store).version == 1
        assert [m.version for m in upgrade(store)] == [m.version for m in MIGRATIONS[1:]]
        fresh = open_store(url)
        assert SessionStore(fresh).get("s1").flow == "survey"
        fresh.close()
        store.close()
    finally:
        postgres.drop(url)


def test_a_sqlite_write_waits_for_the_lock_then_gives_up_as_unavailable(tmp_path) -> None:
    path = tmp_path / "locked.sqlite3"
    store = open_store(f"sqlite:///{path}", timeout=0.3)
    sessions = SessionStore(store)
    session = sessions.new(flow="f", phone_number="+1", message_reference="m", call_id="c", call_parameters="")
    sessions.insert(session)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="locked"):
        sessions.save(session)
    assert time.monotonic() - started >= 0.3
    # Released while a (patient) writer waits: the writer goes through.
    patient = SessionStore(open_store(f"sqlite:///{path}", timeout=60))
    threading.Timer(0.05, lambda: holder.execute("COMMIT")).start()
    session.status = "ended"
    patient.save(session)
    assert patient.get(session.id).status == "ended"
    holder.close()


def test_an_unreadable_sqlite_file_is_unavailable(tmp_path) -> None:
    path = tmp_path / "garbage.sqlite3"
    path.write_bytes(b"this is not a database" * 300)
    with pytest.raises(StoreUnavailable):
        open_store(f"sqlite:///{path}").ping()


def test_postgresql_down_is_unavailable_and_the_pool_reconnects(pg_server, postgres) -> None:
    url = postgres.new_store_url()
    store = open_store(url, timeout=1.0)
    sessions = SessionStore(store)
    session = sessions.new(flow="f", phone_number="+1", message_reference="m", call_id="c", call_parameters="")
    sessions.insert(session)
    try:
        pg_server.stop()
        with pytest.raises(StoreUnavailable, match="does not answer"):
            sessions.get(session.id)
        with pytest.raises(StoreUnavailable):
            store.ping()
    finally:
        pg_server.start()
    # The pool drops the dead connections and opens new ones by itself.
    deadline = time.monotonic() + 20
    while True:
        try:
            assert sessions.get(session.id).id == session.id
            break
        except StoreUnavailable:
            assert time.monotonic() < deadline, "the pool did not reconnect"
            time.sleep(0.2)
    store.close()
    postgres.drop(url)


def test_urls(tmp_path) -> None:
    with pytest.raises(StoreError, match="unsupported database URL scheme 'mysql'"):
        open_store("mysql://u:secret@h/db")
    pg = open_store("postgresql://vxmlkit:s3cret@db.example.com/ivr")
    assert "s3cret" not in repr(pg) and "***" in repr(pg)
    assert open_store(str(tmp_path / "plain.sqlite3")).backend == "sqlite"


@pytest.mark.parametrize("required", ["", "1"])
def test_without_postgresql_its_tests_skip_unless_required(pytester, monkeypatch, required) -> None:
    from tests.hosts import ROOT

    monkeypatch.setenv("VXMLKIT_TEST_POSTGRES_BIN", str(pytester.path / "no-such-folder"))
    monkeypatch.delenv("VXMLKIT_TEST_DATABASE_URL", raising=False)
    monkeypatch.setenv("VXMLKIT_REQUIRE_POSTGRES", required)
    monkeypatch.chdir(ROOT)
    outcome = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-rs", f"{ROOT}/tests/store/test_store.py::test_sessions_round_trip")
    if required:
        outcome.assert_outcomes(passed=1, errors=1)
        outcome.stdout.fnmatch_lines(["*PostgreSQL is required (VXMLKIT_REQUIRE_POSTGRES)*no initdb in*"])
    else:
        outcome.assert_outcomes(passed=1, skipped=1)
        outcome.stdout.fnmatch_lines(["*no PostgreSQL server: no initdb in*"])


def test_the_schema_check_waits_for_no_writer(tmp_path) -> None:
    path = tmp_path / "busy.sqlite3"
    open_store(f"sqlite:///{path}").ping()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process is writing
    store = open_store(f"sqlite:///{path}", timeout=0.2)
    assert status(store).current
    assert SessionStore(store).get("none") is None  # first use: the check, then a read
    holder.execute("ROLLBACK")
    holder.close()
