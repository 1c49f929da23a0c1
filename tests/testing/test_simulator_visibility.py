"""The simulator shows every text message, failed ones too, and the call in the caller's order."""

from __future__ import annotations

import os
import pty
from collections.abc import Iterator
from contextlib import contextmanager
import subprocess
import sys
from pathlib import Path

import pytest

from tests.testing.test_simulate_cli import APP, REPO, _read_until
from vxmlkit import Flow, hangup, say, sms, step, transfer
from vxmlkit.app import create_app
from vxmlkit.sms import GatewayRejectedError, MemoryGateway
from vxmlkit.testing import Simulator


class Texter(Flow):
    name = "texter"

    @step(start=True)
    def start(self, call):
        return [say("Texting you now."), sms(to=call.phone_number, text="Your code is 42.", then=self.sent,
                                              on_error=self.not_sent)]

    @step
    def sent(self, call):
        return [say("Sent."), hangup()]

    @step
    def not_sent(self, call, sms_error=""):
        return [say("Not sent."), transfer("+16175550100", "Let me get you an agent.")]


@pytest.fixture
def app(tmp_path):
    return create_app({"TESTING": True, "VXMLKIT_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
                       "VXMLKIT_SECRET_KEY": "k"}, flows=[Texter])


def test_an_invalid_recipient_is_in_call_sms_and_the_transcript(app) -> None:
    call = Simulator(app).dial("texter", phone_number="12")
    call.hears("Not sent")
    [message] = call.sms
    assert (message.to, message.text, message.status) == ("12", "Your code is 42.", "failed")
    assert message.error.startswith("invalid recipient")
    assert f"sms: to 12: Your code is 42. (failed: {message.error})" in call.transcript.lines


def test_a_gateway_error_is_in_call_sms_and_the_transcript(app) -> None:
    gateway = MemoryGateway(fail_with=GatewayRejectedError(detail="the recipient has unsubscribed"))
    call = Simulator(app, sms_gateway=gateway).dial("texter", phone_number="+16175551234")
    [message] = call.sms
    assert (message.to, message.status) == ("+16175551234", "failed")
    assert message.error == "rejected by gateway: the recipient has unsubscribed"
    assert ("sms: to +16175551234: Your code is 42. (failed: rejected by gateway: the recipient has unsubscribed)"
            in call.transcript.lines)


def test_the_transcript_is_in_the_callers_order(app) -> None:
    call = Simulator(app).dial("texter", phone_number="12")
    lines = call.transcript.lines
    assert lines == [
        "fetched: POST /vxml/texter/start",
        "heard: Texting you now.",
        "fetched: POST /vxml/texter/sms/start",
        lines[3],
        "heard: Not sent.",
        "heard: Let me get you an agent.",
        "transfer: blind transfer to tel:+16175550100",
        lines[7],
    ]
    assert lines[3].startswith("sms: to 12:") and lines[7].startswith("ended: transfer")


@contextmanager
def phone(cwd: Path, *args: str) -> Iterator[int]:
    """``vxmlkit simulate`` on a real terminal: yields the terminal's leader end."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-c", "from vxmlkit.cli import main; main()", "simulate", "--app", APP, *args],
        stdin=follower, stdout=follower, stderr=follower, env={**os.environ, "PYTHONPATH": str(REPO)}, cwd=cwd,
    )
    os.close(follower)
    try:
        yield leader
        os.write(leader, b"q\n")
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(leader)


def test_the_interactive_phone_shows_texts_and_transfers(tmp_path) -> None:
    with phone(tmp_path, "desk", "--phone", "+16175551234") as leader:
        _read_until(leader, b"[menu")
        os.write(leader, b"1\n")
        _read_until(leader, b"four digit PIN")
        os.write(leader, b"1234\n")
        out = _read_until(leader, b"ended: disconnect")
        assert b"sms: to +16175551234: (private message, 18 characters) (queued)" in out
        assert out.index(b"Sending your code.") < out.index(b"sms: to") < out.index(b"Code sent.")
    assert os.listdir(tmp_path) == []
    with phone(tmp_path, "desk") as leader:
        _read_until(leader, b"[menu")
        os.write(leader, b"2\n")
        out = _read_until(leader, b"transfer: bridge transfer to tel:+16175550100")
        assert b"Connecting you to an agent." in out
