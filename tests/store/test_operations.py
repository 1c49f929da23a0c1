"""Operations on the store: ``vxmlkit db status/upgrade``, retention (``vxmlkit purge``) and
SQLite's bounded WAL."""

from __future__ import annotations

import sqlite3
import time

import pytest
from click.testing import CliRunner

from tests.store.test_store import _old_database
from vxmlkit.cli import cli
from vxmlkit.store import open_store
from vxmlkit.store.cli import parse_age
from vxmlkit.store.retention import purge
from vxmlkit.store.schema import LATEST
from vxmlkit.store.sqlite import checkpoint

DAY = 86400.0


def test_db_status_and_upgrade_of_an_old_sqlite_file(tmp_path) -> None:
    path = tmp_path / "old.sqlite3"
    _old_database(path, rows=3)
    url = f"sqlite:///{path}"
    runner = CliRunner()
    before = runner.invoke(cli, ["db", "status", "--database-url", url])
    assert before.exit_code == 1, before.output
    assert "tables without a version" in before.output and "pending  2" in before.output
    assert "vxmlkit db upgrade" in before.output
    done = runner.invoke(cli, ["db", "upgrade", "--database-url", url])
    assert done.exit_code == 0, done.output
    assert "applied 1:" in done.output and f"applied {LATEST}:" in done.output
    after = runner.invoke(cli, ["db", "status", "--database-url", url])
    assert after.exit_code == 0 and "up to date" in after.output and "applied  2" in after.output
    assert sqlite3.connect(path).execute("SELECT COUNT(*) FROM call_sessions").fetchone()[0] == 3


def test_db_commands_on_an_empty_database_and_without_the_password_in_the_output(store_url) -> None:
    runner = CliRunner()
    before = runner.invoke(cli, ["db", "status", "--database-url", store_url])
    assert before.exit_code == 1 and "version 0" in before.output
    assert runner.invoke(cli, ["db", "upgrade", "--database-url", store_url]).exit_code == 0
    again = runner.invoke(cli, ["db", "upgrade", "--database-url", store_url])
    assert again.exit_code == 0 and "applied" not in again.output
    assert runner.invoke(cli, ["db", "status", "--database-url", store_url]).exit_code == 0
    down = runner.invoke(cli, ["db", "status", "--database-url", "postgresql://u:pw-s3cret@127.0.0.1:1/none"])
    assert down.exit_code == 1 and "does not answer" in down.output and "pw-s3cret" not in down.output


def _rows(store, created_at: float, tag: str) -> None:
    store.write("INSERT INTO call_sessions (id, flow, phone_number, message_reference, call_id, call_parameters,"
                " state, status, created_at, updated_at) VALUES (?, 'f', '+1', 'm', 'c', '', '{}', 'ended', ?, ?)",
                (tag, created_at, created_at))
    store.write("INSERT INTO call_results (flow, phone_number, message_reference, call_id, result, callee_type, raw,"
                " received_at, hook_started_at) VALUES ('f', '+1', ?, 'c', 'completed', 'voice', '{}', ?, ?)",
                (tag, created_at, created_at))
    store.write("INSERT INTO sms_messages (id, created_at, updated_at, recipient, segments, encoding, status, gateway)"
                " VALUES (?, ?, ?, '+1', 1, 'GSM-7', 'queued', 'outbox')", (tag, created_at, created_at))
    store.write("INSERT INTO sms_continuations (call_session, step, attempt, document, created_at)"
                " VALUES (?, 's', 1, NULL, ?)", (tag, created_at))
    store.write("INSERT INTO queued_calls (id, campaign, flow, phone_digits, message_reference, call_parameters, status,"
                " expires_at, created_at, updated_at) VALUES (?, NULL, 'f', '1', '', '', 'queued', ?, ?, ?)",
                (tag, created_at, created_at, created_at))


def test_purge_deletes_only_what_is_older_in_batches(store_url) -> None:
    store = open_store(store_url)
    now = time.time()
    for n in range(7):
        _rows(store, now - 40 * DAY - n, f"old{n}")
    for n in range(2):
        _rows(store, now - 10 * DAY - n, f"new{n}")
    dry = purge(store, older_than=30 * DAY, dry_run=True)
    assert dry.counts == {"call_sessions": 7, "call_results": 7, "sms_messages": 7, "sms_continuations": 7,
                          "queued_calls": 7}
    assert store.query_one("SELECT COUNT(*) AS n FROM call_sessions")["n"] == 9
    report = purge(store, older_than=30 * DAY, batch_size=3)
    assert report.total == 35
    for table, column in (("call_sessions", "id"), ("call_results", "message_reference"), ("sms_messages", "id"),
                          ("sms_continuations", "call_session"), ("queued_calls", "id")):
        left = sorted(row[column] for row in store.query(f"SELECT {column} FROM {table}"))
        assert left == ["new0", "new1"], table
    store.close()


def test_purge_command_counts_and_defaults_to_the_retention_setting(store_url, monkeypatch) -> None:
    store = open_store(store_url)
    now = time.time()
    _rows(store, now - 40 * DAY, "old")
    _rows(store, now - 5 * DAY, "mid")
    runner = CliRunner()
    dry = runner.invoke(cli, ["purge", "--dry-run", "--database-url", store_url])
    assert dry.exit_code == 0 and "would delete 5 row(s)" in dry.output
    monkeypatch.setenv("VXMLKIT_RETENTION_DAYS", "3")
    done = runner.invoke(cli, ["purge", "--database-url", store_url])
    assert done.exit_code == 0 and "call_sessions: deleted 2" in done.output and "deleted 10 row(s)" in done.output
    assert store.query_one("SELECT COUNT(*) AS n FROM call_sessions")["n"] == 0
    bad = runner.invoke(cli, ["purge", "--older-than", "soon", "--database-url", store_url])
    assert bad.exit_code == 2 and "not an age" in bad.output
    store.close()


def test_parse_age() -> None:
    assert parse_age("30d") == 30 * DAY and parse_age("12h") == 12 * 3600 and parse_age("90m") == 5400
    assert parse_age("7") == 7 * DAY and parse_age("45s") == 45
    with pytest.raises(ValueError):
        parse_age("-1d")


def test_the_wal_is_truncated_when_past_its_bound_once_readers_move_on(tmp_path) -> None:
    path = tmp_path / "wal.sqlite3"
    limit = 256 * 1024
    store = open_store(f"sqlite:///{path}")  # its own checkpointer stays below its 64 MiB bound
    store.ping()
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM call_sessions").fetchone()  # holds an old snapshot
    for n in range(400):
        store.write("INSERT INTO sms_continuations (call_session, step, attempt, document, created_at)"
                    " VALUES (?, 's', 1, ?, 0)", (f"c{n}", "x" * 2000))
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > limit
    conn = sqlite3.connect(path, timeout=0.05, isolation_level=None)
    # A passive checkpoint alone leaves the file as large; the truncating one waits for the reader.
    assert checkpoint(conn, str(path), limit) == "busy"
    assert wal.stat().st_size > limit
    reader.execute("COMMIT")
    assert checkpoint(conn, str(path), limit) == "truncated"
    assert wal.stat().st_size == 0
    assert checkpoint(conn, str(path), limit) == "passive"
    assert store.query_one("SELECT COUNT(*) AS n FROM sms_continuations")["n"] == 400
    reader.close()
    conn.close()
