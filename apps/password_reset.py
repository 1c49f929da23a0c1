"""Password reset: calls a customer who asked for a new password, checks who answers and texts
a temporary password.

Call parameters: ``account`` (the customer's account number; the caller proves who they are
with its last four digits) and optionally ``service`` (the name read out, default ``Acme``).
"""

from __future__ import annotations

import hmac
import secrets

from vxmlkit import CallParams, Flow, answering_machine, ask, digits, hangup, menu, say, sms, step, template
from vxmlkit.components import Ask

#: Wrong answers to the identity check before the flow gives up.
MAX_IDENTITY_CHECKS = 2

# No 0/O, 1/I/L: the password is read from a text message and typed by hand.
_PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def issue_temporary_password(account: str) -> str:
    """The example's stand-in for the identity provider: a new one-time password for ``account``."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(10))


class PasswordReset(Flow):
    """Confirms a password reset request and texts a temporary password."""

    name = "password-reset"

    class Params(CallParams):
        account: str
        service: str = "Acme"

    @step(start=True)
    def opening(self, call):
        return answering_machine(
            f"Hello, this is the {call.params.service} security team calling about your request for a new password.",
            voice=self.confirm_request,
            machine=self.voicemail,
        )

    @step
    def confirm_request(self, call):
        return menu(
            "To get a temporary password by text message, press 1.",
            "If you did not ask for a new password, press 2.",
            choices={("1", "new password"): self.verify, ("2", "not me"): self.not_requested},
            noinput=["Please press 1 to get a temporary password, or 2 if you did not ask for one.",
                     "Press 1 or 2 now."],
            nomatch=["Sorry, that is not an option. Press 1 for a temporary password, or 2 if you did not ask for one.",
                     "Please press 1 or 2."],
            tries=3,
            on_failure=self.goodbye,
        )

    @step
    def verify(self, call):
        return self._identity_question()

    @step
    def check_identity(self, call, last4):
        # The digits are private: compared here, never kept in call.state nor logged.
        if hmac.compare_digest(last4.encode(), call.params.account[-4:].encode()):
            call.state["identity_confirmed"] = True
            password = issue_temporary_password(call.params.account)
            return [
                say("Thank you. We are texting your temporary password to this phone now."),
                sms(
                    to=call.phone_number,
                    text=template("sms/password_reset.txt", password=password),
                    private=True,
                    then=self.password_sent,
                    on_error=self.password_not_sent,
                ),
            ]
        failed = call.state.get("failed_identity_checks", 0) + 1
        call.state["failed_identity_checks"] = failed
        if failed >= MAX_IDENTITY_CHECKS:
            call.state["identity_confirmed"] = False
            return [
                say("Those digits do not match our records either. For your security, we cannot reset your",
                    "password over the phone. Please contact customer service. Goodbye."),
                hangup(),
            ]
        return [say("Those digits do not match our records."), self._identity_question()]

    @step
    def password_sent(self, call):
        call.state["password_sent"] = True
        return [
            say("Your temporary password is on its way. When you sign in with it, you will be asked to choose",
                "a new password. Goodbye."),
            hangup(),
        ]

    @step
    def password_not_sent(self, call, sms_error=""):
        call.state["password_sent"] = False
        call.state["sms_error"] = sms_error
        return [
            say("Sorry, we could not send the text message, so your password has not been changed.",
                "Please try again later. Goodbye."),
            hangup(),
        ]

    @step
    def not_requested(self, call):
        call.state["not_requested"] = True
        return [
            say("Thank you for letting us know. Your password has not been changed, and our security team",
                "will review the request. Goodbye."),
            hangup(),
        ]

    @step
    def voicemail(self, call):
        return [
            say(f"This is the {call.params.service} security team. We called about your request for a new",
                "password. Please request it again when you can take our call. Goodbye."),
            hangup(),
        ]

    @step
    def goodbye(self, call):
        return [say("We could not get your answer, so your password has not been changed. Goodbye."), hangup()]

    def _identity_question(self) -> Ask:
        return ask(
            "last4",
            digits(length=4),
            "For your security, please enter the last four digits of your account number.",
            private=True,
            noinput=["Please enter the last four digits of your account number on your keypad.",
                     "Enter the four digits now."],
            nomatch=["Please enter exactly four digits.", "Enter the last four digits of your account number."],
            tries=3,
            on_failure=self.goodbye,
            then=self.check_identity,
        )
