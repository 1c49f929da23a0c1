"""The payment reminder example: paying by card, the SMS receipt, retries and voicemail."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.payment_reminder import receipt_number
from vxmlkit.testing import Call, Simulator, assert_transcript

PARAMS = "amount=42.10&account=A-1&due=2026-12-01"
CARD = "4111111111111111"


def dial(simulator: Simulator, **options: Any) -> Call:
    options.setdefault("call_parameters", PARAMS)
    return simulator.dial("payment-reminder", phone_number="+16175550142", message_reference="reminder-0001", **options)


def test_pays_by_card_and_gets_a_receipt_by_sms(simulator: Simulator) -> None:
    call = dial(simulator)
    call.hears("important message about your account").hears("Your balance of $42.10 is due on 2026-12-01")
    call.press("1").hears("enter your card number")
    call.press(CARD + "#")
    call.hears("Your payment of $42.10 has been accepted")
    receipt = receipt_number("A-1", Decimal("42.10"), "reminder-0001")
    call.hears(f"Your receipt number is {receipt}").hears("sent the receipt to your phone by text message")
    call.hangs_up()

    assert call.state == {"paid": "42.10", "card_last4": "1111", "receipt": receipt}
    [message] = call.sms
    assert message.to == "+16175550142"
    assert message.status == "queued"
    assert message.text == (
        f"Acme Utilities: payment of $42.10 received for account A-1 (card ending 1111). Receipt {receipt}. Thank you."
    )
    assert CARD not in message.text
    assert_transcript(call, "tests/apps/golden/payment_reminder_pay.txt")


def test_balance_without_a_due_date_is_due_now(simulator: Simulator) -> None:
    call = dial(simulator, call_parameters="amount=7&account=A-2")
    call.hears("Your balance of $7.00 is due now.")


def test_two_repeats_the_balance(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("2").hears("Your balance of $42.10 is due on 2026-12-01").hears("Press 1 to pay now")
    call.press("1").hears("enter your card number")


def test_menu_nomatch_escalates_then_says_goodbye(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("7").hears("Please press 1 to pay, or 2 to hear the balance again.").hears("Press 1 to pay now")
    call.press("9").hears("Press 1 or 2.").does_not_hear("to hear the balance again")
    call.press("8").hears("We could not take your payment today").hangs_up()
    assert call.sms == []
    assert call.state == {}


def test_menu_silence_gets_the_default_prompt_and_counts_as_a_try(simulator: Simulator) -> None:
    call = dial(simulator)
    call.silence().hears("Sorry, I did not hear you.").hears("Press 1 to pay now")
    # Each event keeps its own count (the first nomatch gets the first nomatch prompt), but
    # silences and nomatches together use up the tries.
    call.nomatch().hears("Please press 1 to pay, or 2 to hear the balance again.")
    call.silence().hears("We could not take your payment today").hangs_up()


def test_card_noinput_escalates_then_says_goodbye(simulator: Simulator) -> None:
    call = dial(simulator).press("1")
    call.silence().hears("Please enter the card number on the front of your card.")
    call.silence().hears("Enter your card number now.").does_not_hear("on the front of your card")
    call.silence().hears("We could not take your payment today").hangs_up()
    assert "paid" not in call.state


def test_card_number_of_the_wrong_length_is_a_nomatch(simulator: Simulator) -> None:
    call = dial(simulator).press("1")
    call.press("1234#").hears("That number is not valid. Please enter 15 or 16 digits.")
    call.nomatch().hears("That number is not valid. Please enter 15 or 16 digits.")
    call.nomatch().hears("We could not take your payment today").hangs_up()


def test_answering_machine_hears_a_short_message(simulator: Simulator) -> None:
    call = dial(simulator, callee_type="answeringmachine")
    call.hears("important message about your account")
    call.hears("Your balance of $42.10 is due. Please call us back at your convenience. Goodbye.")
    call.does_not_hear("Press 1").hangs_up()
    assert call.sms == []


def test_payment_stands_when_the_receipt_sms_fails(failing_sms: Simulator) -> None:
    call = dial(failing_sms).press("1").press(CARD + "#")
    call.hears("Your payment of $42.10 has been accepted")
    call.hears("We could not text you the receipt, but your payment is complete.").hangs_up()
    assert call.state["paid"] == "42.10"
    [message] = call.sms
    assert message.status == "failed"
    assert message.error.startswith("gateway timeout")
    assert call.state["receipt_error"] == message.error


def test_receipt_writes_the_amount_with_cents(simulator: Simulator) -> None:
    call = dial(simulator, call_parameters="amount=42.1&account=A-1").press("1").press(CARD + "#")
    call.hears("Your payment of $42.10 has been accepted")
    [message] = call.sms
    assert message.text.startswith("Acme Utilities: payment of $42.10 received for account A-1")
