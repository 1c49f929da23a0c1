"""``vxmlkit simulate``: scripted, JSON, and as an interactive phone on a real terminal."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from vxmlkit.cli import cli
from vxmlkit.testing.cli import interpret_key_line

REPO = Path(__file__).resolve().parents[2]
APP = "tests.testing.flows:create_test_app"


def run(*args, **kwargs):
    return CliRunner().invoke(cli, ["simulate", "--app", APP, *args], catch_exceptions=False, **kwargs)


def test_scripted_call_prints_the_transcript(tmp_path, monkeypatch):
    monkeypatch.setenv("VXMLKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    result = run("desk", "--phone", "+16175551234", "--input", "dtmf:1", "--input", "dtmf:1234")
    assert result.exit_code == 0, result.output
    assert "heard: Welcome to the desk." in result.output
    assert "sms: to +16175551234: (private message, 18 characters) (queued)" in result.output
    assert result.output.rstrip().endswith("ended: disconnect")


def test_json_shape_matches_vxmlkit_run(tmp_path, monkeypatch):
    monkeypatch.setenv("VXMLKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    result = run("desk", "--input", "noinput", "--input", "dtmf:9", "--json")
    data = json.loads(result.output)
    assert set(data) == {"prompts", "transcript", "ended", "exit", "error"}
    menu_prompt = data["prompts"][0]
    assert data["prompts"][1:] == ["Are you there?", menu_prompt, "That is not an option.", menu_prompt]
    assert data["ended"] == "hangup"


def test_bad_input_is_a_usage_error(tmp_path, monkeypatch):
    monkeypatch.setenv("VXMLKIT_DATABASE_URL", f"sqlite:///{tmp_path / 'd.db'}")
    assert run("desk", "--input", "dtmf:x").exit_code == 2
    assert run("nope").exit_code == 2
    assert run("desk", "--param", "novalue").exit_code == 2


def test_key_lines():
    assert interpret_key_line("12#") == ("press", "12#")
    assert interpret_key_line(" s ") == ("silence", "")
    assert interpret_key_line(":yes please") == ("say", "yes please")
    assert interpret_key_line("q") == ("hangup", "")
    assert interpret_key_line("?") == ("nomatch", "")
    assert interpret_key_line("hello")[0] == "invalid"


def _read_until(fd: int, wanted: bytes, timeout: float = 30.0) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while wanted not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    assert wanted in seen, seen.decode(errors="replace")
    return seen


def test_interactive_phone_on_a_terminal(tmp_path):
    leader, follower = pty.openpty()
    env = {**os.environ, "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'd.db'}", "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from vxmlkit.cli import main; main()", "simulate", "--app", APP, "desk"],
        stdin=follower, stdout=follower, stderr=follower, env=env, cwd=tmp_path,
    )
    os.close(follower)
    try:
        _read_until(leader, b"[menu")
        os.write(leader, b"s\n")
        _read_until(leader, b"Are you there?")
        os.write(leader, b"1\n")
        _read_until(leader, b"four digit PIN")
        os.write(leader, b"1234\n")
        out = _read_until(leader, b"ended: disconnect")
        assert b"Code sent." in out
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)
