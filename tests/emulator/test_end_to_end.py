"""A whole campaign on one machine: ``vxmlkit emulate`` dials the example app served by
gunicorn with its SQLite store; the campaign is queued with ``vxmlkit campaign`` and the
results read with ``vxmlkit results``, as a user would."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from vxmlkit.emulator import Settings, client_settings

from .conftest import wait_until

LOGIN, PIN = "e2e-login", "55443322"
PAY = '["dtmf:1", "dtmf:4111111111111111#"]'
RULES = f"""
rules:
  - {{pattern: "16175550101", answer: voice, inputs: {PAY}}}
  - {{pattern: "16175550102", answer: voice, inputs: {PAY}, sms: undelivered}}
  - {{pattern: "16175550200", answer: [busy, busy, voice], inputs: {PAY}}}
  - {{pattern: "16175550300", answer: answeringmachine}}
  - {{pattern: "16175550400", answer: noanswer}}
  - {{pattern: "16175550500", answer: fax}}
  - {{pattern: "16175550600", answer: voice, inputs: {PAY}, hangup_after: 5}}
  - {{pattern: "16175550700", answer: operator}}
"""
# number -> (result, callee_type, attempts, receipt texted)
EXPECTED = {
    "16175550101": ("completed", "voice", 1, "delivered"),
    "16175550102": ("completed", "voice", 1, "undelivered"),
    "16175550200": ("completed", "voice", 3, "delivered"),
    "16175550300": ("completed", "answeringmachine", 1, None),
    "16175550400": ("failed", "noanswer", 3, None),
    "16175550500": ("failed", "fax", 3, None),
    "16175550600": ("completed", "voice", 1, None),
    "16175550700": ("failed", "operator", 3, None),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _vxmlkit() -> list[str]:
    script = Path(sys.executable).parent / "vxmlkit"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from vxmlkit.cli import main; main()"]


@pytest.fixture
def platform_and_app(tmp_path) -> Iterator[tuple[str, dict[str, str], Path]]:
    emulator_port, app_port = _free_port(), _free_port()
    emulator_url, app_url = f"http://127.0.0.1:{emulator_port}", f"http://127.0.0.1:{app_port}"
    (tmp_path / "callees.yaml").write_text(RULES)
    database = tmp_path / "app.sqlite3"
    env = {
        **os.environ,
        "VXMLKIT_SECRET_KEY": "end-to-end-secret-key",
        "VXMLKIT_DATABASE_URL": f"sqlite:///{database}",
        "VXMLKIT_PUBLIC_URL": app_url,
        "VXMLKIT_INSTANCE_PATH": str(tmp_path / "instance"),
        **client_settings(emulator_url, Settings(login=LOGIN, pin=PIN)),
        "VXMLKIT_SMS_SENDER": "+16175550000",
        "PYTHONUNBUFFERED": "1",
    }
    logs = {name: open(tmp_path / f"{name}.log", "w") for name in ("emulator", "gunicorn")}
    emulator = subprocess.Popen(
        [*_vxmlkit(), "emulate", "--port", str(emulator_port), "--speed", "3600", "--callees",
         str(tmp_path / "callees.yaml"), "--seed", "1", "--login", LOGIN, "--pin", PIN],
        env=env, stdout=logs["emulator"], stderr=subprocess.STDOUT)
    app = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{app_port}",
         "vxmlkit.app:create_app()"], env=env, cwd=Path(__file__).parents[2], stdout=logs["gunicorn"],
        stderr=subprocess.STDOUT)
    try:
        assert wait_until(lambda: _answers(emulator_url + "/") and _answers(app_url + "/vxml/payment-reminder/start"),
                          timeout=30), (tmp_path / "emulator.log").read_text() + (tmp_path / "gunicorn.log").read_text()
        yield emulator_url, env, tmp_path
    finally:
        for process in (emulator, app):
            process.terminate()
        for process in (emulator, app):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs.values():
            log.close()


def _snapshot(emulator_url: str) -> dict:
    with urllib.request.urlopen(emulator_url + "/?format=json", timeout=5) as answer:
        return json.load(answer)


def test_a_campaign_runs_end_to_end_against_gunicorn_and_sqlite(platform_and_app) -> None:
    emulator_url, env, tmp_path = platform_and_app
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("".join(f"{number},ref-{number[-3:]},amount=42.10&account=A-{number[-3:]}\n"
                               for number in EXPECTED))
    queued = subprocess.run([*_vxmlkit(), "campaign", "payment-reminder", str(numbers), "--name", "e2e",
                             "--retries", "2", "--retry-interval", "600"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert queued.returncode == 0, queued.stderr
    assert "Queued campaign 'e2e'" in queued.stdout and "with 8 call(s)" in queued.stdout

    def finished() -> bool:
        data = _snapshot(emulator_url)
        texted = sum(1 for expected in EXPECTED.values() if expected[3])
        return (len(data["calls"]) == len(EXPECTED)
                and all(call["result_post"] == "delivered" for call in data["calls"])
                and len(data["sms"]) == texted
                and all(len(message["reports"]) == (1 if message["status"] == "failed" else 2) for message in data["sms"]))

    assert wait_until(finished, timeout=120), json.dumps(_snapshot(emulator_url), indent=1)[:4000]
    data = _snapshot(emulator_url)
    calls = {call["phone_number"]: call for call in data["calls"]}
    for number, (result, callee_type, attempts, _) in EXPECTED.items():
        call = calls[number]
        assert (call["result"], call["callee_type"], call["attempts"]) == (result, callee_type, attempts), number
        assert len(call["history"]) == attempts

    # the emulator said how to reach it, without the PIN, and logged one line per attempt
    log = (tmp_path / "emulator.log").read_text()
    assert f"export VXMLKIT_PLUM_OUTBOUND_URL={emulator_url}" in log and PIN not in log
    placed = [line for line in log.splitlines() if "emulator: call " in line]
    assert len(placed) == sum(expected[2] for expected in EXPECTED.values())

    # every result stored exactly once, as the rules say, listed by `vxmlkit results`
    listed = subprocess.run([*_vxmlkit(), "results", "--csv"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    rows = list(csv.DictReader(io.StringIO(listed.stdout)))
    assert sorted(row["phone_number"] for row in rows) == sorted(EXPECTED)
    for row in rows:
        result, callee_type, attempts, _ = EXPECTED[row["phone_number"]]
        assert (row["result"], row["callee_type"], row["attempts"]) == (result, callee_type, str(attempts))
        assert row["message_reference"] == f"ref-{row['phone_number'][-3:]}" and row["flow"] == "payment-reminder"

    # every receipt texted got its delivery report, as the callee rules say
    with sqlite3.connect(tmp_path / "app.sqlite3") as db:
        texted = dict(db.execute("SELECT recipient, status FROM sms_messages").fetchall())
    assert texted == {f"+{number}": expected[3] for number, expected in EXPECTED.items() if expected[3]}
