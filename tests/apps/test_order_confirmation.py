"""The order confirmation example: confirm, cancel or repeat, the payment details by SMS."""

from __future__ import annotations

from typing import Any

from vxmlkit.testing import Call, Simulator, assert_transcript

PARAMS = "order=A1234&total=129.90&items=3&pay_by=2026-12-01"


def dial(simulator: Simulator, call_parameters: str = PARAMS, **options: Any) -> Call:
    return simulator.dial("order-confirmation", phone_number="+16175550142", call_parameters=call_parameters,
                          **options)


def test_confirms_the_order_and_texts_the_payment_details(simulator: Simulator) -> None:
    call = dial(simulator)
    call.hears("Acme Store calling about the order you placed").hears("Your order A1234 for 3 items comes to $129.90")
    call.press("1").hears("Thank you, your order is confirmed.").hears("The payment details are on their way")
    call.hangs_up()

    assert call.state == {"order_status": "confirmed", "payment_details": "sent"}
    [message] = call.sms
    assert message.to == "+16175550142"
    assert message.private is False
    assert message.text == (
        "Acme Store: order A1234 is confirmed. Please pay $129.90 by 2026-12-01 at "
        "https://pay.acme.example/orders/A1234 or by bank transfer to account 0123 4567 89, reference A1234."
    )
    assert_transcript(call, "tests/apps/golden/order_confirmation.txt")


def test_one_item_and_no_payment_date(simulator: Simulator) -> None:
    call = dial(simulator, "order=B-77&total=5&items=1")
    call.hears("Your order B-77 for 1 item comes to $5.00")
    [message] = call.press("1").hangs_up().sms
    assert "Please pay $5.00 at https://pay.acme.example/orders/B-77 or" in message.text


def test_the_payment_link_encodes_the_order_number(simulator: Simulator) -> None:
    [message] = dial(simulator, "order=AB 12&total=10&items=2").press("1").sms
    assert "https://pay.acme.example/orders/AB%2012 or" in message.text


def test_three_repeats_the_order(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("3").hears("Your order A1234 for 3 items comes to $129.90").hears("To hear it again, press 3.")
    call.say("confirm").hears("your order is confirmed").hangs_up()


def test_cancels_after_asking_once_more(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("2").hears("Are you sure you want to cancel order A1234").hears("Press 1 to cancel it, or 2 to keep it.")
    call.press("1").hears("Your order A1234 has been cancelled and you will not be charged.").hangs_up()
    assert call.state == {"order_status": "cancelled"}
    assert call.sms == []


def test_keeping_the_order_goes_back_to_it(simulator: Simulator) -> None:
    call = dial(simulator).press("2").press("2")
    call.hears("Your order A1234 for 3 items comes to $129.90")
    call.press("1").hears("your order is confirmed").hangs_up()
    assert call.state["order_status"] == "confirmed"


def test_noinput_escalates_then_keeps_the_order_on_hold(simulator: Simulator) -> None:
    call = dial(simulator)
    call.silence().hears("Please press 1 to confirm your order, 2 to cancel it, or 3 to hear it again.")
    call.hears("To confirm the order, press 1.")
    call.silence().hears("Press 1, 2 or 3 now.").does_not_hear("Please press 1 to confirm your order")
    call.silence().hears("We could not get your answer, so your order stays on hold.").hangs_up()
    assert call.state == {"order_status": "unconfirmed"}
    assert call.sms == []


def test_nomatch_escalates_then_keeps_the_order_on_hold(simulator: Simulator) -> None:
    call = dial(simulator)
    call.press("9").hears("Sorry, that is not an option. Press 1 to confirm, 2 to cancel, or 3 to hear the order again.")
    call.press("0").hears("Please press 1, 2 or 3.").does_not_hear("Sorry, that is not an option")
    call.nomatch().hears("We could not get your answer, so your order stays on hold.").hangs_up()
    assert call.state == {"order_status": "unconfirmed"}


def test_answering_machine_hears_a_short_message(simulator: Simulator) -> None:
    call = dial(simulator, callee_type="answeringmachine")
    call.hears("We called to confirm the order you placed with us.").hears("It is on hold until you confirm it")
    call.does_not_hear("press 1").hangs_up()
    assert call.state == {}
    assert call.sms == []


def test_order_stays_confirmed_when_the_sms_fails(failing_sms: Simulator) -> None:
    call = dial(failing_sms).press("1")
    call.hears("Sorry, we could not text you the payment details. Your order is still confirmed").hangs_up()
    [message] = call.sms
    assert message.status == "failed"
    assert message.error.startswith("gateway timeout")
    assert call.state == {"order_status": "confirmed", "payment_details": "failed", "sms_error": message.error}
