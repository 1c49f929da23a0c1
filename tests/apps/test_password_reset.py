"""The password reset example: identity check, the temporary password by SMS, retries, voicemail."""

from __future__ import annotations

import re
from typing import Any

import pytest

from apps import password_reset
from vxmlkit.testing import Call, Simulator, assert_transcript

ACCOUNT = "0088123456"
PASSWORD = "K7QM2XPT9R"


def dial(simulator: Simulator, **options: Any) -> Call:
    return simulator.dial("password-reset", phone_number="+16175550142",
                          call_parameters=f"account={ACCOUNT}", **options)


@pytest.fixture
def fixed_password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The identity provider stand-in issues a known password (keeps the golden transcript stable)."""
    monkeypatch.setattr(password_reset, "issue_temporary_password", lambda account: PASSWORD)
    return PASSWORD


def test_confirms_identity_and_texts_a_temporary_password(simulator: Simulator, fixed_password: str) -> None:
    call = dial(simulator)
    call.hears("Acme security team calling about your request for a new password")
    call.hears("To get a temporary password by text message, press 1.")
    call.press("1").hears("please enter the last four digits of your account number")
    call.press("3456")
    call.hears("We are texting your temporary password to this phone now.")
    call.hears("When you sign in with it, you will be asked to choose a new password.").hangs_up()

    assert call.state == {"identity_confirmed": True, "password_sent": True}
    [message] = call.sms
    assert message.to == "+16175550142"
    assert message.private is True
    assert message.status == "queued"
    assert message.text.startswith(f"Acme: your temporary password is {fixed_password}. It works once")
    assert_transcript(call, "tests/apps/golden/password_reset.txt")


def test_the_identity_digits_stay_out_of_state_and_transcript(simulator: Simulator) -> None:
    call = dial(simulator).press("1").press("3456").hangs_up()
    assert "3456" not in repr(call.state)
    assert not any("3456" in line for line in call.transcript.lines if line.startswith("pressed"))


def test_each_call_gets_a_new_unambiguous_password(simulator: Simulator) -> None:
    texts = [dial(simulator).press("1").press("3456").sms[0].text for _ in range(2)]
    passwords = [re.search(r"temporary password is (\w+)\.", text).group(1) for text in texts]
    assert passwords[0] != passwords[1]
    for password in passwords:
        assert re.fullmatch(r"[A-HJKMNP-Z2-9]{10}", password), password


def test_a_wrong_answer_asks_again(simulator: Simulator) -> None:
    call = dial(simulator).press("1")
    call.press("1111").hears("Those digits do not match our records.").hears("enter the last four digits")
    call.press("3456").hears("We are texting your temporary password").hangs_up()
    assert call.state["failed_identity_checks"] == 1
    assert len(call.sms) == 1


def test_two_wrong_answers_end_the_call_without_a_password(simulator: Simulator) -> None:
    call = dial(simulator).press("1").press("1111").press("2222")
    call.hears("we cannot reset your password over the phone").hangs_up()
    assert call.state == {"failed_identity_checks": 2, "identity_confirmed": False}
    assert call.sms == []


def test_a_request_the_caller_did_not_make_is_flagged(simulator: Simulator) -> None:
    call = dial(simulator).press("2")
    call.hears("Your password has not been changed, and our security team will review the request.").hangs_up()
    assert call.state == {"not_requested": True}
    assert call.sms == []


def test_saying_the_choice_works_too(simulator: Simulator) -> None:
    dial(simulator).say("not me").hears("our security team will review the request").hangs_up()


def test_menu_noinput_escalates_then_says_goodbye(simulator: Simulator) -> None:
    call = dial(simulator)
    call.silence().hears("Please press 1 to get a temporary password, or 2 if you did not ask for one.")
    call.hears("To get a temporary password by text message, press 1.")
    call.silence().hears("Press 1 or 2 now.").does_not_hear("if you did not ask for one")
    call.silence().hears("We could not get your answer, so your password has not been changed.").hangs_up()
    assert call.sms == []


def test_menu_nomatch_escalates_then_says_goodbye(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("5").hears("Sorry, that is not an option.")
    call.press("6").hears("Please press 1 or 2.").does_not_hear("Sorry, that is not an option")
    call.press("7").hears("We could not get your answer").hangs_up()


def test_identity_noinput_and_nomatch_escalate_then_say_goodbye(simulator: Simulator) -> None:
    call = dial(simulator).press("1")
    call.silence().hears("Please enter the last four digits of your account number on your keypad.")
    call.press("12").hears("Please enter exactly four digits.")
    call.silence().hears("We could not get your answer, so your password has not been changed.").hangs_up()
    assert call.sms == []
    assert "identity_confirmed" not in call.state


def test_identity_noinput_prompts_escalate_in_order(simulator: Simulator) -> None:
    call = dial(simulator).press("1")
    call.silence().hears("on your keypad")
    call.silence().hears("Enter the four digits now.").does_not_hear("on your keypad")
    call.silence().hears("We could not get your answer").hangs_up()


def test_answering_machine_hears_a_short_message(simulator: Simulator) -> None:
    call = dial(simulator, callee_type="answeringmachine")
    call.hears("Please request it again when you can take our call. Goodbye.").does_not_hear("press 1").hangs_up()
    assert call.sms == []
    assert call.state == {}


def test_password_is_not_changed_when_the_sms_fails(failing_sms: Simulator) -> None:
    call = dial(failing_sms).press("1").press("3456")
    call.hears("we could not send the text message, so your password has not been changed").hangs_up()
    [message] = call.sms
    assert message.status == "failed"
    assert message.error.startswith("gateway timeout")
    assert call.state == {"identity_confirmed": True, "password_sent": False, "sms_error": message.error}
    assert message.private is True
