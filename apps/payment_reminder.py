"""Payment reminder: calls about a balance that is due, takes the payment over the phone and
texts a receipt.

Call parameters: ``amount`` (the balance, such as ``42.10``), ``account`` (the customer's
account reference) and optionally ``due`` (an ISO date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from vxmlkit import (
    CallParams,
    Flow,
    Money,
    answering_machine,
    ask,
    digits,
    hangup,
    menu,
    say,
    sms,
    spell,
    step,
    template,
)


def receipt_number(account: str, amount: Decimal, reference: str) -> str:
    """The example's stand-in for a payment provider's receipt number (stable for a payment)."""
    return "R" + hashlib.sha256(f"{account}|{amount}|{reference}".encode()).hexdigest()[:8].upper()


def cents(amount: Decimal) -> Decimal:
    """``amount`` with two decimals, as a text message writes money (42.1 -> 42.10)."""
    return amount.quantize(Decimal("0.01"))


class PaymentReminder(Flow):
    """Reminds a customer of a balance due and takes a card payment."""

    name = "payment-reminder"

    class Params(CallParams):
        amount: Decimal
        account: str
        due: dt.date | None = None

    @step(start=True)
    def opening(self, call):
        return answering_machine(
            "Hello, this is Acme Utilities calling with an important message about your account.",
            voice=self.greet,
            machine=self.voicemail,
        )

    @step
    def greet(self, call):
        p = call.params
        due = ["is due on", p.due] if p.due else ["is due now"]
        return menu(
            say("Your balance of", Money(p.amount), *due, "."),
            "Press 1 to pay now, or 2 to hear this again.",
            choices={("1", "pay"): self.pay, ("2", "repeat"): self.greet},
            nomatch=["Please press 1 to pay, or 2 to hear the balance again.", "Press 1 or 2."],
            tries=3,
            on_failure=self.goodbye,
        )

    @step
    def pay(self, call):
        return ask(
            "card",
            digits(min=15, max=16),
            "Please enter your card number, followed by the pound key.",
            private=True,
            termchar="#",
            noinput=["Please enter the card number on the front of your card.", "Enter your card number now."],
            nomatch=["That number is not valid. Please enter 15 or 16 digits."],
            tries=3,
            on_failure=self.goodbye,
            then=self.charge,
        )

    @step
    def charge(self, call, card):
        # A real flow calls the payment provider here; the example keeps only what a receipt
        # needs. The card number never goes into call.state (which is stored) nor into a log.
        call.state["paid"] = str(call.params.amount)
        call.state["card_last4"] = card[-4:]
        call.state["receipt"] = receipt_number(call.params.account, call.params.amount, call.message_reference)
        return [
            say("Thank you. Your payment of", Money(call.params.amount), "has been accepted."),
            say("Your receipt number is", spell(call.state["receipt"]), "."),
            sms(
                to=call.phone_number,
                text=template("sms/payment_receipt.txt", amount=cents(call.params.amount), account=call.params.account,
                              last4=card[-4:], receipt=call.state["receipt"]),
                then=self.receipt_sent,
                on_error=self.receipt_failed,
            ),
        ]

    @step
    def receipt_sent(self, call):
        return [say("We have sent the receipt to your phone by text message. Goodbye."), hangup()]

    @step
    def receipt_failed(self, call, sms_error=""):
        call.state["receipt_error"] = sms_error
        return [say("We could not text you the receipt, but your payment is complete. Goodbye."), hangup()]

    @step
    def voicemail(self, call):
        return [
            say(
                "We are calling about your Acme Utilities account. Your balance of",
                Money(call.params.amount),
                "is due. Please call us back at your convenience. Goodbye.",
            ),
            hangup(),
        ]

    @step
    def goodbye(self, call):
        return [say("We could not take your payment today. Please call us back. Goodbye."), hangup()]
