"""Order confirmation: calls a customer to confirm an order before it ships and texts the
payment details.

Call parameters: ``order`` (the order number), ``total`` (the amount to pay, such as
``129.90``), ``items`` (how many items) and optionally ``pay_by`` (an ISO date).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from vxmlkit import CallParams, Flow, Money, answering_machine, hangup, menu, say, sms, spell, step, template

from .payment_reminder import cents


class OrderConfirmation(Flow):
    """Asks the customer to confirm or cancel an order, then texts how to pay for it."""

    name = "order-confirmation"

    class Params(CallParams):
        order: str
        total: Decimal
        items: int
        pay_by: dt.date | None = None

    @step(start=True)
    def opening(self, call):
        return answering_machine(
            "Hello, this is Acme Store calling about the order you placed with us.",
            voice=self.review,
            machine=self.voicemail,
        )

    @step
    def review(self, call):
        p = call.params
        items = ["1 item"] if p.items == 1 else [p.items, "items"]
        return menu(
            say("Your order", spell(p.order), "for", *items, "comes to", Money(p.total), "."),
            "To confirm the order, press 1. To cancel it, press 2. To hear it again, press 3.",
            choices={("1", "confirm"): self.confirm, ("2", "cancel"): self.cancel, ("3", "repeat"): self.review},
            noinput=["Please press 1 to confirm your order, 2 to cancel it, or 3 to hear it again.",
                     "Press 1, 2 or 3 now."],
            nomatch=["Sorry, that is not an option. Press 1 to confirm, 2 to cancel, or 3 to hear the order again.",
                     "Please press 1, 2 or 3."],
            tries=3,
            on_failure=self.unconfirmed,
        )

    @step
    def confirm(self, call):
        p = call.params
        call.state["order_status"] = "confirmed"
        return [
            say("Thank you, your order is confirmed. We are texting you the payment details now."),
            sms(
                to=call.phone_number,
                text=template("sms/order_payment_details.txt", order=p.order, total=cents(p.total),
                              pay_by=p.pay_by),
                then=self.details_sent,
                on_error=self.details_not_sent,
            ),
        ]

    @step
    def details_sent(self, call):
        call.state["payment_details"] = "sent"
        return [say("The payment details are on their way to your phone. Thank you for shopping with Acme Store. Goodbye."),
                hangup()]

    @step
    def details_not_sent(self, call, sms_error=""):
        call.state["payment_details"] = "failed"
        call.state["sms_error"] = sms_error
        return [
            say("Sorry, we could not text you the payment details. Your order is still confirmed, and the",
                "details are in your order confirmation email. Goodbye."),
            hangup(),
        ]

    @step
    def cancel(self, call):
        return menu(
            say("Are you sure you want to cancel order", spell(call.params.order), "?"),
            "Press 1 to cancel it, or 2 to keep it.",
            choices={("1", "cancel it"): self.cancelled, ("2", "keep it"): self.review},
            noinput=["Press 1 to cancel the order, or 2 to keep it."],
            nomatch=["Please press 1 to cancel the order, or 2 to keep it."],
            tries=3,
            on_failure=self.unconfirmed,
        )

    @step
    def cancelled(self, call):
        call.state["order_status"] = "cancelled"
        return [say("Your order", spell(call.params.order), "has been cancelled and you will not be charged. Goodbye."),
                hangup()]

    @step
    def voicemail(self, call):
        return [
            say("This is Acme Store. We called to confirm the order you placed with us. It is on hold until you",
                "confirm it: please call us back or confirm it on our website. Goodbye."),
            hangup(),
        ]

    @step
    def unconfirmed(self, call):
        call.state["order_status"] = "unconfirmed"
        return [say("We could not get your answer, so your order stays on hold. Please call us back. Goodbye."),
                hangup()]
