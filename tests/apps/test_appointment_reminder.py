"""The appointment reminder example: confirm, cancel, or a bridged transfer to the front desk."""

from __future__ import annotations

from typing import Any

from vxmlkit.testing import Call, Simulator, assert_transcript

PARAMS = "when=2026-12-03T14:30&provider=Dr. Lee"
FRONT_DESK = "+16175550100"


def dial(simulator: Simulator, call_parameters: str = PARAMS, **options: Any) -> Call:
    return simulator.dial("appointment-reminder", phone_number="+16175550142", call_parameters=call_parameters,
                          **options)


def test_confirms_the_appointment(simulator: Simulator) -> None:
    call = dial(simulator)
    call.hears("Acme Health calling to remind you of an upcoming appointment")
    call.hears("You have an appointment with Dr. Lee on 2026-12-03 at 14:30")
    call.press("1").hears("Thank you, your appointment is confirmed.").hangs_up()
    assert call.state == {"appointment": "confirmed"}
    assert_transcript(call, "tests/apps/golden/appointment_reminder_confirm.txt")


def test_without_a_provider_the_reminder_names_only_the_time(simulator: Simulator) -> None:
    call = dial(simulator, "when=2026-12-03T09:05")
    call.hears("You have an appointment on 2026-12-03 at 09:05").does_not_hear("appointment with")


def test_cancels_the_appointment(simulator: Simulator) -> None:
    call = dial(simulator).say("cancel")
    call.hears("Your appointment has been cancelled.").hangs_up()
    assert call.state == {"appointment": "cancelled"}


def test_transfers_to_the_front_desk_and_comes_back(simulator: Simulator) -> None:
    call = dial(simulator).press("3")
    call.hears("Please hold while we connect you to our front desk.").transferred_to(FRONT_DESK)
    assert call.ended is None
    assert call.state == {"transfer": "requested"}
    call.transfer_ends("far_end_disconnect").hears("Thank you for calling Acme Health. Goodbye.").hangs_up()
    assert call.state == {"transfer": "far_end_disconnect"}
    assert_transcript(call, "tests/apps/golden/appointment_reminder_transfer.txt")


def test_transfers_to_the_front_desk_number_given(simulator: Simulator) -> None:
    call = dial(simulator, PARAMS + "&agent=%2B16175550123").press("3")
    call.transferred_to("+16175550123")
    call.transfer_ends().hangs_up()


def test_front_desk_busy_still_lets_the_caller_cancel(simulator: Simulator) -> None:
    call = dial(simulator).press("3").transfer_ends("busy")
    call.hears("All of our front desk staff are busy right now.").hears("cancel it by pressing 2")
    call.press("2").hears("Your appointment has been cancelled.").hangs_up()
    assert call.state == {"transfer": "busy", "appointment": "cancelled"}


def test_front_desk_not_answering_still_lets_the_caller_confirm(simulator: Simulator) -> None:
    call = dial(simulator).press("3").transfer_ends("noanswer")
    call.hears("Nobody at our front desk could take your call right now.").does_not_hear("busy")
    call.press("1").hears("your appointment is confirmed").hangs_up()
    assert call.state == {"transfer": "noanswer", "appointment": "confirmed"}


def test_after_a_busy_front_desk_silence_ends_the_call(simulator: Simulator) -> None:
    call = dial(simulator).press("3").transfer_ends("busy")
    call.silence().hears("Press 1 to confirm your appointment, or 2 to cancel it.")
    call.nomatch().hears("We did not get your answer. Your appointment is still booked.").hangs_up()
    assert call.state == {"transfer": "busy"}


def test_noinput_escalates_then_keeps_the_appointment(simulator: Simulator) -> None:
    call = dial(simulator)
    call.silence().hears("Please press 1 to confirm your appointment, 2 to cancel it, or 3 to speak with our front desk.")
    call.hears("You have an appointment with Dr. Lee")
    call.silence().hears("Press 1, 2 or 3 now.").does_not_hear("Please press 1 to confirm")
    call.silence().hears("We did not get your answer. Your appointment is still booked. Goodbye.").hangs_up()
    assert call.state == {}


def test_nomatch_escalates_then_keeps_the_appointment(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("4").hears("Sorry, that is not an option. Press 1 to confirm, 2 to cancel, or 3 for the front desk.")
    call.press("#").hears("Please press 1, 2 or 3.").does_not_hear("Sorry, that is not an option")
    call.press("0").hears("We did not get your answer.").hangs_up()


def test_answering_machine_hears_when_but_not_with_whom(simulator: Simulator) -> None:
    call = dial(simulator, callee_type="answeringmachine")
    call.hears("a reminder of your appointment on 2026-12-03 at 14:30").hears("To change it, please call us.")
    call.does_not_hear("Dr. Lee").does_not_hear("press 1").hangs_up()
    assert call.state == {}
