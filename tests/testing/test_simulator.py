"""The simulator API against a flow served in-process."""

from __future__ import annotations

import re

import pytest

from vxmlkit.sms import GatewayTimeoutError, MemoryGateway
from vxmlkit.testing import Simulator


def test_menu_hears_press_and_sms(simulator):
    call = simulator.dial("desk", phone_number="(617) 555-1234")
    call.hears("welcome to the DESK").hears(re.compile(r"Press \d for a code"))
    call.press("1").hears("four digit PIN").press("1234")
    call.hears("Sending your code").hears("Code sent").hangs_up()
    assert call.ended == "disconnect"
    assert [(m.to, m.text, m.status, m.private) for m in call.sms] == [
        ("+16175551234", "Your code is 4321.", "queued", True)]
    assert call.state == {"pin_checked": True}


def test_hears_failure_shows_what_was_heard(simulator):
    call = simulator.dial("desk")
    with pytest.raises(AssertionError) as info:
        call.hears("goodbye")
    message = str(info.value)
    assert "did not hear 'goodbye'" in message and "Welcome to the desk" in message
    assert "waiting for input (menu" in message


def test_noinput_and_nomatch_escalate_to_the_failure_step(simulator):
    call = simulator.dial("desk")
    call.silence().hears("Are you there?")
    call.nomatch().hears("That is not an option.")
    call.silence().hears("Goodbye.").hangs_up()
    assert call.does_not_hear("Are you there")


def test_a_step_that_raises_shows_its_traceback(simulator):
    call = simulator.dial("desk").press("4")
    call.hears("something went wrong")
    assert "ZeroDivisionError: the desk fell over" in call.failure
    with pytest.raises(AssertionError) as info:
        call.hangs_up()
    assert "because a step desk.broken raised ZeroDivisionError: the desk fell over" in str(info.value)
    with pytest.raises(AssertionError) as info:
        call.hears("message saved")
    assert "ZeroDivisionError" in str(info.value)


def test_bridged_transfer_and_its_branches(simulator):
    call = simulator.dial("desk").press("2").hears("Connecting you")
    call.transfer_ends("far_end_disconnect").hears("Thanks for talking").hangs_up()
    assert call.state == {"transfer": "far_end_disconnect"}
    busy = simulator.dial("desk").press("2").transfer_ends("busy")
    busy.hears("All agents are busy")


def test_recording_and_exit_value(simulator):
    call = simulator.dial("desk").press("3").hears("after the beep").record(1.5)
    call.hears("Message saved").hangs_up()
    assert call.ended == "exit"
    assert call.exit_value["namelist"] == {"outcome": "saved"}
    assert call.state["note_bytes"] > 1000


def test_cannot_act_after_the_end(simulator):
    call = simulator.dial("desk").press("2").transfer_ends("busy")
    with pytest.raises(AssertionError, match="the call has ended"):
        call.press("1")
    call.hang_up()  # hanging up an ended call is harmless


def test_caller_hangs_up(simulator):
    call = simulator.dial("desk").hang_up()
    assert call.ended == "hangup"
    with pytest.raises(AssertionError, match="expected the app to end the call"):
        call.hangs_up()


def test_wrong_input_kind_is_a_clear_assertion(simulator):
    call = simulator.dial("desk")
    with pytest.raises(AssertionError, match="cannot record"):
        call.record(2)


def test_documents_and_transcript(simulator):
    call = simulator.dial("desk").press("1").press("1234")
    assert [d.url.split("?")[0].split("/vxml/")[1] for d in call.documents] == [
        "desk/start", "desk/step/code", "desk/step/send_code", "desk/sms/send_code"]
    assert all("<vxml" in d.text for d in call.documents)
    text = str(call.transcript)
    assert "fetched: POST /vxml/desk/start" in text and "pressed: 1\n" in text
    # The PIN field is private (logging off): the transcript keeps its length, not its keys.
    assert "pressed: (private input, 4 characters)" in text and "1234" not in text
    assert "sms: to +15555550100: (private message, 18 characters) (queued)" in text and "4321" not in text
    assert "?t=" not in text


def test_failing_gateway_takes_the_error_branch(vxml_app):
    simulator = Simulator(vxml_app, sms_gateway=MemoryGateway(fail_with=GatewayTimeoutError(detail="slow")))
    call = simulator.dial("desk").press("1").press("1234")
    call.hears("could not send the code").hangs_up()
    assert call.sms[0].status == "failed" and call.state["sms_error"]


def test_dial_options_are_checked(simulator):
    with pytest.raises(LookupError, match="no flow 'nope'"):
        simulator.dial("nope")
    with pytest.raises(ValueError, match="callee_type"):
        simulator.dial("desk", callee_type="robot")


def test_transferred_to(simulator):
    from tests.testing.flows import Desk  # noqa: F401 - the flow under test

    call = simulator.dial("desk").press("2")
    call.transferred_to("+16175550100").transferred_to("tel:+16175550100")
    with pytest.raises(AssertionError, match="expected a transfer to"):
        call.transferred_to("+16175550199")
    assert simulator.dial("desk").session.transferred_to is None
